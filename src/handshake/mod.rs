//! The RFC 6455 §4 opening handshake, both roles: pure functions over HTTP heads.
//! The connection finds the head in its input ([`head::HeadScanner`]), then calls
//! [`server::parse_request`] or [`client::parse_response`].

pub mod accept_key;
pub mod client;
pub mod extensions_header;
pub mod head;
pub mod http_response;
pub mod server;
mod syntax;

pub use extensions_header::{format_extensions, parse_extensions, ExtensionOffer, ExtensionParam};
pub use http_response::HttpError;
