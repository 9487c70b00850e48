//! The negotiated permessage-deflate extension: compresses outgoing data messages and
//! inflates incoming ones, under RSV1 as RFC 7692 §6 says ([`crate::extensions::per_message`]).

use crate::extensions::compression_params::SendTune;
use crate::config::Role;
use crate::error::ProtocolError;
use crate::extensions::NegotiationError;
use crate::extensions::per_message::{MessageCodec, PerMessageCompression};

use super::compress::Compressor;
use super::decompress::Decompressor;
use super::params::{Agreement, DeflateConfig};
use super::NAME;

pub type PerMessageDeflate = PerMessageCompression<DeflateCodec>;

/// One connection's deflate state: the sending history and the inflate window.
pub struct DeflateCodec {
    /// As negotiated, then as a client's tune changed how it sends (what `params` reports,
    /// as autobahn's PerMessageDeflate made from a ResponseAccept does).
    agreement: Agreement,
    /// As negotiated: the window a tune stays within.
    negotiated: Agreement,
    /// Kept to rebuild the compressor when a client tunes it (autobahn's ResponseAccept).
    level: u8,
    mem_level: u8,
    compressor: Compressor,
    decompressor: Decompressor,
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
        let (recv_bits, recv_nct) = agreement.receiving(role);
        let codec = DeflateCodec {
            agreement,
            negotiated: agreement,
            level,
            mem_level,
            compressor: Compressor::new(send_bits, send_nct, level, mem_level),
            decompressor: Decompressor::new(recv_nct, recv_bits),
        };
        PerMessageCompression::with_codec(codec, min_size)
    }

    pub fn mem_level(&self) -> u8 {
        self.codec().mem_level
    }

    pub fn agreement(&self) -> &Agreement {
        &self.codec().agreement
    }

    /// Bytes of compression state this connection holds right now (excluding the thread's
    /// shared scratch compressor, see [`super::memory`]).
    pub fn held_bytes(&self) -> usize {
        self.codec().compressor.held_bytes() + self.codec().decompressor.held_bytes()
    }
}

impl MessageCodec for DeflateCodec {
    const NAME: &'static str = NAME;

    /// Deflate needs no start: with context takeover a message continues the last one's stream.
    fn compress(&mut self, data: &[u8], _first: bool, fin: bool) -> Result<Vec<u8>, ProtocolError> {
        self.compressor.compress(data, fin)
    }

    fn decompress(&mut self, data: &[u8], fin: bool, budget: Option<u64>) -> Result<Vec<u8>, ProtocolError> {
        self.decompressor.decompress(data, fin, budget)
    }

    fn params(&self) -> Vec<crate::extensions::ExtensionParam> {
        super::params::response_params(&self.agreement)
    }

    /// Without context takeover on our side each message is one fresh deflate stream.
    fn independent_output_key(&self) -> Option<String> {
        self.compressor.independent_output_key()
    }

    /// Only the client tunes (`agreement.client_*` is what it sends with); never above the
    /// window negotiated (not the last tune's), which may be a limit we offered ourselves, and
    /// never with context takeover when the server's response asked for
    /// client_no_context_takeover (its inflater then forgets each message: RFC 7692
    /// §7.1.1.1). Our own offer may have set that flag in the agreement too; then a tune may
    /// take context over, as autobahn's ResponseAccept may.
    fn tune(&mut self, tune: &SendTune, response: &[crate::extensions::ExtensionParam]) -> Result<(), NegotiationError> {
        let SendTune::Deflate { no_context_takeover, window_bits, mem_level, .. } = *tune else {
            return Err(NegotiationError("not a permessage-deflate setting".into()));
        };
        let server_forbids_takeover = response.iter().any(|(name, _)| name == super::params::CLIENT_NO_CONTEXT_TAKEOVER);
        if !no_context_takeover && server_forbids_takeover {
            return Err(NegotiationError("context takeover: the server requested client_no_context_takeover".into()));
        }
        let bits = window_bits.min(self.negotiated.client_max_window_bits.unwrap_or(15));
        self.mem_level = mem_level.unwrap_or(self.mem_level);
        self.agreement.client_no_context_takeover = no_context_takeover;
        self.agreement.client_max_window_bits = Some(bits);
        self.compressor = Compressor::new(bits, no_context_takeover, self.level, self.mem_level);
        Ok(())
    }
}
