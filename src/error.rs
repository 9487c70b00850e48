//! The one error type of the framing layer: a reason to fail the connection,
//! carrying the close code it must be failed with (RFC 6455 §7.4.1).

use crate::close::codes;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolError {
    /// The close code to send when failing the connection (1002, 1007, 1009, 1011, ...).
    pub code: u16,
    /// A short human-readable reason; sent in the close frame, so kept under 123 bytes.
    pub reason: String,
}

impl ProtocolError {
    pub fn new(code: u16, reason: impl Into<String>) -> Self {
        ProtocolError { code, reason: reason.into() }
    }
    /// 1002: the peer broke the framing rules.
    pub fn protocol(reason: impl Into<String>) -> Self {
        Self::new(codes::PROTOCOL_ERROR, reason)
    }
    /// 1007: text that is not UTF-8, or data an extension cannot decode.
    pub fn invalid_data(reason: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PAYLOAD, reason)
    }
    /// 1009: a frame or message above the configured limit.
    pub fn too_big(reason: impl Into<String>) -> Self {
        Self::new(codes::MESSAGE_TOO_BIG, reason)
    }
    /// 1011: something went wrong on our side.
    pub fn internal(reason: impl Into<String>) -> Self {
        Self::new(codes::INTERNAL_ERROR, reason)
    }
}

impl core::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.reason, self.code)
    }
}

impl std::error::Error for ProtocolError {}
