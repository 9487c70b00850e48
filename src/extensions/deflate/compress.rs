//! The sending side: raw deflate with a sync flush per frame (RFC 7692 §7.2.1), by `zlib-rs`
//! (a pure-Rust port of zlib-ng; in wasm32 about twice as fast as miniz_oxide's compressor,
//! which this replaced).
//!
//! A connection does not hold a compressor (371 KiB at window 15): it keeps a **history** of
//! the plain bytes it sent ([`super::history`]) and compresses in one of its thread's scratch
//! compressors. To compress a frame C after history H in a compressor that does not hold the
//! connection's stream, the compressor is reset and given the end of H as a preset dictionary
//! (`set_dictionary`: it fills the window and hash chains, no output), then fed C with a sync
//! flush. After a sync flush the stream is byte-aligned, so the output continues what the
//! peer has inflated so far, and its matches may reach back into H, which the peer still
//! holds in its window.
//!
//! Every window is native: the compressor is made with the negotiated window, 9 when 8 is
//! negotiated (zlib cannot make raw window-8 streams; at window 9 it matches at most
//! 512 - 262 = 250 bytes back, within the peer's 256, which is what zlib itself, and so ws and
//! python-websockets, does). zlib never matches further back than 2^bits - 262 bytes (its
//! MAX_DIST), into the dictionary included, so that is all of H a frame is primed with
//! ([`history_reach`]). `tests/deflate_roundtrip.rs` counts the distances with its own decoder
//! and `tests/deflate_python.rs` has zlib inflate our output at exactly the negotiated window.
//! Without context takeover the history is dropped when a message ends (and the next message
//! starts a fresh stream), but the frames of a fragmented message still reach back.
//!
//! Two shortcuts:
//! - a thread keeps up to [`SCRATCH_SLOTS`] scratch compressors; a connection whose stream is
//!   still in one of them (a token per frame proves nobody used it since) just continues: up
//!   to that many busy connections taking turns cost about what a compressor each would, and
//!   the history is only primed when more connections than that take turns (a slot of another
//!   window gets a new compressor);
//! - `mem_level` 9 with window 15 and context takeover keeps a compressor per connection
//!   instead (371 KiB): no priming ever, for those who prefer CPU to memory.
//!
//! Every compressor uses zlib's memLevel 8 (ws's); our `mem_level` sizes the history instead.
//!
//! Measured on 200 JSON messages of ≤ 4 KiB (tests/common/json_feed.rs, 790 057 bytes),
//! level 6, context takeover, CPU time per message of a native release build; "warm" = one
//! connection sending, "cold" = 9 connections (one more than the scratch slots) sending in
//! turns, so every message primes a compressor from its history. The machine is shared and the
//! clock coarse, so timings move by ±30 % between runs; bytes are exact
//! (`cargo test --release --test deflate_ratio -- --ignored --nocapture`). The state column is
//! what a server holds between messages, the client's history of 32 KiB included:
//!
//! | sender | bytes (warm / cold) | ratio | µs/msg (warm / cold) | idle state/conn |
//! |---|---:|---:|---:|---:|
//! | ws default (Node zlib 6, w15, memLevel 8) | 104 559 | 7.56 | 77 (with Node's event loop) | 256 KiB + inflate |
//! | Python zlib 6, w15, memLevel 8 | 105 268 | 7.51 | 57 | 256 KiB + inflate |
//! | python-websockets server (zlib 6, w12, memLevel 5) | 135 785 | 5.82 | 51 | 32 KiB + inflate |
//! | **ours, `DeflateConfig::server()`** (w15, mem_level 8) | 105 143 / 105 001 | 7.51 | 30 / 72 | 49 472 B |
//! | ours, w15, mem_level 9 (compressor per connection) | 105 143 | 7.51 | 27 / 38 | 412 928 B |
//! | ours, w15, level 9, mem_level 8 | 102 655 / 102 651 | 7.70 | 60 / 102 | 49 472 B |
//! | ours, w15, mem_level 7 (8 KiB packed) | 105 143 / 108 101 | 7.51 / 7.31 | 31 / 54 | 41 280 B |
//! | ours, w15, mem_level 5 (2 KiB packed) | 105 143 / 124 834 | 7.51 / 6.33 | 36 / 34 | 35 136 B |
//! | ours, w14 | 110 096 / 109 917 | 7.18 | 20 / 39 | 48 890 B |
//! | ours, w13 | 118 687 / 118 561 | 6.66 | 28 / 33 | 40 698 B |
//! | ours, w12 | 135 633 / 135 597 | 5.82 | 25 / 29 | 36 602 B |
//! | ours, w11 | 157 476 / 157 461 | 5.02 | 20 / 30 | 34 554 B |
//! | ours, w10 | 186 052 / 185 993 | 4.25 | 31 / 36 | 33 530 B |
//! | ours, w9 and w8 (both compressed with window 9) | 378 040 / 378 010 | 2.09 | 53 / 55 | 33 018 B |
//! | ours, w15 … w12 without takeover | 186 801 | 4.23 | 31 / 27 | 32 768 B |
//!
//! With miniz_oxide's compressor (always a 32 KiB window, no preset dictionary: a frame was
//! primed by compressing the history at level 2 and discarding the output, and windows below
//! 15 were honoured by cutting the data into chunks that fit the window with their history),
//! measured the same way (but "cold" was two connections sending in turns): the default server
//! sent 103 248 bytes (1.8 % fewer: zlib-ng's level 6 trades a little ratio for speed; ws
//! sends 0.6 % fewer than we do now, the reference zlib 0.1 % more) at 111 / 379 µs, level 9
//! 101 872; w14 109 568, w13 121 749, w12 149 304, w11 184 798, w10 235 743, w9 331 276,
//! w8 637 464 (every chunk its own block), 186 503 without takeover. Window 9 is the one
//! setting that lost (14 %): zlib reaches 250 bytes back there, miniz reached 511.
//! One 256 KiB JSON-like message (`tests/deflate_python.rs`) now costs, over window 15,
//! +0.7 % at window 14, -1.6 % at 12, +6.2 % at 10 and +5.3 % at 9 and 8 (with the chunks:
//! +12 % at 12, +23 % at 11, +58 % at 10, +212 % at 8).
//!
//! The cold cost is the reset (zlib clears its 128 KiB of hash heads), unpacking the history
//! and hashing it into the dictionary; in wasm32 (Node 20, 4 KiB JSON messages) a cold message
//! took 110–129 µs with zlib-rs against 310–435 µs with miniz's priming, a warm one 62–78 µs
//! against 95–140 µs.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use zlib_rs::{Deflate, DeflateConfig, DeflateFlush, Status};

use crate::error::ProtocolError;

use super::history::History;
use super::TAIL;

/// How many scratch compressors a thread keeps at most (~371 KiB each at window 15, made only
/// when that many connections send in turns). A connection finds its stream still in one of
/// them as long as fewer than this many other connections sent since its last frame, so up to
/// this many busy connections cost what a compressor each would, without holding one each.
pub const SCRATCH_SLOTS: usize = 8;

/// zlib's memLevel for every compressor (its default, and ws's): 16 Ki symbols per block.
/// `DeflateConfig::mem_level` sizes our history instead (see [`history_budget`]).
pub const COMPRESSOR_MEM_LEVEL: u8 = 8;

/// zlib's MIN_LOOKAHEAD (MAX_MATCH + MIN_MATCH + 1): a compressor with a 2^bits window never
/// matches further back than 2^bits - 262 bytes (zlib's MAX_DIST).
pub const LOOKAHEAD: usize = 262;

struct Slot {
    compressor: Deflate,
    /// The compressor's window bits (9–15).
    bits: u8,
    /// The token of the frame this compressor last finished (0: none, or it failed). Tokens
    /// only grow, so the smallest owner is the least recently used slot.
    owner: u64,
}

thread_local! {
    /// Shared by every connection on this thread; each slot is only used within one frame.
    static SCRATCH: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

/// Unique per compressed frame across threads, so a token can only match the frame it
/// was given to, even if a connection moves between threads.
static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// The window a compressor for a negotiated window of 2^`bits` uses: the same, but 9 for 8.
/// zlib cannot make raw window-8 streams (neither can zlib-rs, which panics on it); at window 9
/// its farthest match is 512 - 262 = 250 bytes back, within the 256 the peer keeps, which is
/// why zlib itself (and so ws and python-websockets) compresses with 9 when 8 is negotiated.
pub fn compressor_bits(bits: u8) -> u8 {
    bits.clamp(9, 15)
}

/// zlib-rs's level for ours: 0–9 (10, miniz's extra level, which `DeflateConfig` still
/// accepts, is 9).
pub fn compressor_level(level: u8) -> u8 {
    level.min(9)
}

/// Plain bytes of history a compressor is primed with at window 2^`bits`: the farthest it
/// may match back (2^bits - 262, at least 250). 0 when storing (level 0: nothing to match)
/// or with a whole compressor per connection.
pub fn history_reach(bits: u8, no_context_takeover: bool, level: u8, mem_level: u8) -> usize {
    if level == 0 || keeps_compressor(bits, no_context_takeover, mem_level) {
        return 0;
    }
    (1usize << compressor_bits(bits)) - LOOKAHEAD
}

/// Bytes the history may occupy for `mem_level` (1–9): 2^(mem_level + 6), 128 B … 32 KiB.
pub fn history_budget(mem_level: u8) -> usize {
    1 << (mem_level.clamp(1, 9) + 6)
}

/// Whether this setting keeps a whole compressor per connection instead of a history.
pub fn keeps_compressor(bits: u8, no_context_takeover: bool, mem_level: u8) -> bool {
    bits >= 15 && !no_context_takeover && mem_level >= 9
}

/// A raw-deflate compressor (negative window bits: no zlib header) for a negotiated window of
/// 2^`bits`. Every argument is brought into range here, as zlib-rs panics on a bad
/// configuration. Public for `tests/deflate_memory.rs`, which weighs it.
pub fn new_compressor(bits: u8, level: u8) -> Deflate {
    Deflate::new_with_config(DeflateConfig {
        level: compressor_level(level).into(),
        window_bits: -i32::from(compressor_bits(bits)),
        mem_level: COMPRESSOR_MEM_LEVEL.into(),
        ..DeflateConfig::default()
    })
}

pub struct Compressor {
    bits: u8,
    no_context_takeover: bool,
    level: u8,
    /// The most plain bytes of history a compressor is primed with.
    reach: usize,
    /// The last bytes sent (within the current message only, without context takeover).
    history: History,
    /// Only with `keeps_compressor`: the connection's own compressor.
    persistent: Option<Box<Deflate>>,
    /// The scratch's owner token after our last frame. While it still matches, nobody used
    /// the scratch since, so it holds exactly our stream and we continue in it without
    /// resetting and priming (a busy connection then costs what a persistent compressor does).
    token: u64,
    /// Kept for [`Compressor::independent_output_key`] (it sizes the history).
    mem_level: u8,
}

impl Compressor {
    pub fn new(bits: u8, no_context_takeover: bool, level: u8, mem_level: u8) -> Self {
        let bits = bits.clamp(8, 15);
        let level = compressor_level(level);
        let persistent = keeps_compressor(bits, no_context_takeover, mem_level);
        let reach = history_reach(bits, no_context_takeover, level, mem_level);
        Compressor {
            bits,
            no_context_takeover,
            level,
            reach,
            history: History::new(reach, history_budget(mem_level)),
            persistent: persistent.then(|| Box::new(new_compressor(bits, level))),
            token: 0,
            mem_level,
        }
    }

    /// Without context takeover a message's bytes depend only on it and these settings.
    pub fn independent_output_key(&self) -> Option<String> {
        self.no_context_takeover
            .then(|| format!("bits={} level={} mem_level={}", self.bits, self.level, self.mem_level))
    }

    /// Bytes of compressor state held right now (the scratch compressor is not counted).
    pub fn held_bytes(&self) -> usize {
        self.persistent.as_ref().map_or(0, |_| super::memory::compressor_bytes(self.bits)) + self.history.held_bytes()
    }

    /// Compresses one frame of a message; the last frame (`fin`) loses the sync-flush tail.
    pub fn compress(&mut self, data: &[u8], fin: bool) -> Result<Vec<u8>, ProtocolError> {
        let mut out = Vec::new();
        if let Some(d) = self.persistent.as_mut() {
            sync_flush(d, data, &mut out)?;
        } else {
            SCRATCH.with(|cell| -> Result<(), ProtocolError> {
                let mut slots = cell.borrow_mut();
                let (slot, warm) = take_slot(&mut slots, self.token, self.bits, self.level);
                self.token = 0;
                let d = &mut slot.compressor;
                if !warm {
                    // A new stream (the peer's window still holds our history): prime the
                    // compressor's window and hash chains with the last `reach` bytes we sent.
                    d.reset();
                    set_level(d, self.level)?;
                    let reach = self.reach;
                    self.history.with_plain(|old| -> Result<(), ProtocolError> {
                        let dictionary = old.get(old.len().saturating_sub(reach)..).unwrap_or_default();
                        if !dictionary.is_empty() {
                            d.set_dictionary(dictionary)
                                .map_err(|_| ProtocolError::internal("priming the compressor failed"))?;
                        }
                        Ok(())
                    })??;
                }
                sync_flush(d, data, &mut out)?;
                // A message's end clears the history without context takeover (and frees
                // it: an idle connection then holds nothing), and the next message starts a
                // new stream.
                if fin && self.no_context_takeover {
                    self.history.clear();
                    return Ok(());
                }
                self.history.push(data)?;
                self.token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
                slot.owner = self.token;
                Ok(())
            })?;
        }
        if fin {
            if !out.ends_with(&TAIL) {
                return Err(ProtocolError::internal("compressor output lacks the sync-flush tail"));
            }
            out.truncate(out.len() - TAIL.len());
        }
        Ok(out)
    }
}

impl Drop for Compressor {
    /// Frees the scratch slot holding our stream for the next connection (a slot whose owner
    /// is gone would otherwise only be reused once the pool is full).
    fn drop(&mut self) {
        if self.token != 0 {
            let _ = SCRATCH.try_with(|cell| {
                if let Ok(mut slots) = cell.try_borrow_mut() {
                    slots.iter_mut().filter(|s| s.owner == self.token).for_each(|s| s.owner = 0);
                }
            });
        }
    }
}

/// The slot holding the stream of `token` (warm: continue in it), else a free one with our
/// window, else any free one, else a new one while fewer than SCRATCH_SLOTS exist, else the
/// least recently used. A slot with another window gets a new compressor. The slot's owner is
/// cleared until the frame succeeds: a failure leaves the compressor unusable for continuing.
fn take_slot(slots: &mut Vec<Slot>, token: u64, bits: u8, level: u8) -> (&mut Slot, bool) {
    let bits = compressor_bits(bits);
    let warm = if token == 0 { None } else { slots.iter().position(|s| s.owner == token) };
    let free_same = || slots.iter().position(|s| s.owner == 0 && s.bits == bits);
    let free = || slots.iter().position(|s| s.owner == 0);
    let index = match warm.or_else(free_same).or_else(free) {
        Some(i) => i,
        None if slots.len() < SCRATCH_SLOTS => {
            slots.push(Slot { compressor: new_compressor(bits, level), bits, owner: 0 });
            slots.len() - 1
        }
        None => slots.iter().enumerate().min_by_key(|(_, s)| s.owner).map_or(0, |(i, _)| i),
    };
    let index = if slots.get(index).is_some_and(|s| s.bits != bits) {
        // Drop the old compressor before making the new one: a thread never holds more than
        // SCRATCH_SLOTS, not even for a moment. (Never the warm slot: it has our window.)
        slots.swap_remove(index);
        slots.push(Slot { compressor: new_compressor(bits, level), bits, owner: 0 });
        slots.len() - 1
    } else {
        index
    };
    // `index` is a position found in `slots`, the last after a push, or 0 of a full pool.
    #[allow(clippy::indexing_slicing)]
    let slot = &mut slots[index];
    slot.owner = 0;
    (slot, warm.is_some())
}

fn set_level(d: &mut Deflate, level: u8) -> Result<(), ProtocolError> {
    // Right after a reset no block is open, so this never needs to flush.
    match d.set_level(compressor_level(level).into()) {
        Ok(Status::Ok) => Ok(()),
        _ => Err(ProtocolError::internal("setting the compression level failed")),
    }
}

/// An empty stored block, not final (RFC 1951 §3.2.4), at a byte boundary: what a sync flush
/// emits. zlib emits nothing for a sync flush with no input since the last one; RFC 7692
/// still wants the block (its tail is what the receiver appends), so it is written here.
const EMPTY_STORED_BLOCK: [u8; 5] = [0x00, 0x00, 0x00, 0xff, 0xff];

/// Compresses `data` with a sync flush, appending to `out` (zlib's idiom: call again while a
/// call fills all the room it was given).
fn sync_flush(d: &mut Deflate, data: &[u8], out: &mut Vec<u8>) -> Result<(), ProtocolError> {
    let failed = || ProtocolError::internal("compression failed");
    let start = out.len();
    let mut input = data;
    let mut room = data.len() / 2 + 64;
    loop {
        let at = out.len();
        out.resize(at + room, 0);
        let (read_before, wrote_before) = (d.total_in(), d.total_out());
        let status = d.compress(input, out.get_mut(at..).ok_or_else(failed)?, DeflateFlush::SyncFlush);
        let read = usize::try_from(d.total_in() - read_before).map_err(|_| failed())?;
        let wrote = usize::try_from(d.total_out() - wrote_before).map_err(|_| failed())?;
        out.truncate(at + wrote);
        input = input.get(read..).ok_or_else(failed)?;
        match status {
            Ok(Status::Ok) if input.is_empty() && wrote < room => return Ok(()),
            Ok(Status::Ok) => room = room.saturating_mul(2),
            // Nothing was left to flush: the last call filled its room exactly, or there was
            // no input since the stream's last sync flush.
            Ok(Status::BufError) if input.is_empty() && wrote == 0 => {
                if out.len() == start {
                    out.extend_from_slice(&EMPTY_STORED_BLOCK);
                }
                return Ok(());
            }
            _ => return Err(failed()),
        }
    }
}
