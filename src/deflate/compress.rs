//! The sending side: raw deflate with a sync flush per frame (RFC 7692 §7.2.1).
//!
//! miniz_oxide always compresses with a 32 KiB window, so a negotiated window of 2^bits with
//! bits < 15 is honoured by construction instead: the data is cut into blocks of at most
//! 2^bits bytes, each compressed by a freshly reset compressor and ended with a sync flush.
//! A back-reference never leaves its block, so every distance is below 2^bits, and the
//! concatenation is one valid deflate stream (no block is final). Such a sender never takes
//! context over between messages either, which RFC 7692 §7.1.1 always allows.
//!
//! Only window 15 with context takeover needs a compressor that lives as long as the
//! connection (about 300 KB in miniz); every other case borrows one scratch compressor per
//! thread, reset at each frame, so a connection holds no compressor at all between frames.

use std::cell::RefCell;

use miniz_oxide::deflate::core::{compress_to_output, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus};

use crate::error::ProtocolError;

use super::TAIL;

thread_local! {
    /// Shared by every connection on this thread; only ever used within one frame.
    static SCRATCH: RefCell<Option<Box<CompressorOxide>>> = const { RefCell::new(None) };
}

fn new_compressor(level: u8) -> Box<CompressorOxide> {
    // Negative window bits: raw deflate, no zlib header.
    Box::new(CompressorOxide::new(create_comp_flags_from_zip_params(level.into(), -15, 0)))
}

pub struct Compressor {
    bits: u8,
    no_context_takeover: bool,
    level: u8,
    /// The connection's own compressor, only for window 15 with context takeover.
    persistent: Option<Box<CompressorOxide>>,
}

impl Compressor {
    pub fn new(bits: u8, no_context_takeover: bool, level: u8) -> Self {
        Compressor { bits: bits.clamp(8, 15), no_context_takeover, level: level.min(10), persistent: None }
    }

    /// Whether this side keeps a compressor between messages.
    pub fn keeps_state(&self) -> bool {
        self.bits == 15 && !self.no_context_takeover
    }

    /// Bytes of compressor state held right now (the scratch compressor is not counted).
    pub fn held_bytes(&self) -> usize {
        self.persistent.as_ref().map_or(0, |_| super::memory::COMPRESSOR_BYTES)
    }

    /// Compresses one frame of a message; the last frame (`fin`) loses the sync-flush tail.
    pub fn compress(&mut self, data: &[u8], fin: bool) -> Result<Vec<u8>, ProtocolError> {
        let mut out = Vec::with_capacity(data.len() / 2 + 16);
        if self.keeps_state() {
            let d = self.persistent.get_or_insert_with(|| new_compressor(self.level));
            sync_flush(d, data, &mut out)?;
        } else {
            // Window 15 without takeover: one block per frame is within the window already.
            let block = if self.bits == 15 { usize::MAX } else { 1usize << self.bits };
            SCRATCH.with(|cell| -> Result<(), ProtocolError> {
                let mut slot = cell.borrow_mut();
                let d = slot.get_or_insert_with(|| new_compressor(self.level));
                d.set_compression_level_raw(self.level);
                let mut blocks = data.chunks(block.min(data.len().max(1)));
                // An empty frame still needs its sync flush.
                let first = blocks.next().unwrap_or_default();
                for chunk in core::iter::once(first).chain(blocks) {
                    d.reset();
                    sync_flush(d, chunk, &mut out)?;
                }
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

fn sync_flush(d: &mut CompressorOxide, data: &[u8], out: &mut Vec<u8>) -> Result<(), ProtocolError> {
    let (status, consumed) = compress_to_output(d, data, TDEFLFlush::Sync, |bytes| {
        out.extend_from_slice(bytes);
        true
    });
    if status != TDEFLStatus::Okay || consumed != data.len() {
        return Err(ProtocolError::internal("compression failed"));
    }
    Ok(())
}
