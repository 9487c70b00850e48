//! The sending side: one complete bzip2 stream per message. The stream is created at the
//! message's first frame, fed every frame, finished at its last frame and then dropped: bzip2
//! cannot flush without ending the stream, so nothing is kept between messages (Autobahn's
//! `end_compress_message` does the same).
//!
//! bzip2 buffers a whole block before it writes anything, so the frames of a fragmented
//! message may come out empty until the block fills or the message ends.

use bzip2::{Action, Compress, Compression, Status};

use crate::error::ProtocolError;

use super::MAX_LEVEL;

/// Bytes of input per level: a level is a block of 100 000 bytes (less 19), counted after
/// bzip2's first run-length stage, which can grow the data by at most 5/4.
const BLOCK_UNIT: usize = 100_000;

/// The smallest level whose single block holds `len` bytes, capped at `max`. A message that
/// fits one block compresses to the same bytes at any bigger level (only the header digit
/// differs), so this saves both ends the memory of a bigger block at no cost in ratio.
pub fn level_for(len: usize, max: u8) -> u8 {
    let grown = len.saturating_add(len / 4).saturating_add(19);
    let needed = grown.div_ceil(BLOCK_UNIT).clamp(1, MAX_LEVEL as usize) as u8;
    needed.min(max).max(1)
}

pub struct Compressor {
    /// The level messages of unknown length (fragmented ones) are compressed with.
    level: u8,
    /// Present only within an outgoing compressed message.
    stream: Option<Compress>,
    /// The level of the stream in progress.
    stream_level: u8,
}

impl Compressor {
    pub fn new(level: u8) -> Self {
        Compressor { level: level.clamp(1, MAX_LEVEL), stream: None, stream_level: 0 }
    }

    /// The level messages are compressed with (at most; a small whole message uses less).
    pub fn level(&self) -> u8 {
        self.level
    }

    /// The level of the stream in progress, if any.
    pub fn stream_level(&self) -> Option<u8> {
        self.stream.as_ref().map(|_| self.stream_level)
    }

    /// Compresses one frame of a message: `first` starts the stream, `fin` ends it.
    pub fn compress(&mut self, data: &[u8], first: bool, fin: bool) -> Result<Vec<u8>, ProtocolError> {
        if first {
            // A single-frame message has a known length; a fragmented one may grow to any size.
            let level = if fin { level_for(data.len(), self.level) } else { self.level };
            self.stream = Some(Compress::new(Compression::new(level.into()), 0));
            self.stream_level = level;
        }
        let result = self.feed(data, fin);
        if result.is_err() || fin {
            self.stream = None;
        }
        result
    }

    fn feed(&mut self, mut input: &[u8], fin: bool) -> Result<Vec<u8>, ProtocolError> {
        let failed = |_| ProtocolError::internal("bzip2 compression failed");
        let Some(stream) = self.stream.as_mut() else {
            // Connection never sends a continuation outside a message; a failed frame ended it.
            return Err(ProtocolError::internal("continuation without a bzip2 stream"));
        };
        let mut out = Vec::with_capacity(if fin { input.len() / 4 + 64 } else { 0 });
        while !input.is_empty() {
            let (in_before, out_before) = (stream.total_in(), out.len());
            make_room(&mut out);
            stream.compress_vec(input, &mut out, Action::Run).map_err(failed)?;
            let consumed = usize::try_from(stream.total_in() - in_before).unwrap_or(usize::MAX);
            input = input.get(consumed..).unwrap_or_default();
            stalled(consumed, out_before, &out)?;
        }
        if fin {
            loop {
                let out_before = out.len();
                make_room(&mut out);
                if stream.compress_vec(&[], &mut out, Action::Finish).map_err(failed)? == Status::StreamEnd {
                    break;
                }
                stalled(0, out_before, &out)?;
            }
        }
        Ok(out)
    }
}

/// bzip2 always progresses while it has room to write; if it ever did not, fail instead of
/// spinning.
fn stalled(consumed: usize, out_before: usize, out: &[u8]) -> Result<(), ProtocolError> {
    if consumed == 0 && out.len() == out_before {
        return Err(ProtocolError::internal("bzip2 compression made no progress"));
    }
    Ok(())
}

/// Makes sure `out` has spare capacity, doubling it (at least 4 KiB) when full.
fn make_room(out: &mut Vec<u8>) {
    if out.len() == out.capacity() {
        out.reserve(out.capacity().max(4096));
    }
}
