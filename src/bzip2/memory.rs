//! What permessage-bzip2 costs in memory per connection.
//!
//! Nothing between messages: bzip2 streams cannot outlive their message, so the compressor and
//! decompressor exist only from a message's first frame to its last. Within a message, both
//! are dominated by the block buffers, sized by the stream's level L (block = L × 100 000):
//! the compressor holds `arr1` and `arr2` (4 bytes per block byte each) and a 256 KiB `ftab`;
//! the decompressor holds `tt` (4 bytes per block byte), or in small mode `ll16` + `ll4`
//! (2.5 bytes per block byte). The fixed parts (the `bz_stream`, bzip2's state structs) were
//! measured with a counting allocator by `tests/bzip2_memory.rs`, which fails if they drift.

/// A level's block size in bytes.
pub const fn block_bytes(level: u8) -> usize {
    level as usize * 100_000
}

/// The compressor's state besides its block buffers.
#[cfg(target_pointer_width = "32")]
pub const COMPRESSOR_FIXED_BYTES: usize = 55_756;
#[cfg(not(target_pointer_width = "32"))]
pub const COMPRESSOR_FIXED_BYTES: usize = 55_816;

/// The decompressor's state besides its block buffer (allocated at its creation, before
/// the stream header is read).
#[cfg(target_pointer_width = "32")]
pub const DECOMPRESSOR_FIXED_BYTES: usize = 60_968;
#[cfg(not(target_pointer_width = "32"))]
pub const DECOMPRESSOR_FIXED_BYTES: usize = 61_032;

/// `ftab`: 65 537 u32 counters, whatever the level.
const FTAB_BYTES: usize = 65_537 * 4;

/// A compressor at `level`, as allocated when a message starts.
pub const fn compressor_bytes(level: u8) -> usize {
    let n = block_bytes(level);
    COMPRESSOR_FIXED_BYTES + n * 4 + (n + 34) * 4 + FTAB_BYTES
}

/// A decompressor once its stream announced `level` (0: header not read yet).
pub const fn decompressor_bytes(level: u8, small: bool) -> usize {
    let n = block_bytes(level);
    let block = if level == 0 {
        0
    } else if small {
        n * 2 + n.div_ceil(2)
    } else {
        n * 4
    };
    DECOMPRESSOR_FIXED_BYTES + block
}
