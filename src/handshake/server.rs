//! Server role: validate a client's opening handshake (RFC 6455 §4.2.1) and write the
//! `101 Switching Protocols` answer (§4.2.2). Refusals carry the HTTP status to answer with.
//!
//! A GET that does not ask for `Upgrade: websocket` is not an error: it comes back with
//! `is_upgrade: false` so the JS layer can serve an ordinary page on the same port.

use super::accept_key::accept_key;
use super::error::{invalid, HandshakeError};
use super::http_response::status_line;
use super::syntax::{check_header, check_header_value, header_values, is_token, list_contains, push_header, trim_ows};
use super::{parse_extensions, ExtensionOffer, HttpError};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub method: String,
    /// The raw request-target, as sent.
    pub target: String,
    /// The target up to `?` (or `#`), not percent-decoded.
    pub path: String,
    /// The query as Python's `parse_qs(keep_blank_values=True)`: names in first-seen order.
    pub params: Vec<(String, Vec<String>)>,
    pub version: String,
    /// Every header line in received order, names in their original case.
    pub headers: Vec<(String, String)>,
    pub host: String,
    pub origin: Option<String>,
    pub protocols: Vec<String>,
    pub extensions: Vec<ExtensionOffer>,
    pub key: String,
    pub is_upgrade: bool,
}

/// The only WebSocket version this implementation speaks (RFC 6455 §4.1).
pub const WEBSOCKET_VERSION: &str = "13";

/// Parses and validates a complete request head (as found by [`super::head::HeadScanner`]).
/// More than `max_headers` header lines is a 431.
pub fn parse_request(head: &[u8], max_headers: usize) -> Result<Request, HttpError> {
    let mut slots = vec![httparse::EMPTY_HEADER; header_slots(head, max_headers)];
    let mut parsed = httparse::Request::new(&mut slots);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(HttpError::new(400, "incomplete HTTP request head")),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(HttpError::new(431, format!("too many header fields (at most {max_headers} allowed)")))
        }
        Err(e) => return Err(HttpError::new(400, format!("malformed HTTP request: {e}"))),
    }
    let method = parsed.method.unwrap_or_default().to_owned();
    let target = parsed.path.unwrap_or_default().to_owned();
    let minor_version = parsed.version.unwrap_or_default();
    let headers: Vec<(String, String)> =
        parsed.headers.iter().map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned())).collect();

    if method != "GET" {
        return Err(
            HttpError::new(405, format!("method {method} not allowed (expected GET)")).with_header("Allow", "GET")
        );
    }
    let (path, params) = split_target(&target);
    let get = |name: &str| header_values(&headers, name);
    let origin_lines = match get("Origin") {
        lines if lines.is_empty() => get("Sec-WebSocket-Origin"),
        lines => lines,
    };
    let mut request = Request {
        method,
        path,
        params,
        version: format!("HTTP/1.{minor_version}"),
        host: get("Host").first().copied().unwrap_or_default().to_owned(),
        origin: origin_lines.first().map(|o| o.to_string()),
        protocols: get("Sec-WebSocket-Protocol")
            .iter()
            .flat_map(|v| v.split(','))
            .map(trim_ows)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        extensions: Vec::new(),
        key: get("Sec-WebSocket-Key").first().copied().map(trim_ows).unwrap_or_default().to_owned(),
        is_upgrade: list_contains(&get("Upgrade"), "websocket"),
        headers: Vec::new(),
        target,
    };
    if !request.is_upgrade {
        // Not ours to judge: the page served instead may not care about WebSocket headers.
        request.extensions = parse_extensions(&get("Sec-WebSocket-Extensions")).unwrap_or_default();
        request.headers = headers;
        return Ok(request);
    }

    let bad = |reason: String| HttpError::new(400, reason);
    if minor_version != 1 {
        return Err(bad(format!("unsupported HTTP version {} (WebSocket requires HTTP/1.1)", request.version)));
    }
    match get("Host").len() {
        0 => return Err(bad("missing Host header".into())),
        1 => {}
        _ => return Err(bad("more than one Host header".into())),
    }
    let connection = get("Connection");
    if connection.is_empty() {
        return Err(bad("missing Connection header".into()));
    }
    if !list_contains(&connection, "upgrade") {
        return Err(bad(format!("Connection header does not contain \"upgrade\": {:?}", connection.join(", "))));
    }
    let version = get("Sec-WebSocket-Version");
    let wrong_version =
        |reason: String| HttpError::new(426, reason).with_header("Sec-WebSocket-Version", WEBSOCKET_VERSION);
    if version.is_empty() {
        return Err(wrong_version("missing Sec-WebSocket-Version header".into()));
    }
    if version != [WEBSOCKET_VERSION] {
        return Err(wrong_version(format!("unsupported Sec-WebSocket-Version {:?} (expected 13)", version.join(", "))));
    }
    match get("Sec-WebSocket-Key").len() {
        0 => return Err(bad("missing Sec-WebSocket-Key header".into())),
        1 => check_key(&request.key).map_err(bad)?,
        _ => return Err(bad("more than one Sec-WebSocket-Key header".into())),
    }
    if origin_lines.len() > 1 {
        // An origin check in the JS layer must not be fooled into reading the "good" one.
        return Err(bad("more than one Origin header".into()));
    }
    request.extensions = parse_extensions(&get("Sec-WebSocket-Extensions"))
        .map_err(|msg| bad(format!("invalid Sec-WebSocket-Extensions header: {msg}")))?;
    request.headers = headers;
    Ok(request)
}

/// The `101 Switching Protocols` response. `subprotocol` must be a token; `extensions` is a
/// formatted header value (see [`super::format_extensions`]). An empty string for either
/// means "none". Extra headers are validated like [`super::http_response::http_response`]'s.
pub fn accept_response(
    client_key: &str,
    subprotocol: Option<&str>,
    extensions: Option<&str>,
    extra_headers: &[(String, String)],
) -> Result<Vec<u8>, HandshakeError> {
    let mut out = status_line(101)?;
    push_header(&mut out, "Upgrade", "websocket");
    push_header(&mut out, "Connection", "Upgrade");
    push_header(&mut out, "Sec-WebSocket-Accept", &accept_key(client_key));
    if let Some(protocol) = subprotocol.filter(|p| !p.is_empty()) {
        // A comma or space would make the client see several subprotocols or none.
        if !is_token(protocol) {
            return Err(invalid(format!("invalid subprotocol {protocol:?}: not an HTTP token")));
        }
        push_header(&mut out, "Sec-WebSocket-Protocol", protocol);
    }
    if let Some(extensions) = extensions.filter(|e| !e.is_empty()) {
        check_header_value("Sec-WebSocket-Extensions", extensions)?;
        push_header(&mut out, "Sec-WebSocket-Extensions", extensions);
    }
    for (name, value) in extra_headers {
        check_header(name, value)?;
        push_header(&mut out, name, value);
    }
    out.extend_from_slice(b"\r\n");
    Ok(out)
}

/// RFC 6455 §4.2.1 item 5: base64 (standard alphabet, padded) of exactly 16 bytes.
fn check_key(key: &str) -> Result<(), String> {
    match STANDARD.decode(key) {
        Ok(bytes) if bytes.len() == 16 => Ok(()),
        Ok(bytes) => Err(format!("invalid Sec-WebSocket-Key {key:?}: decodes to {} bytes, expected 16", bytes.len())),
        Err(_) => Err(format!("invalid Sec-WebSocket-Key {key:?}: not valid base64")),
    }
}

/// Header slots to allocate: `max_headers`, but never more than the head could hold (each
/// line takes at least 3 bytes), so a huge configured limit cannot trigger a huge allocation.
fn header_slots(head: &[u8], max_headers: usize) -> usize {
    max_headers.min(head.len() / 2 + 1)
}

/// Splits a request-target into its path and its query parameters, like `urllib.parse`:
/// the path ends at `?` or `#`, the query at `#`.
fn split_target(target: &str) -> (String, Vec<(String, Vec<String>)>) {
    let (before_fragment, _) = target.split_once('#').unwrap_or((target, ""));
    let (path, query) = before_fragment.split_once('?').unwrap_or((before_fragment, ""));
    (path.to_owned(), parse_query(query))
}

/// `parse_qs(query, keep_blank_values=True)`: `&`-separated, empty pieces skipped, a piece
/// without `=` has an empty value, `+` is a space, then percent-decoding.
pub fn parse_query(query: &str) -> Vec<(String, Vec<String>)> {
    let mut params: Vec<(String, Vec<String>)> = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        let (name, value) = (unquote_plus(name), unquote_plus(value));
        match params.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => params.push((name, vec![value])),
        }
    }
    params
}

/// `urllib.parse.unquote_plus`: invalid `%` escapes stay as they are; bad UTF-8 becomes U+FFFD.
fn unquote_plus(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |at: usize| bytes.get(at).and_then(|d| (*d as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const RFC_REQUEST: &[u8] = b"GET /chat?x=1 HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n";

    #[test]
    fn rfc_example_request() {
        let req = parse_request(RFC_REQUEST, 100).unwrap();
        assert!(req.is_upgrade);
        assert_eq!(req.path, "/chat");
        assert_eq!(req.params, vec![("x".to_string(), vec!["1".to_string()])]);
        assert_eq!(req.host, "server.example.com");
        assert_eq!(req.origin.as_deref(), Some("http://example.com"));
        assert_eq!(req.protocols, ["chat", "superchat"]);
        assert_eq!(req.key, "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(req.headers.len(), 7);
        assert_eq!(req.headers[0], ("Host".to_string(), "server.example.com".to_string()));
    }

    #[test]
    fn rfc_example_response() {
        let out = accept_response("dGhlIHNhbXBsZSBub25jZQ==", Some("chat"), None, &[]).unwrap();
        assert_eq!(
            out,
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
        );
    }

    #[test]
    fn query_like_parse_qs() {
        let q = parse_query("a=1&b=&c&a=2&&d=x+y%20z%2B&%zz=%4&=e&f=%C3%A9%FF");
        let expected: Vec<(String, Vec<String>)> = [
            ("a", vec!["1", "2"]),
            ("b", vec![""]),
            ("c", vec![""]),
            ("d", vec!["x y z+"]),
            ("%zz", vec!["%4"]),
            ("", vec!["e"]),
            ("f", vec!["é\u{FFFD}"]),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.iter().map(|s| s.to_string()).collect()))
        .collect();
        assert_eq!(q, expected);
        assert_eq!(split_target("/p?q=1#frag?x").0, "/p");
        assert_eq!(split_target("/p#frag?x").1, vec![]);
    }

    #[test]
    fn header_slots_are_bounded_by_the_head() {
        assert_eq!(header_slots(b"GET / HTTP/1.1\r\n\r\n", usize::MAX), 10);
        assert_eq!(header_slots(b"GET / HTTP/1.1\r\n\r\n", 3), 3);
        // A huge limit behaves like no limit.
        assert!(parse_request(RFC_REQUEST, usize::MAX).is_ok());
    }
}
