//! The negotiated permessage-deflate extension: owns RSV1, compresses outgoing data messages
//! and inflates incoming ones (RFC 7692 §6). RSV1 marks a compressed message on its first
//! frame only; control frames are never compressed.

use crate::config::Role;
use crate::error::ProtocolError;
use crate::extension::Extension;
use crate::frame::{Frame, Opcode, RSV1};

use super::compress::Compressor;
use super::decompress::Decompressor;
use super::params::{Agreement, DeflateConfig};
use super::NAME;

pub struct PerMessageDeflate {
    agreement: Agreement,
    compressor: Compressor,
    decompressor: Decompressor,
    min_size: usize,
    /// Within an outgoing fragmented message: whether it is being compressed.
    sending: Option<bool>,
    /// Same for the incoming message.
    receiving: Option<bool>,
    /// The next outgoing message is sent uncompressed (per-message opt-out).
    skip_next: bool,
}

impl PerMessageDeflate {
    /// With the default `mem_level` (8).
    pub fn new(role: Role, agreement: Agreement, level: u8, min_size: usize) -> Self {
        PerMessageDeflate::with_mem_level(role, agreement, level, DeflateConfig::default().mem_level, min_size)
    }

    /// With a config's compression knobs (its negotiation fields are in `agreement` already).
    pub fn from_config(role: Role, agreement: Agreement, config: &DeflateConfig) -> Self {
        PerMessageDeflate::with_mem_level(role, agreement, config.level, config.mem_level, config.min_size)
    }

    pub fn with_mem_level(role: Role, agreement: Agreement, level: u8, mem_level: u8, min_size: usize) -> Self {
        let (send_bits, send_nct) = agreement.sending(role);
        let (_, recv_nct) = agreement.receiving(role);
        PerMessageDeflate {
            agreement,
            compressor: Compressor::new(send_bits, send_nct, level, mem_level),
            decompressor: Decompressor::new(recv_nct),
            min_size,
            sending: None,
            receiving: None,
            skip_next: false,
        }
    }

    pub fn agreement(&self) -> &Agreement {
        &self.agreement
    }

    /// Bytes of compression state this connection holds right now (excluding the thread's
    /// shared scratch compressor, see [`super::memory`]).
    pub fn held_bytes(&self) -> usize {
        self.compressor.held_bytes() + self.decompressor.held_bytes()
    }
}

impl Extension for PerMessageDeflate {
    fn name(&self) -> &str {
        NAME
    }

    fn rsv_bits(&self) -> u8 {
        RSV1
    }

    fn encode(&mut self, mut frame: Frame) -> Result<Frame, ProtocolError> {
        let compress = match frame.opcode {
            op if op.is_control() => return Ok(frame),
            Opcode::Continuation => self.sending.unwrap_or(false),
            _ => {
                let compress = !core::mem::take(&mut self.skip_next) && frame.data.len() >= self.min_size;
                if compress {
                    frame.rsv |= RSV1;
                }
                compress
            }
        };
        self.sending = (!frame.fin).then_some(compress);
        if compress {
            frame.data = self.compressor.compress(&frame.data, frame.fin)?;
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
