//! The receiving side: streaming raw inflate, bounded by the message budget
//! ([`crate::extensions::bounded_output`]).
//! miniz inflates with a 32 KiB window, which covers every negotiated window (8–15).

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

use crate::extensions::bounded_output::BoundedOutput;
use crate::error::ProtocolError;

use super::TAIL;

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
        let mut out = BoundedOutput::new(budget, data.len());
        let fed = self.feed(data, &mut out).and_then(|()| if fin { self.feed(&TAIL, &mut out) } else { Ok(()) });
        // A final block can end the stream on the byte past the budget: that is 1009 too.
        let result = fed.and_then(|()| out.finish());
        if result.is_err() || fin {
            // A failed stream is unusable; a finished message keeps its window only with
            // takeover and only if the stream did not end.
            if result.is_err() || self.no_context_takeover || self.ended {
                self.state = None;
            }
            self.ended = false;
        }
        result
    }

    fn feed(&mut self, mut input: &[u8], out: &mut BoundedOutput) -> Result<(), ProtocolError> {
        if self.ended {
            // Bytes after a final block have no meaning; zlib ignores them too.
            return Ok(());
        }
        let state = self.state.get_or_insert_with(|| InflateState::new_boxed(DataFormat::Raw));
        loop {
            out.make_room()?;
            let r = inflate(state, input, out.spare(), MZFlush::None);
            input = input.get(r.bytes_consumed..).unwrap_or(&[]);
            out.advance(r.bytes_written);
            let progress = r.bytes_consumed + r.bytes_written > 0;
            match r.status {
                Ok(MZStatus::StreamEnd) => {
                    self.ended = true;
                    return Ok(());
                }
                Ok(_) | Err(MZError::Buf) => {}
                Err(_) => return Err(ProtocolError::invalid_extension_data("invalid compressed data")),
            }
            if input.is_empty() && out.has_room() {
                return Ok(());
            }
            if !progress && out.has_room() {
                return Err(ProtocolError::invalid_extension_data("invalid compressed data"));
            }
        }
    }
}
