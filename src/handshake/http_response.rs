//! STUB
use serde::Serialize;

/// A refusal of the opening handshake, answered with this HTTP status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HttpError {
    pub status: u16,
    pub reason: String,
    /// Extra headers the response must carry (426 carries `Sec-WebSocket-Version: 13`).
    pub headers: Vec<(String, String)>,
}

/// A complete HTTP/1.1 response with `Content-Length` and `Connection: close`.
pub fn http_response(_status: u16, _headers: &[(String, String)], _body: &[u8]) -> Result<Vec<u8>, String> {
    todo!()
}

/// The response for a refused handshake: status, its extra headers, the reason as a text body.
pub fn error_response(_err: &HttpError) -> Vec<u8> {
    todo!()
}
