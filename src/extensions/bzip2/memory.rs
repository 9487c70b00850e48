//! What permessage-bzip2 costs in memory per connection.
//!
//! Nothing between messages: bzip2 streams cannot outlive their message, so the compressor and
//! decompressor exist only from a message's first frame to its last. Within a message, both
//! are dominated by the block buffers, sized by the stream's level L (block = L × 100 000):
//! the compressor holds `arr1` and `arr2` (4 bytes per block byte each) and a 256 KiB `ftab`;
//! the decompressor holds `tt` (4 bytes per block byte), or in small mode `ll16` + `ll4`
//! (2.5 bytes per block byte). The fixed parts (the `bz_stream`, bzip2's state structs) were
//! measured with a counting allocator by `tests/bzip2_memory.rs` (native and wasm32), which
//! fails if any figure drifts. All of it is allocated zeroed at the message's start.
//!
//! | state (wasm32)                         | level 1   | level 9     |
//! |----------------------------------------|-----------|-------------|
//! | idle connection                        | 0         | 0           |
//! | compressor, while sending              | 1 118 040 | 7 518 040   |
//! | decompressor, while receiving (fast)   | 460 968   | 3 660 968   |
//! | decompressor, while receiving (small)  | 310 968   | 2 310 968   |
//!
//! (64-bit hosts: +60 bytes for the compressor, +64 for the decompressor.) A message sent in
//! one frame gets the smallest level that holds it ([`super::compress::level_for`]), so messages
//! under 80 kB cost level 1 on both ends whatever the configured level; a fragmented message
//! (or an auto-fragmented one: the extension sees one fragment at a time) uses the configured
//! level. What a receiver allocates is set by the level digit of the peer's stream, checked
//! against the agreement before bzip2 reads it. The output buffer comes on top: at most the
//! message budget plus one byte (a 100 MiB bomb under the 16 MiB default peaks at 16 MiB +
//! 3.66 MB in `tests/bzip2_memory.rs`).
//!
//! Small mode saves 1.35 MB per incoming level-9 message at about 1.5–2× the decompression
//! time (1 MiB of JSON-like text, release, loaded 2-core host: 37 vs 88 ms at level 1, 109 vs
//! 152 ms at level 9); it is off by default, as in Autobahn and Python's `bz2`.

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
