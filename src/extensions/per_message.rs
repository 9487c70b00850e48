//! What permessage-deflate and permessage-bzip2 share (RFC 7692 §6, which Autobahn's bzip2
//! follows): RSV1 marks a compressed message on its first frame only, the message's other
//! frames follow that choice, control frames are never compressed, and RSV1 on a continuation
//! or control frame fails the connection with 1002. Each extension supplies only its codec.

use crate::extensions::compression_params::SendTune;
use crate::error::ProtocolError;
use crate::extensions::{Extension, NegotiationError};
use crate::frame::{Frame, Opcode, RSV1};

/// How one extension transforms the data of one frame of a compressed message.
pub trait MessageCodec {
    /// The registered extension name.
    const NAME: &'static str;
    /// Compresses one frame: `first` starts the message, `fin` ends it.
    fn compress(&mut self, data: &[u8], first: bool, fin: bool) -> Result<Vec<u8>, ProtocolError>;
    /// Decompresses one frame, producing at most `budget` bytes (1009 beyond).
    fn decompress(&mut self, data: &[u8], fin: bool, budget: Option<u64>) -> Result<Vec<u8>, ProtocolError>;
    /// What the compressed bytes of a message depend on besides the message, when nothing
    /// carries over between messages (see [`Extension::shared_output_key`]).
    fn params(&self) -> Vec<crate::extensions::ExtensionParam> {
        Vec::new()
    }
    fn independent_output_key(&self) -> Option<String> {
        None
    }
    /// Changes how it compresses ([`Extension::tune_sending`]; `response`: the server's
    /// parameters, which a tune must not contradict).
    fn tune(&mut self, tune: &SendTune, response: &[crate::extensions::ExtensionParam]) -> Result<(), NegotiationError>;
}

/// A codec run message by message under RSV1: the [`Extension`] both compressions are.
pub struct PerMessageCompression<C> {
    codec: C,
    /// Data messages whose first frame is shorter than this are sent uncompressed.
    min_size: usize,
    /// Within an outgoing fragmented message: whether it is being compressed.
    sending: Option<bool>,
    /// Within an incoming fragmented message: whether it is compressed.
    receiving: Option<bool>,
    /// The next outgoing message is sent uncompressed (per-message opt-out).
    skip_next: bool,
    /// autobahn's `max_message_size` of the extension: at most this many bytes decompressed
    /// per message (1009 beyond), on top of the connection's own limit.
    max_message_size: Option<u64>,
    /// Bytes decompressed so far in the message being received.
    received: u64,
}

impl<C> PerMessageCompression<C> {
    pub fn with_codec(codec: C, min_size: usize) -> Self {
        PerMessageCompression { codec, min_size, sending: None, receiving: None, skip_next: false, max_message_size: None, received: 0 }
    }

    /// autobahn's per-extension `max_message_size` (None: only the connection's limit).
    pub fn set_max_message_size(&mut self, limit: Option<u64>) {
        self.max_message_size = limit;
    }

    pub fn max_message_size(&self) -> Option<u64> {
        self.max_message_size
    }

    pub fn codec(&self) -> &C {
        &self.codec
    }
}

impl<C: MessageCodec> Extension for PerMessageCompression<C> {
    fn name(&self) -> &str {
        C::NAME
    }

    fn rsv_bits(&self) -> u8 {
        RSV1
    }

    fn encode(&mut self, mut frame: Frame) -> Result<Frame, ProtocolError> {
        let (first, compress) = match frame.opcode {
            op if op.is_control() => return Ok(frame),
            Opcode::Continuation => (false, self.sending.unwrap_or(false)),
            _ => (true, !core::mem::take(&mut self.skip_next) && frame.data.len() >= self.min_size),
        };
        self.sending = (!frame.fin).then_some(compress);
        if compress {
            if first {
                frame.rsv |= RSV1;
            }
            frame.data = self.codec.compress(&frame.data, first, frame.fin)?;
        }
        Ok(frame)
    }

    fn skip_next_message(&mut self) {
        self.skip_next = true;
    }

    fn skipped_message_is_plain(&self) -> bool {
        true
    }

    /// Only between messages: a message in progress is not shareable.
    fn shared_output_key(&self) -> Option<String> {
        if self.sending.is_some() {
            return None;
        }
        let codec = self.codec.independent_output_key()?;
        Some(format!("{}; {codec}; min_size={}", C::NAME, self.min_size))
    }

    fn tune_sending(&mut self, tune: &SendTune, response: &[crate::extensions::ExtensionParam]) -> Result<(), NegotiationError> {
        if self.sending.is_some() {
            return Err(NegotiationError("cannot tune compression within a message".into()));
        }
        // The codec first: a tune it refuses changes nothing.
        self.codec.tune(tune, response)?;
        if let Some(limit) = tune.max_message_size() {
            self.max_message_size = Some(limit);
        }
        Ok(())
    }

    fn params(&self) -> Vec<crate::extensions::ExtensionParam> {
        self.codec.params()
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
        if frame.opcode != Opcode::Continuation {
            self.received = 0;
        }
        self.receiving = (!frame.fin).then_some(compressed);
        if compressed {
            let budget = match (max_size, self.max_message_size) {
                (a, None) => a,
                (None, Some(limit)) => Some(limit.saturating_sub(self.received)),
                (Some(a), Some(limit)) => Some(a.min(limit.saturating_sub(self.received))),
            };
            frame.data = self.codec.decompress(&frame.data, frame.fin, budget)?;
            self.received += frame.data.len() as u64;
            frame.rsv &= !RSV1;
        }
        Ok(frame)
    }
}
