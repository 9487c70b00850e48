//! The receiving side: one bzip2 stream per message, decompressed frame by frame and bounded
//! by the message budget ([`crate::extensions::bounded_output`]).
//!
//! bzip2 allocates its block buffer when it reads the stream header, sized by the header's
//! level digit. That digit is checked against the level the peer agreed to before the
//! decompressor sees it, so a peer capped at level 1 cannot make us allocate for level 9.

use bzip2::{Decompress, Status};

use crate::extensions::bounded_output::BoundedOutput;
use crate::error::ProtocolError;

/// Where the level digit sits in a stream: after the magic `BZh`.
const LEVEL_OFFSET: u64 = 3;

pub struct Decompressor {
    small: bool,
    /// The highest level (block size) the peer may compress with.
    max_level: u8,
    /// Present only within an incoming compressed message.
    stream: Option<Decompress>,
    /// Input bytes of the current message fed so far.
    fed: u64,
    /// The stream ended inside this message.
    ended: bool,
    /// The level digit of the current stream's header, once read.
    level: Option<u8>,
}

impl Decompressor {
    pub fn new(max_level: u8, small: bool) -> Self {
        Decompressor { small, max_level, stream: None, fed: 0, ended: false, level: None }
    }

    /// Within a message: the level its stream announced (0 until the header is read).
    pub fn held_level(&self) -> Option<u8> {
        self.stream.as_ref().map(|_| self.level.unwrap_or(0))
    }

    /// Decompresses one frame of a compressed message, producing at most `budget` bytes. The
    /// last frame (`fin`) must complete the stream; nothing may follow its end.
    pub fn decompress(&mut self, data: &[u8], fin: bool, budget: Option<u64>) -> Result<Vec<u8>, ProtocolError> {
        let mut result = self.feed(data, budget);
        if fin && result.is_ok() && !self.ended {
            result = Err(ProtocolError::invalid_extension_data("truncated bzip2 stream"));
        }
        if result.is_err() || fin {
            // Every message is an independent stream: free its buffers now.
            self.stream = None;
            self.fed = 0;
            self.ended = false;
            self.level = None;
        }
        result
    }

    fn feed(&mut self, mut input: &[u8], budget: Option<u64>) -> Result<Vec<u8>, ProtocolError> {
        let invalid = |_| ProtocolError::invalid_extension_data("invalid bzip2 data");
        if input.is_empty() {
            return Ok(Vec::new());
        }
        if self.ended {
            return Err(ProtocolError::invalid_extension_data("data after the end of the bzip2 stream"));
        }
        self.check_level(input)?;
        let mut out = BoundedOutput::new(budget, input.len());
        let stream = self.stream.get_or_insert_with(|| Decompress::new(self.small));
        loop {
            out.make_room()?;
            let (in_before, out_before) = (stream.total_in(), stream.total_out());
            let status = stream.decompress(input, out.spare()).map_err(invalid)?;
            let consumed = usize::try_from(stream.total_in() - in_before).unwrap_or(usize::MAX);
            let written = usize::try_from(stream.total_out() - out_before).unwrap_or(usize::MAX);
            input = input.get(consumed..).unwrap_or_default();
            self.fed += consumed as u64;
            out.advance(written);
            match status {
                Status::StreamEnd => {
                    self.ended = true;
                    if !input.is_empty() {
                        return Err(ProtocolError::invalid_extension_data("data after the end of the bzip2 stream"));
                    }
                    break;
                }
                Status::MemNeeded => return Err(ProtocolError::internal("out of memory for bzip2")),
                _ => {}
            }
            if input.is_empty() && out.has_room() {
                break;
            }
            if consumed + written == 0 && out.has_room() {
                return Err(ProtocolError::invalid_extension_data("invalid bzip2 data"));
            }
        }
        // The stream may end exactly on the byte past the budget: finish() says 1009 then.
        out.finish()
    }

    /// Refuses a stream whose header announces a bigger block than the peer agreed to.
    fn check_level(&mut self, input: &[u8]) -> Result<(), ProtocolError> {
        let Some(at) = LEVEL_OFFSET.checked_sub(self.fed) else { return Ok(()) };
        let Some(level) = input.get(at as usize).map(|d| d.wrapping_sub(b'0')) else { return Ok(()) };
        // Other bytes than 1-9 are left to bzip2, which refuses them as a bad header.
        if (1..=9).contains(&level) {
            if level > self.max_level {
                let reason = format!("bzip2 block size {level} above the negotiated level {}", self.max_level);
                return Err(ProtocolError::invalid_extension_data(reason));
            }
            self.level = Some(level);
        }
        Ok(())
    }
}
