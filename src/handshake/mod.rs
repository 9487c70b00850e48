//! The RFC 6455 §4 opening handshake, both roles. Pure functions over HTTP heads
//! ([`server::parse_request`], [`client::parse_response`] and the writers beside them), and
//! the two small state machines a connection runs until it opens: [`ServerHandshake`]
//! (request in, answer out) and [`ClientHandshake`] (request out, response in). Either ends
//! with a [`Negotiated`] result that the framing connection takes over.

pub mod accept_key;
pub mod client;
mod client_machine;
mod error;
pub mod extensions_header;
pub mod head;
pub mod http_response;
mod negotiated;
pub mod server;
mod server_machine;
mod syntax;

pub use crate::extensions::{ExtensionOffer, ExtensionParam};
pub use client_machine::{ClientHandshake, ClientStep};
pub use error::HandshakeError;
pub use extensions_header::{format_extensions, parse_extensions};
pub use http_response::HttpError;
pub use negotiated::Negotiated;
pub use server_machine::{Accept, ServerHandshake, ServerStep};
