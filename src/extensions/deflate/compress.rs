//! The sending side: raw deflate with a sync flush per frame (RFC 7692 §7.2.1).
//!
//! miniz_oxide always compresses with a 32 KiB window and has no preset-dictionary API, so
//! context takeover is done with a **history** of plain bytes: the connection keeps the last
//! bytes it sent ([`super::history`]). To compress a chunk C with history H, the thread's
//! scratch compressor is reset, fed H with a sync flush whose output is discarded (this only
//! fills miniz's dictionary and hash chains: miniz keeps both across a sync flush, which
//! `tests/deflate_ratio.rs` shows by matching the persistent compressor's bytes), then fed C
//! with a sync flush whose output is sent. After a sync flush the stream is byte-aligned, so
//! the kept output continues what the peer has inflated so far, and its matches may reach
//! back into H, which the peer still holds in its window.
//!
//! A window of 2^bits with bits < 15 is honoured by keeping |H| + |C| ≤ 2^bits: miniz never
//! matches further back than the bytes it was fed since the reset, so every distance is below
//! 2^bits (`tests/deflate_roundtrip.rs` counts them with its own decoder). Long data is cut
//! into chunks of at least half the window, each primed with the bytes just before it, also
//! across frames and messages. Without context takeover the history is dropped when a
//! message ends, but chunks and frames *within* a message still reach back.
//!
//! At window 15 nothing is cut (miniz's own window is 2^15) and two shortcuts apply:
//! - a thread keeps up to [`SCRATCH_SLOTS`] scratch compressors; a connection whose stream is
//!   still in one of them (a token per frame proves nobody used it since) just continues: up
//!   to that many busy connections taking turns cost about what a compressor each would, and
//!   the history is only primed when more connections than that take turns;
//! - `mem_level` 9 with context takeover keeps a miniz compressor per connection instead
//!   (~312 KiB): no priming ever, for those who prefer CPU to memory.
//!
//! Measured on 200 JSON messages of ≤ 4 KiB (tests/common/json_feed.rs, 790 057 bytes),
//! level 6, context takeover, CPU time per message of a native release build; "warm" = one
//! connection sending, "cold" = two connections sending in turns. The machine is shared, so
//! timings move by ±30 % between runs; bytes are exact
//! (`cargo test --release --test deflate_ratio -- --ignored --nocapture`):
//!
//! | sender | bytes (warm / cold) | ratio | µs/msg (warm / cold) | idle state/conn (ours: with the 43 296 B inflate state) |
//! |---|---:|---:|---:|---:|
//! | ws default (Node zlib 6, w15, memLevel 8) | 104 559 | 7.56 | 279 (with Node's event loop) | 256 KiB + inflate |
//! | Python zlib 6, w15, memLevel 8 | 105 268 | 7.51 | 124 | 256 KiB + inflate |
//! | python-websockets server (zlib 6, w12, memLevel 5) | 135 785 | 5.82 | 107 | 32 KiB + inflate |
//! | **ours, `DeflateConfig::server()`** (w15, mem_level 8) | 103 248 / 103 245 | 7.65 | 111 / 379 | 60 000 B |
//! | ours, w15, mem_level 9 (compressor per connection) | 103 248 | 7.65 | 100 / 98 | 362 622 B |
//! | ours, w15, level 9, mem_level 8 | 101 872 / 101 866 | 7.76 | 190 / 562 | 60 000 B |
//! | ours, w15, mem_level 7 (8 KiB packed) | 103 248 / 106 076 | 7.65 / 7.45 | 120 / 301 | 51 808 B |
//! | ours, w15, mem_level 5 (2 KiB packed) | 103 248 / 123 293 | 7.65 / 6.41 | 120 / 170 | 45 664 B |
//! | ours, w14 | 109 568 | 7.21 | 220 / 236 | 57 632 B |
//! | ours, w13 | 121 749 | 6.49 | 133 / 129 | 50 464 B |
//! | ours, w12 | 149 304 | 5.29 | 166 / 152 | 46 880 B |
//! | ours, w11 | 184 798 | 4.28 | 220 / 187 | 45 088 B |
//! | ours, w10 | 235 743 | 3.35 | 302 / 306 | 44 192 B |
//! | ours, w9 | 331 276 | 2.38 | 507 / 502 | 43 744 B |
//! | ours, w8 | 637 464 | 1.24 | 829 / 859 | 43 520 B |
//! | ours, any window ≥ 12 without takeover (= every window ≥ 12 before this history) | 186 503 | 4.24 | 75 / 66 | 43 296 B |
//!
//! (The last column was measured while the receiving side kept miniz's 43 296 B inflate state
//! between messages; it now keeps the peer's history instead, 32 768 B at the peer's window 15:
//! the default server's row is 49 472 B today, see [`super::memory`].)
//!
//! Without takeover a 4 KiB message at window ≥ 12 is one chunk, exactly what the former
//! block technique sent at every setting but window 15 (which kept a 312 KiB compressor).
//!
//! Within one long message the chunks' priming is what counts: one 256 KiB JSON-like message
//! (`tests/deflate_python.rs`) costs, over window 15, +12 % at window 12 (+29.5 % with
//! the former fresh compressor per block), +23 % at 11 (+53 %), +58 % at 10 (+99 %) and
//! +212 % at 8 (+318 %); window 14 now matches 15.
//! The cold cost at window 15 is the priming (reset ~200 KB of miniz buffers, then deflate
//! 32 KiB at level 2) and unpacking the history; below window 15 every frame pays it, for
//! a smaller history. Small windows stay poor: every chunk is its own block with its own
//! Huffman header, and at window 8 a chunk is 128 bytes.

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
    // `index` is a position found in `slots`, the last after a push, or 0 of a full pool.
    #[allow(clippy::indexing_slicing)]
    let slot = &mut slots[index];
    slot.owner = 0;
    if slot.bits != bits {
        // Free the old compressor first: a thread never holds more than SCRATCH_SLOTS.
        slot.compressor = new_compressor(bits, level);
        slot.bits = bits;
    }
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
