//! The receiving side: raw inflate, bounded by the message budget
//! ([`crate::extensions::bounded_output`]).
//!
//! Between messages a connection keeps only what the peer may refer back to: the last
//! 2^window bytes it inflated (fewer if it has not sent that much), not miniz's whole inflate
//! state (43 KiB whatever the window). Each message is inflated by miniz's core decoder into
//! one buffer that starts with those bytes, in its non-wrapping mode, where a back-reference
//! may reach anywhere before the write position: the kept bytes act as the stream's history.
//! The decoder itself lives only while a message is being received: after the sync flush
//! that ends every message (RFC 7692 §7.2.1) the stream is byte-aligned at a block boundary,
//! which is where a fresh decoder starts.

use miniz_oxide::inflate::core::inflate_flags::{TINFL_FLAG_HAS_MORE_INPUT, TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF};
use miniz_oxide::inflate::core::{decompress, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

use crate::error::ProtocolError;
use crate::extensions::bounded_output::BoundedOutput;

use super::TAIL;

/// miniz's decoder state (Huffman tables, bit buffer), held only inside a message.
pub const DECODER_BYTES: usize = core::mem::size_of::<DecompressorOxide>();

/// The bytes a peer compressing with `window_bits` may refer back to. zlib compresses with a
/// window of 9 bits when told 8 (its raw deflate has no 256-byte window), so never fewer
/// than 512.
pub fn history_bytes(window_bits: u8) -> usize {
    1usize << window_bits.clamp(9, 15)
}

pub struct Decompressor {
    no_context_takeover: bool,
    /// [`history_bytes`] of the peer's window.
    history_len: usize,
    /// The last `history_len` bytes inflated (fewer at the start of a stream): what the next
    /// data may refer back to. Between messages exactly that (and only with context takeover);
    /// inside a message up to an eighth more, with room for the next frame's output.
    history: Vec<u8>,
    /// Present during a compressed message only.
    decoder: Option<Box<DecompressorOxide>>,
    /// The peer ended the deflate stream (a final block) inside this message.
    ended: bool,
}

impl Decompressor {
    pub fn new(no_context_takeover: bool, window_bits: u8) -> Self {
        Decompressor {
            no_context_takeover,
            history_len: history_bytes(window_bits),
            history: Vec::new(),
            decoder: None,
            ended: false,
        }
    }

    /// Bytes of inflate state held right now.
    pub fn held_bytes(&self) -> usize {
        self.history.capacity() + self.decoder.as_ref().map_or(0, |_| DECODER_BYTES)
    }

    /// Inflates one frame of a compressed message, producing at most `budget` bytes.
    pub fn decompress(&mut self, data: &[u8], fin: bool, budget: Option<u64>) -> Result<Vec<u8>, ProtocolError> {
        let mut out = BoundedOutput::after(core::mem::take(&mut self.history), budget, data.len());
        let fed = self.feed(data, &mut out).and_then(|()| if fin { self.feed(&TAIL, &mut out) } else { Ok(()) });
        if fed.is_err() || fin {
            self.decoder = None;
        }
        if fin {
            // Between messages: exactly the history, and only with takeover and a stream that
            // did not end. The output is the buffer itself, its prefix cut (no copy of it).
            let keep = if self.no_context_takeover || self.ended { 0 } else { self.history_len };
            self.ended = false;
            // A final block can end the stream on the byte past the budget: that is 1009 too.
            let (output, history) = fed.and_then(|()| out.finish_keeping(keep))?;
            self.history = history;
            return Ok(output);
        }
        // A failed stream is unusable: its history is dropped with `out`.
        let (output, mut buffer) = fed.and_then(|()| out.finish_split()).inspect_err(|_| self.ended = false)?;
        // Inside a message the buffer is reused frame after frame (its room too); cutting it
        // back only once an eighth of the history has piled up moves each byte at most eight
        // times, however small the frames.
        let surplus = buffer.len().saturating_sub(self.history_len);
        if surplus > self.history_len / 8 {
            buffer.drain(..surplus);
        }
        self.history = buffer;
        Ok(output)
    }

    fn feed(&mut self, mut input: &[u8], out: &mut BoundedOutput) -> Result<(), ProtocolError> {
        if self.ended {
            // Bytes after a final block have no meaning; zlib ignores them too.
            return Ok(());
        }
        let decoder = self.decoder.get_or_insert_with(|| Box::new(DecompressorOxide::new()));
        let flags = TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF | TINFL_FLAG_HAS_MORE_INPUT;
        loop {
            out.make_room()?;
            let (buf, position) = out.whole();
            let (status, consumed, written) = decompress(decoder, input, buf, position, flags);
            input = input.get(consumed..).unwrap_or(&[]);
            out.advance(written);
            match status {
                TINFLStatus::Done => {
                    self.ended = true;
                    return Ok(());
                }
                TINFLStatus::NeedsMoreInput if input.is_empty() => return Ok(()),
                TINFLStatus::NeedsMoreInput | TINFLStatus::HasMoreOutput => {}
                _ => return Err(ProtocolError::invalid_extension_data("invalid compressed data")),
            }
            if consumed + written == 0 && out.has_room() {
                return Err(ProtocolError::invalid_extension_data("invalid compressed data"));
            }
        }
    }
}
