//! What the parameters of a per-message compression extension (permessage-deflate,
//! permessage-bzip2) supply to the shared factories
//! ([`crate::extensions::compression_factory`]), and the strict reading both apply to offers
//! and responses.

use crate::config::Role;
use crate::extensions::{Extension, NegotiationError};
use crate::extensions::ExtensionParam;

/// An extension's configuration, which knows how to negotiate it in either role.
pub trait CompressionParams: Sized {
    /// The registered extension name.
    const NAME: &'static str;
    /// The configuration of a default server factory (a default client's is `Default`).
    const SERVER_DEFAULT: fn() -> Self;
    /// The negotiated parameters, as both sides understand them.
    type Agreement;

    /// Refuses a configuration out of range, before any handshake.
    fn validate(&self) -> Result<(), NegotiationError>;
    /// Server: the response parameters and agreement for one offer, or why it is declined.
    fn negotiate(&self, offer: &[ExtensionParam]) -> Result<(Vec<ExtensionParam>, Self::Agreement), NegotiationError>;
    /// Client: the parameters offered.
    fn offer(&self) -> Vec<ExtensionParam>;
    /// Client: the agreement a response establishes, or why the response is unacceptable.
    fn accept(&self, response: &[ExtensionParam]) -> Result<Self::Agreement, NegotiationError>;
    /// The extension one side runs under `agreement`.
    fn extension(&self, role: Role, agreement: Self::Agreement) -> Box<dyn Extension>;
}

/// The parameters as (name, value), once each: a repeated name makes the whole offer or
/// response unreadable (RFC 7692 §7, which bzip2 follows).
pub fn distinct(params: &[ExtensionParam]) -> Result<Vec<(&str, Option<&str>)>, NegotiationError> {
    let mut out: Vec<(&str, Option<&str>)> = Vec::with_capacity(params.len());
    for (name, value) in params {
        if out.iter().any(|(seen, _)| seen == name) {
            return Err(NegotiationError(format!("duplicate parameter {name}")));
        }
        out.push((name, value.as_deref()));
    }
    Ok(out)
}

/// Client: how autobahn's `perMessageCompressionAccept` (a ResponseAccept) has us compress,
/// applied after the handshake and before any message is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendTune {
    Deflate { no_context_takeover: bool, window_bits: u8, mem_level: Option<u8>, max_message_size: Option<u64> },
    Bzip2 { level: u8 },
}
