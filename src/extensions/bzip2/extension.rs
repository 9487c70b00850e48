//! The negotiated permessage-bzip2 extension: compresses every outgoing data message into one
//! bzip2 stream and decompresses incoming ones, under the RSV1 rules it shares with
//! permessage-deflate ([`crate::extensions::per_message`]).

use crate::extensions::compression_params::SendTune;
use crate::config::Role;
use crate::error::ProtocolError;
use crate::extensions::NegotiationError;
use crate::extensions::per_message::{MessageCodec, PerMessageCompression};

use super::compress::Compressor;
use super::decompress::Decompressor;
use super::memory;
use super::params::Agreement;
use super::NAME;

pub type PerMessageBzip2 = PerMessageCompression<Bzip2Codec>;

/// One connection's bzip2 state: a stream each way, present only within a message.
pub struct Bzip2Codec {
    agreement: Agreement,
    compressor: Compressor,
    decompressor: Decompressor,
    small: bool,
}

impl PerMessageBzip2 {
    /// `level` is what we would like to compress with; the agreement may cap it.
    /// `small` selects bzip2's small (slower, leaner) decompression mode.
    pub fn new(role: Role, agreement: Agreement, level: u8, small: bool) -> Self {
        let codec = Bzip2Codec {
            agreement,
            compressor: Compressor::new(level.min(agreement.max_level(role))),
            decompressor: Decompressor::new(agreement.peer_max_level(role), small),
            small,
        };
        // Every data message is compressed, however short (as Autobahn does).
        PerMessageCompression::with_codec(codec, 0)
    }

    pub fn agreement(&self) -> &Agreement {
        &self.codec().agreement
    }

    /// Bytes of bzip2 state this connection holds right now: nothing between messages; a
    /// compressor within an outgoing fragmented message; a decompressor within an incoming one
    /// (its block buffer sized by the level the peer's stream announced, bounded by the agreement).
    pub fn held_bytes(&self) -> usize {
        let codec = self.codec();
        let sending = codec.compressor.stream_level().map_or(0, memory::compressor_bytes);
        let receiving = codec.decompressor.held_level().map_or(0, |l| memory::decompressor_bytes(l, codec.small));
        sending + receiving
    }
}

impl MessageCodec for Bzip2Codec {
    const NAME: &'static str = NAME;

    fn compress(&mut self, data: &[u8], first: bool, fin: bool) -> Result<Vec<u8>, ProtocolError> {
        self.compressor.compress(data, first, fin)
    }

    fn decompress(&mut self, data: &[u8], fin: bool, budget: Option<u64>) -> Result<Vec<u8>, ProtocolError> {
        self.decompressor.decompress(data, fin, budget)
    }

    /// Every message is its own bzip2 stream.
    fn independent_output_key(&self) -> Option<String> {
        Some(format!("level={}", self.compressor.level()))
    }

    /// Only the client tunes; never above the cap the server set.
    fn tune(&mut self, tune: &SendTune, _response: &[crate::extensions::ExtensionParam]) -> Result<(), NegotiationError> {
        let SendTune::Bzip2 { level, .. } = *tune else {
            return Err(NegotiationError("not a permessage-bzip2 setting".into()));
        };
        self.compressor = Compressor::new(level.min(self.agreement.max_level(Role::Client)));
        Ok(())
    }
}
