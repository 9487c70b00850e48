//! What an opening handshake hands to the framing connection when it succeeds.

use crate::extensions::{ExtensionChain, ExtensionOffer};

/// The agreement both sides reached: the connection frames with it from then on.
#[derive(Default)]
pub struct Negotiated {
    /// The subprotocol the server chose, if any.
    pub subprotocol: Option<String>,
    /// The extensions in force, as the handshake response listed them.
    pub extensions: Vec<ExtensionOffer>,
    /// The same extensions, ready to transform frames, in negotiation order.
    pub chain: ExtensionChain,
}
