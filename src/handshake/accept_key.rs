//! STUB
/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2).
pub fn accept_key(_client_key: &str) -> String {
    todo!()
}
