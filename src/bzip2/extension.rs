//! The negotiated permessage-bzip2 extension: owns RSV1, compresses every outgoing data
//! message into one bzip2 stream and decompresses incoming ones. As in permessage-deflate,
//! RSV1 marks a compressed message on its first frame only; control frames are never
//! compressed, and RSV1 on a continuation or control frame fails the connection with 1002.

use crate::config::Role;
use crate::error::ProtocolError;
use crate::extension::Extension;
use crate::frame::{Frame, Opcode, RSV1};

use super::compress::Compressor;
use super::decompress::Decompressor;
use super::memory;
use super::params::Agreement;
use super::NAME;

pub struct PerMessageBzip2 {
    agreement: Agreement,
    compressor: Compressor,
    decompressor: Decompressor,
    small: bool,
    /// Within an outgoing fragmented message: whether it is being compressed.
    sending: Option<bool>,
    /// Within an incoming fragmented message: whether it is compressed.
    receiving: Option<bool>,
    /// The next outgoing message is sent uncompressed (per-message opt-out).
    skip_next: bool,
}

impl PerMessageBzip2 {
    /// `level` is what we would like to compress with; the agreement may cap it.
    /// `small` selects bzip2's small (slower, leaner) decompression mode.
    pub fn new(role: Role, agreement: Agreement, level: u8, small: bool) -> Self {
        PerMessageBzip2 {
            agreement,
            compressor: Compressor::new(level.min(agreement.max_level(role))),
            decompressor: Decompressor::new(agreement.peer_max_level(role), small),
            small,
            sending: None,
            receiving: None,
            skip_next: false,
        }
    }

    pub fn agreement(&self) -> &Agreement {
        &self.agreement
    }

    /// Bytes of bzip2 state this connection holds right now: nothing between messages; a
    /// compressor within an outgoing fragmented message; a decompressor within an incoming one
    /// (its block buffer sized by the level the peer's stream announced, bounded by the agreement).
    pub fn held_bytes(&self) -> usize {
        let sending = self.compressor.stream_level().map_or(0, memory::compressor_bytes);
        let receiving = self.decompressor.held_level().map_or(0, |l| memory::decompressor_bytes(l, self.small));
        sending + receiving
    }
}

impl Extension for PerMessageBzip2 {
    fn name(&self) -> &str {
        NAME
    }

    fn rsv_bits(&self) -> u8 {
        RSV1
    }

    fn encode(&mut self, mut frame: Frame) -> Result<Frame, ProtocolError> {
        let (first, compress) = match frame.opcode {
            op if op.is_control() => return Ok(frame),
            Opcode::Continuation => (false, self.sending.unwrap_or(false)),
            _ => (true, !core::mem::take(&mut self.skip_next)),
        };
        self.sending = (!frame.fin).then_some(compress);
        if compress {
            if first {
                frame.rsv |= RSV1;
            }
            frame.data = self.compressor.compress(&frame.data, first, frame.fin)?;
        }
        Ok(frame)
    }

    fn skip_next_message(&mut self) {
        self.skip_next = true;
    }

    fn decode(&mut self, mut frame: Frame, max_size: Option<u64>) -> Result<Frame, ProtocolError> {
        let rsv1 = frame.rsv & RSV1 != 0;
        let compressed = match frame.opcode {
            op if op.is_control() => {
                if rsv1 {
                    return Err(ProtocolError::protocol("RSV1 set on a control frame"));
                }
                return Ok(frame);
            }
            Opcode::Continuation => {
                if rsv1 {
                    return Err(ProtocolError::protocol("RSV1 set on a continuation frame"));
                }
                self.receiving.unwrap_or(false)
            }
            _ => rsv1,
        };
        self.receiving = (!frame.fin).then_some(compressed);
        if compressed {
            frame.data = self.decompressor.decompress(&frame.data, frame.fin, max_size)?;
            frame.rsv &= !RSV1;
        }
        Ok(frame)
    }
}
