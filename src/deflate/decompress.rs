//! The receiving side: streaming raw inflate, bounded by the message budget.
//!
//! Output goes into a buffer that grows (exactly, no amortized doubling past the limit) up to
//! `budget + 1` bytes: reaching that last byte proves the message is too big, so a bomb is
//! stopped with 1009 after at most the limit plus one byte of output, whatever it expands to.
//! miniz inflates with a 32 KiB window, which covers every negotiated window (8–15).

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

use crate::error::ProtocolError;

use super::TAIL;

/// The first output allocation for a frame: small, so tiny messages stay cheap.
const MIN_GROW: usize = 4096;

pub struct Decompressor {
    no_context_takeover: bool,
    /// Present during a compressed message, and between messages only with context takeover.
    state: Option<Box<InflateState>>,
    /// The peer ended the deflate stream (a final block) inside this message.
    ended: bool,
}

impl Decompressor {
    pub fn new(no_context_takeover: bool) -> Self {
        Decompressor { no_context_takeover, state: None, ended: false }
    }

    /// Bytes of inflate state held right now.
    pub fn held_bytes(&self) -> usize {
        self.state.as_ref().map_or(0, |_| core::mem::size_of::<InflateState>())
    }

    /// Inflates one frame of a compressed message, producing at most `budget` bytes.
    pub fn decompress(&mut self, data: &[u8], fin: bool, budget: Option<u64>) -> Result<Vec<u8>, ProtocolError> {
        // budget + 1 bytes of room: filling it means the output is over the budget.
        let cap = budget.map_or(usize::MAX, |b| usize::try_from(b).unwrap_or(usize::MAX).saturating_add(1));
        let mut out = Output { buf: Vec::new(), filled: 0, cap, hint: data.len().saturating_mul(4) };
        let result = self.feed(data, &mut out).and_then(|()| if fin { self.feed(&TAIL, &mut out) } else { Ok(()) });
        if result.is_err() || fin {
            // A failed stream is unusable; a finished message keeps its window only with
            // takeover and only if the stream did not end.
            if result.is_err() || self.no_context_takeover || self.ended {
                self.state = None;
            }
            self.ended = false;
        }
        result?;
        out.buf.truncate(out.filled);
        Ok(out.buf)
    }

    fn feed(&mut self, mut input: &[u8], out: &mut Output) -> Result<(), ProtocolError> {
        if self.ended {
            // Bytes after a final block have no meaning; zlib ignores them too.
            return Ok(());
        }
        let state = self.state.get_or_insert_with(|| InflateState::new_boxed(DataFormat::Raw));
        loop {
            out.make_room()?;
            let r = inflate(state, input, &mut out.buf[out.filled..], MZFlush::None);
            input = &input[r.bytes_consumed..];
            out.filled += r.bytes_written;
            let progress = r.bytes_consumed + r.bytes_written > 0;
            match r.status {
                Ok(MZStatus::StreamEnd) => {
                    self.ended = true;
                    return Ok(());
                }
                Ok(_) | Err(MZError::Buf) => {}
                Err(_) => return Err(ProtocolError::invalid_data("invalid compressed data")),
            }
            let room_left = out.filled < out.buf.len();
            if input.is_empty() && room_left {
                return Ok(());
            }
            if !progress && room_left {
                return Err(ProtocolError::invalid_data("invalid compressed data"));
            }
        }
    }
}

struct Output {
    buf: Vec<u8>,
    filled: usize,
    /// budget + 1: the buffer never grows past it.
    cap: usize,
    hint: usize,
}

impl Output {
    fn make_room(&mut self) -> Result<(), ProtocolError> {
        if self.filled < self.buf.len() {
            return Ok(());
        }
        if self.filled >= self.cap {
            return Err(ProtocolError::too_big("decompressed message exceeds the size limit"));
        }
        let want = self.buf.len().saturating_mul(2).max(self.hint).max(MIN_GROW).min(self.cap);
        self.buf.reserve_exact(want - self.buf.len());
        self.buf.resize(want, 0);
        Ok(())
    }
}
