//! What permessage-deflate costs in memory per connection.
//!
//! A connection holds at most:
//! - the peer's history ([`super::decompress`]): the last 2^window bytes it sent (at least
//!   512, 32 KiB at window 15; fewer until it has sent that much), between messages only when
//!   the peer takes context over; and inside a message miniz's decoder state (Huffman tables,
//!   [`super::decompress::DECODER_BYTES`], 10 504 B on x86-64) and room for a frame's output;
//! - the history of what it sent ([`super::history`]): with context takeover always, without
//!   it only inside a fragmented message. Its size is fixed by the window and `mem_level`:
//!   the reach (2^bits - 262, zlib's farthest match: 32 506 at window 15, 250 at window 8)
//!   when that fits 2^(mem_level + 6) bytes, else that budget plus 320 B of segment
//!   bookkeeping (LZ4-packed);
//! - or, instead of a history, a whole zlib-rs compressor ([`COMPRESSOR_BYTES`], 380 160 B)
//!   with `mem_level` 9, window 15 and context takeover.
//!
//! Per thread, shared by all connections: the scratch compressors (one per connection sending
//! in turns, at most `compress::SCRATCH_SLOTS` = 8, so at most 3 MB; [`compressor_bytes`]
//! each: 371 KiB at window 15, 259 KiB at 12, 245 KiB at 9 and 8) and, for packed histories,
//! the buffer they are unpacked into (up to twice the reach).
//!
//! Measured with a counting allocator (`tests/deflate_memory.rs`, which checks these figures
//! against what a connection really holds after 41 messages each way), x86-64:
//!
//! | server config | idle | receiving | sending (fragmented) |
//! |---|---:|---:|---:|
//! | `DeflateConfig::server()` (no window caps, takeover, mem_level 8) | 49 472 | 64 072 | 49 472 |
//! | server window 12 (python-websockets' choice; the client's stays 15) | 36 602 | 51 202 | 36 602 |
//! | no context takeover | 0 | 47 368 | 16 704 |
//! | mem_level 9 (compressor per connection, the old window-15 way) | 412 928 | 427 528 | 412 928 |
//!
//! Per thread the default server adds one scratch compressor and the unpacking buffer:
//! 445 172 B (miniz's compressor made that 384 862 B).
//!
//! Before the peer's history replaced miniz's inflate state (43 296 B whatever the window,
//! between messages too), idle was 60 000 B for the default server and 46 880 B at window 12.
//! With miniz's compressor (a 32 KiB window whatever the negotiated one, so the history
//! reached 7/8 of a smaller window) window 12 held 36 352 B, and mem_level 9 352 094 B.
//!
//! For comparison, zlib (ws, python-websockets) holds 2^(windowBits + 2) + 2^(memLevel + 9)
//! bytes to compress: 256 KiB for ws's default, 32 KiB for python-websockets' server.

use crate::config::Role;

use super::compress::{compressor_bits, history_budget, history_reach, keeps_compressor};
use super::decompress::{history_bytes, DECODER_BYTES};
use super::history;
use super::params::{Agreement, ClientBits, DeflateConfig};

/// A zlib-rs compressor at window 15 (memLevel 8), boxed: the one allocation zlib-rs makes
/// when it is created (its state, a 64 KiB window, 2^window 2-byte chain links, 64 Ki
/// 2-byte hash heads, 64 KiB of pending output and 48 KiB of symbols, each 64-byte aligned)
/// plus the box's `Deflate` (a `z_stream` and two counters), as measured by
/// `tests/deflate_memory.rs` with a counting allocator (which fails if this drifts). The
/// state holds pointers, so wasm32 (4-byte pointers, the figure that matters in production)
/// differs from a 64-bit host.
#[cfg(target_pointer_width = "32")]
pub const COMPRESSOR_BYTES: usize = 379_912;
#[cfg(not(target_pointer_width = "32"))]
pub const COMPRESSOR_BYTES: usize = 380_160;

/// A compressor for a negotiated window of 2^`bits` (the window it compresses with is 9 for
/// 8): window, chain links and the rest of [`COMPRESSOR_BYTES`] scale with it, 4 bytes per
/// byte of window: 251 KiB at window 9, 371 KiB at 15.
pub fn compressor_bytes(bits: u8) -> usize {
    COMPRESSOR_BYTES - 4 * ((1 << 15) - (1usize << compressor_bits(bits)))
}

/// Bytes of deflate state one connection holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateBytes {
    /// Held between messages.
    pub idle: usize,
    /// Held while a compressed message of small frames is being received: the decoder, the
    /// peer's history (needed then even without context takeover) and an eighth of it more,
    /// as room for a frame's output (a larger frame's output is the message itself).
    pub receiving: usize,
    /// Held while a fragmented compressed message is being sent (without context takeover
    /// the history is kept only then).
    pub sending: usize,
    /// Per-thread buffers shared by all connections, for one connection: a scratch compressor
    /// and the buffer packed histories are unpacked into (0 if this connection uses neither).
    /// A thread keeps up to `compress::SCRATCH_SLOTS` scratch compressors in all.
    pub shared: usize,
}

/// The state a connection with this agreement holds, in `role`, with a config's `level` and
/// `mem_level`.
pub fn state_bytes(role: Role, agreement: &Agreement, level: u8, mem_level: u8) -> StateBytes {
    let (send_bits, send_nct) = agreement.sending(role);
    let (recv_bits, recv_nct) = agreement.receiving(role);
    let compressor = if keeps_compressor(send_bits, send_nct, mem_level) { compressor_bytes(send_bits) } else { 0 };
    let (reach, budget) = (history_reach(send_bits, send_nct, level, mem_level), history_budget(mem_level));
    let history = history::held_bytes(reach, budget);
    let history_idle = if send_nct { 0 } else { history };
    let peer_history = history_bytes(recv_bits);
    let inflate_idle = if recv_nct { 0 } else { peer_history };
    let idle = compressor + history_idle + inflate_idle;
    StateBytes {
        idle,
        receiving: compressor + history_idle + DECODER_BYTES + peer_history + peer_history / 8,
        sending: compressor + history + inflate_idle,
        shared: if compressor > 0 { 0 } else { compressor_bytes(send_bits) + history::shared_bytes(reach, budget) },
    }
}

/// The state for a config, assuming the peer accepts it as is (a server's peer offers nothing
/// beyond it; a client's peer echoes the offer and picks no client window of its own).
pub fn config_state_bytes(role: Role, config: &DeflateConfig) -> StateBytes {
    let agreement = Agreement {
        server_no_context_takeover: config.server_no_context_takeover,
        client_no_context_takeover: config.client_no_context_takeover,
        server_max_window_bits: config.server_max_window_bits,
        client_max_window_bits: match config.client_max_window_bits {
            Some(ClientBits::Value(b)) => Some(b),
            _ => None,
        },
    };
    state_bytes(role, &agreement, config.level, config.mem_level)
}
