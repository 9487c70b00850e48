//! What a connection remembers of the bytes it sent, for context takeover (see
//! [`super::compress`]): up to `reach` of the last bytes, held in at most `budget` bytes.
//!
//! When `reach` fits the budget the bytes are kept as they are. Otherwise they are kept
//! **packed**: as segments, each an independent LZ4 block (lz4_flex: no state to keep, a few
//! µs per 4 KiB either way, unlike a deflate compressor whose reset alone clears 128 KiB),
//! concatenated into one buffer, oldest first, so the oldest is dropped by cutting the front.
//! They are unpacked into a per-thread scratch buffer when a frame needs its history. JSON
//! packs about 3:1, so a 16 KiB budget reaches the full 32 KiB window; data that does not
//! compress simply reaches less far.

use std::cell::RefCell;

use lz4_flex::block::{compress_into, decompress_into, get_maximum_output_size};

use crate::error::ProtocolError;

/// `bytes[range]`, or an internal error: the segment bookkeeping says where each packed block
/// lies, and a wrong range is our bug, to fail one connection (1011) over, not to panic on.
fn part(bytes: &[u8], range: core::ops::Range<usize>) -> Result<&[u8], ProtocolError> {
    bytes.get(range).ok_or_else(|| ProtocolError::internal("history bookkeeping out of range"))
}

fn part_mut(bytes: &mut [u8], range: core::ops::Range<usize>) -> Result<&mut [u8], ProtocolError> {
    bytes.get_mut(range).ok_or_else(|| ProtocolError::internal("history bookkeeping out of range"))
}

/// A segment with fewer plain bytes is merged with the next frame's data (re-packed), so
/// small messages do not each pay a segment's overhead.
const MERGE_BELOW: usize = 1024;
/// At most this many segments: with merging, about `reach / MERGE_BELOW` are needed.
pub const MAX_SEGMENTS: usize = 40;
/// Bytes of bookkeeping per segment.
pub const SEGMENT_BYTES: usize = core::mem::size_of::<Segment>();

thread_local! {
    /// Where packed history is inflated; shared by every connection on this thread.
    static PLAIN: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

#[derive(Clone, Copy)]
struct Segment {
    packed: u32,
    plain: u32,
}

pub struct History {
    reach: usize,
    budget: usize,
    /// Plain: the last bytes. Packed: the segments, concatenated.
    bytes: Vec<u8>,
    /// Packed only, oldest first.
    segments: Vec<Segment>,
    /// Plain bytes the history holds.
    plain_len: usize,
}

/// Whether a history with this reach and budget is kept packed.
pub fn packs(reach: usize, budget: usize) -> bool {
    reach > budget
}

/// Bytes of the per-thread buffer packed histories are unpacked into, at most: the last
/// `reach` bytes may start inside a segment, which is unpacked whole.
pub fn shared_bytes(reach: usize, budget: usize) -> usize {
    if packs(reach, budget) {
        2 * reach
    } else {
        0
    }
}

/// Bytes a history with this reach and budget holds once used.
pub fn held_bytes(reach: usize, budget: usize) -> usize {
    if reach == 0 {
        0
    } else if packs(reach, budget) {
        budget + MAX_SEGMENTS * SEGMENT_BYTES
    } else {
        reach
    }
}

impl History {
    pub fn new(reach: usize, budget: usize) -> History {
        History { reach, budget, bytes: Vec::new(), segments: Vec::new(), plain_len: 0 }
    }

    fn packed(&self) -> bool {
        packs(self.reach, self.budget)
    }

    pub fn held_bytes(&self) -> usize {
        self.bytes.capacity() + self.segments.capacity() * SEGMENT_BYTES
    }

    /// Forgets everything and frees the memory.
    pub fn clear(&mut self) {
        *self = History::new(self.reach, self.budget);
    }

    /// Calls `f` with the plain bytes (at least the last `reach` of them when that many were
    /// sent, possibly a few more).
    pub fn with_plain<R>(&self, f: impl FnOnce(&[u8]) -> R) -> Result<R, ProtocolError> {
        if !self.packed() {
            return Ok(f(&self.bytes));
        }
        PLAIN.with(|cell| {
            // Segments wholly before the last `reach` bytes are not needed.
            let mut plain_len = self.plain_len;
            let mut packed_at = 0;
            let mut skip = 0;
            for s in &self.segments {
                if plain_len - (s.plain as usize) < self.reach {
                    break;
                }
                plain_len -= s.plain as usize;
                packed_at += s.packed as usize;
                skip += 1;
            }
            let mut plain = cell.borrow_mut();
            let missing = plain_len.saturating_sub(plain.len());
            plain.reserve_exact(missing);
            plain.resize(plain_len, 0);
            let mut plain_at = 0;
            for s in self.segments.iter().skip(skip) {
                let (packed, len) = (s.packed as usize, s.plain as usize);
                unpack(part(&self.bytes, packed_at..packed_at + packed)?, part_mut(&mut plain, plain_at..plain_at + len)?)?;
                packed_at += packed;
                plain_at += len;
            }
            Ok(f(&plain))
        })
    }

    /// Appends bytes just sent.
    pub fn push(&mut self, data: &[u8]) -> Result<(), ProtocolError> {
        if self.reach == 0 || data.is_empty() {
            return Ok(());
        }
        if !self.packed() {
            if self.bytes.capacity() == 0 {
                self.bytes.reserve_exact(self.reach);
            }
            let take = data.len().min(self.reach);
            let drop = (self.bytes.len() + take).saturating_sub(self.reach);
            self.bytes.drain(..drop);
            self.bytes.extend_from_slice(part(data, data.len() - take..data.len())?);
            self.plain_len = self.bytes.len();
            return Ok(());
        }
        if self.bytes.capacity() == 0 {
            self.bytes.reserve_exact(self.budget);
            self.segments.reserve_exact(MAX_SEGMENTS);
        }
        // A small newest segment is merged with the new data.
        let mut merged = Vec::new();
        let mut data = data;
        if let Some(&last) = self.segments.last().filter(|s| (s.plain as usize) < MERGE_BELOW) {
            let start = self.bytes.len() - last.packed as usize;
            merged.resize(last.plain as usize, 0);
            unpack(part(&self.bytes, start..self.bytes.len())?, &mut merged)?;
            merged.extend_from_slice(data);
            self.bytes.truncate(start);
            self.segments.pop();
            self.plain_len -= last.plain as usize;
            data = &merged;
        }
        // Only the last `reach` bytes matter; halve until the segment fits the budget (data
        // that does not compress).
        let mut tail = part(data, data.len() - data.len().min(self.reach)..data.len())?;
        let packed = loop {
            let packed = pack(tail)?;
            if packed.len() <= self.budget {
                break packed;
            }
            tail = part(tail, tail.len() / 2..tail.len())?;
        };
        // Drop the oldest segments that are no longer needed or do not leave room.
        let needed = |s: &Segment, plain_len: usize| plain_len - s.plain as usize + tail.len() < self.reach;
        let mut drop_segments = 0;
        let mut drop_bytes = 0;
        let mut plain_len = self.plain_len;
        for s in &self.segments {
            let fits = self.bytes.len() - drop_bytes + packed.len() <= self.budget
                && self.segments.len() - drop_segments < MAX_SEGMENTS;
            if fits && needed(s, plain_len) {
                break;
            }
            drop_segments += 1;
            drop_bytes += s.packed as usize;
            plain_len -= s.plain as usize;
        }
        self.segments.drain(..drop_segments);
        self.bytes.drain(..drop_bytes);
        self.bytes.extend_from_slice(&packed);
        self.segments.push(Segment { packed: packed.len() as u32, plain: tail.len() as u32 });
        self.plain_len = plain_len + tail.len();
        Ok(())
    }
}

/// `data` as an independent LZ4 block.
fn pack(data: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    let mut out = vec![0; get_maximum_output_size(data.len())];
    let n = compress_into(data, &mut out).map_err(|_| ProtocolError::internal("packing the history failed"))?;
    out.truncate(n);
    Ok(out)
}

/// Unpacks one segment into exactly `out`.
fn unpack(packed: &[u8], out: &mut [u8]) -> Result<(), ProtocolError> {
    match decompress_into(packed, out) {
        Ok(n) if n == out.len() => Ok(()),
        _ => Err(ProtocolError::internal("unpacking the history failed")),
    }
}
