//! The `Sec-WebSocket-Accept` computation (RFC 6455 §4.2.2 step 5.4): proof that the server
//! read this very handshake, not that it is trustworthy.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha1::{Digest, Sha1};

/// The fixed GUID every WebSocket endpoint appends to the client's key.
pub const WEBSOCKET_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2).
pub fn accept_key(client_key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(client_key.as_bytes());
    sha.update(WEBSOCKET_GUID.as_bytes());
    STANDARD.encode(sha.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn rfc_6455_example() {
        assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn key_is_used_verbatim() {
        // No trimming or decoding: the key's exact text is hashed.
        assert_ne!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), accept_key(" dGhlIHNhbXBsZSBub25jZQ=="));
        assert_eq!(accept_key("").len(), 28);
    }
}
