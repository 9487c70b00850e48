//! Why an opening handshake call was refused, or why a client's handshake failed. A server's
//! refusal of a request is not one of these: it is an [`super::HttpError`], the response
//! status to answer with. The wasm boundary gives each kind a stable `WS_ERR_HANDSHAKE_*`
//! name (`src/wasm/error_codes.rs`).

use crate::extensions::NegotiationError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandshakeError {
    /// The call does not fit the handshake's progress: no request awaits an answer, or
    /// `connect` on a connection that already sent its request.
    WrongState(&'static str),
    /// A value the application gave cannot go on the wire (header name or value, status,
    /// host, resource, subprotocol or extension name).
    InvalidValue(String),
    /// Server: `accept` chose a subprotocol the client did not offer.
    SubprotocolNotOffered(String),
    /// Client: the server answered with this status instead of 101.
    Refused { status: u16 },
    /// Client: the response is malformed, or does not answer our request (accept key,
    /// a subprotocol or extension we did not offer).
    InvalidResponse(String),
    /// Client: an extension factory refused the extension parameters of the server's 101.
    Extension(NegotiationError),
    /// The peer's handshake head is larger than `max_handshake_bytes`.
    HeadTooLarge { limit: usize },
    /// Client: the transport closed before the response arrived.
    ConnectionClosed,
}

impl HandshakeError {
    /// `accept` without an upgrade request waiting.
    pub(crate) const NO_UPGRADE_REQUEST: Self = HandshakeError::WrongState("no upgrade request is waiting for an answer");
    /// `reject` or `respond_http` without a request waiting.
    pub(crate) const NO_REQUEST: Self = HandshakeError::WrongState("no request is waiting for an answer");
    /// `connect` on a connection that is not a new client.
    pub(crate) const NOT_NEW: Self = HandshakeError::WrongState("connect() is for a new client connection");

    /// The server's status when there was a response to speak of: its refusal, or the 101
    /// whose extensions were refused.
    pub fn status(&self) -> Option<u16> {
        match self {
            HandshakeError::Refused { status } => Some(*status),
            HandshakeError::Extension(_) => Some(101),
            _ => None,
        }
    }
}

impl core::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            HandshakeError::WrongState(why) => f.write_str(why),
            HandshakeError::InvalidValue(why) | HandshakeError::InvalidResponse(why) => f.write_str(why),
            HandshakeError::SubprotocolNotOffered(proto) => {
                write!(f, "subprotocol {proto:?} was not offered by the client")
            }
            HandshakeError::Refused { status } => write!(f, "server rejected WebSocket connection: HTTP {status}"),
            HandshakeError::Extension(err) => f.write_str(&err.0),
            HandshakeError::HeadTooLarge { limit } => write!(f, "handshake head larger than {limit} bytes"),
            HandshakeError::ConnectionClosed => f.write_str("connection closed before the handshake response"),
        }
    }
}

impl std::error::Error for HandshakeError {}

/// A value that cannot go on the wire.
pub(crate) fn invalid(why: impl Into<String>) -> HandshakeError {
    HandshakeError::InvalidValue(why.into())
}
