//! Plain HTTP/1.1 responses: handshake refusals and pages the JS layer serves to non-WebSocket
//! requests. Every header is validated, so user code cannot inject headers or a second response.

use super::error::{invalid, HandshakeError};
use super::syntax::{check_header, push_header};
use serde::Serialize;

/// A refusal of the opening handshake, answered with this HTTP status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HttpError {
    pub status: u16,
    pub reason: String,
    /// Extra headers the response must carry (426 carries `Sec-WebSocket-Version: 13`).
    pub headers: Vec<(String, String)>,
}

impl HttpError {
    /// An error without extra headers.
    pub fn new(status: u16, reason: impl Into<String>) -> Self {
        HttpError { status, reason: reason.into(), headers: Vec::new() }
    }

    /// Adds one extra header to the error response.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The registered reason phrase for `status` (RFC 9110 §15), or `""` for an unregistered code
/// (an empty reason-phrase is valid HTTP/1.1).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// The status line `HTTP/1.1 <status> <reason>\r\n`; the status must have three digits.
pub(crate) fn status_line(status: u16) -> Result<Vec<u8>, HandshakeError> {
    if !(100..=999).contains(&status) {
        return Err(invalid(format!("invalid HTTP status {status}: not a three-digit code")));
    }
    Ok(format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status)).into_bytes())
}

/// A complete HTTP/1.1 response with `Content-Length` and `Connection: close`.
/// Either is left out if the caller supplied it; header names must be tokens and values
/// must not contain CR, LF or NUL.
pub fn http_response(status: u16, headers: &[(String, String)], body: &[u8]) -> Result<Vec<u8>, HandshakeError> {
    let mut out = status_line(status)?;
    for (name, value) in headers {
        check_header(name, value)?;
        push_header(&mut out, name, value);
    }
    let given = |wanted: &str| headers.iter().any(|(name, _)| name.eq_ignore_ascii_case(wanted));
    if !given("Content-Length") {
        push_header(&mut out, "Content-Length", &body.len().to_string());
    }
    if !given("Connection") {
        push_header(&mut out, "Connection", "close");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    Ok(out)
}

/// The response for a refused handshake: status, its extra headers, the reason as a text body.
/// Never fails: an invalid status becomes 500 and invalid extra headers are left out, since
/// the fields are public and an error path must still produce a valid response.
pub fn error_response(err: &HttpError) -> Vec<u8> {
    let status = if (100..=999).contains(&err.status) { err.status } else { 500 };
    let mut headers: Vec<(String, String)> =
        err.headers.iter().filter(|(name, value)| check_header(name, value).is_ok()).cloned().collect();
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("Content-Type")) {
        headers.push(("Content-Type".into(), "text/plain; charset=utf-8".into()));
    }
    // Cannot fail: the status is in range and every header passed `check_header`.
    http_response(status, &headers, err.reason.as_bytes()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn h(name: &str, value: &str) -> (String, String) {
        (name.into(), value.into())
    }

    #[test]
    fn minimal_response() {
        let out = http_response(200, &[h("X-A", "1")], b"hi").unwrap();
        assert_eq!(out, b"HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
    }

    #[test]
    fn caller_headers_replace_the_defaults() {
        let out = http_response(200, &[h("connection", "keep-alive"), h("content-length", "0")], b"").unwrap();
        assert_eq!(out, b"HTTP/1.1 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n");
    }

    #[test]
    fn injection_is_refused() {
        assert!(http_response(200, &[h("X", "a\r\nSet-Cookie: x")], b"").is_err());
        assert!(http_response(200, &[h("X\r\nY", "a")], b"").is_err());
        assert!(http_response(200, &[h("X:Y", "a")], b"").is_err());
        assert!(http_response(99, &[], b"").unwrap_err().to_string().contains("invalid HTTP status 99"));
        assert!(http_response(1000, &[], b"").is_err());
    }

    #[test]
    fn reason_phrases() {
        for (status, phrase) in [
            (101, "Switching Protocols"),
            (200, "OK"),
            (400, "Bad Request"),
            (403, "Forbidden"),
            (404, "Not Found"),
            (405, "Method Not Allowed"),
            (426, "Upgrade Required"),
            (431, "Request Header Fields Too Large"),
            (500, "Internal Server Error"),
            (503, "Service Unavailable"),
        ] {
            assert_eq!(reason_phrase(status), phrase);
        }
        assert_eq!(
            http_response(599, &[], b"").unwrap(),
            b"HTTP/1.1 599 \r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn error_response_carries_headers_and_reason() {
        let err =
            HttpError::new(426, "unsupported Sec-WebSocket-Version: 8").with_header("Sec-WebSocket-Version", "13");
        let text = String::from_utf8(error_response(&err)).unwrap();
        assert!(text.starts_with("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n"));
        assert!(text.contains("\r\nContent-Type: text/plain; charset=utf-8\r\n"));
        assert!(
            text.ends_with("\r\nContent-Length: 36\r\nConnection: close\r\n\r\nunsupported Sec-WebSocket-Version: 8")
        );
    }

    #[test]
    fn error_response_survives_bad_fields() {
        let err = HttpError { status: 7, reason: "x".into(), headers: vec![h("Bad\n", "v"), h("Ok", "v\r")] };
        let text = String::from_utf8(error_response(&err)).unwrap();
        assert!(text.starts_with("HTTP/1.1 500 Internal Server Error\r\nContent-Type:"), "{text}");
    }
}
