//! Client role: write the opening handshake request (RFC 6455 §4.1) and check the server's
//! answer. Nothing user-supplied reaches the wire unvalidated, and the response must prove
//! it answers our key and picks only what we offered.

use super::accept_key::accept_key;
use super::error::{invalid, HandshakeError};
use super::server::WEBSOCKET_VERSION;
use super::syntax::{check_header, check_header_value, header_values, is_token, list_contains, push_header, trim_ows};
use super::{format_extensions, parse_extensions, ExtensionOffer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClientRequest {
    pub host: String,
    /// 0, or the scheme's default (80, or 443 when `secure`), is left out of `Host`.
    pub port: u16,
    pub secure: bool,
    /// The request-target; empty means `/`.
    pub resource: String,
    pub origin: Option<String>,
    pub protocols: Vec<String>,
    pub extensions: Vec<ExtensionOffer>,
    pub headers: Vec<(String, String)>,
    pub user_agent: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub status: u16,
    /// Every header line in received order, names in their original case.
    pub headers: Vec<(String, String)>,
    pub protocol: Option<String>,
    pub extensions: Vec<ExtensionOffer>,
}

/// A response that does not answer our request.
fn bad_response(message: impl Into<String>) -> HandshakeError {
    HandshakeError::InvalidResponse(message.into())
}

/// The `Sec-WebSocket-Key` for 16 random bytes (RFC 6455 §4.1 item 7). The caller supplies
/// the randomness: the core has no entropy source of its own.
pub fn generate_key(random: [u8; 16]) -> String {
    STANDARD.encode(random)
}

/// The request head, ending with the blank line.
pub fn build_request(req: &ClientRequest, key: &str) -> Result<Vec<u8>, HandshakeError> {
    check_word("host", &req.host)?;
    let resource = if req.resource.is_empty() { "/" } else { req.resource.as_str() };
    check_word("resource", resource)?;
    check_header_value("Sec-WebSocket-Key", key)?;

    let mut out = format!("GET {resource} HTTP/1.1\r\n").into_bytes();
    push_header(&mut out, "Host", &host_header(&req.host, req.port, req.secure));
    push_header(&mut out, "Upgrade", "websocket");
    push_header(&mut out, "Connection", "Upgrade");
    push_header(&mut out, "Sec-WebSocket-Key", key);
    push_header(&mut out, "Sec-WebSocket-Version", WEBSOCKET_VERSION);
    if let Some(origin) = &req.origin {
        check_header_value("Origin", origin)?;
        push_header(&mut out, "Origin", origin);
    }
    if !req.protocols.is_empty() {
        if let Some(bad) = req.protocols.iter().find(|p| !is_token(p)) {
            return Err(invalid(format!("invalid subprotocol {bad:?}: not an HTTP token")));
        }
        push_header(&mut out, "Sec-WebSocket-Protocol", &req.protocols.join(", "));
    }
    if !req.extensions.is_empty() {
        for offer in &req.extensions {
            if !is_token(&offer.name) {
                return Err(invalid(format!("invalid extension name {:?}: not an HTTP token", offer.name)));
            }
            if let Some((bad, _)) = offer.params.iter().find(|(name, _)| !is_token(name)) {
                return Err(invalid(format!(
                    "invalid parameter name {bad:?} in extension {}: not an HTTP token",
                    offer.name
                )));
            }
        }
        let value = format_extensions(&req.extensions);
        check_header_value("Sec-WebSocket-Extensions", &value)?;
        push_header(&mut out, "Sec-WebSocket-Extensions", &value);
    }
    if let Some(agent) = &req.user_agent {
        check_header_value("User-Agent", agent)?;
        push_header(&mut out, "User-Agent", agent);
    }
    for (name, value) in &req.headers {
        check_header(name, value)?;
        push_header(&mut out, name, value);
    }
    out.extend_from_slice(b"\r\n");
    Ok(out)
}

/// Checks a complete response head against our request (RFC 6455 §4.1, client steps 1–6).
/// `offered_extensions` are the names of the extensions we offered.
pub fn parse_response(
    head: &[u8],
    key: &str,
    offered_protocols: &[String],
    offered_extensions: &[String],
    max_headers: usize,
) -> Result<Response, HandshakeError> {
    // Each header line takes at least 3 bytes, so a huge limit cannot cause a huge allocation.
    let mut slots = vec![httparse::EMPTY_HEADER; max_headers.min(head.len() / 2 + 1)];
    let mut parsed = httparse::Response::new(&mut slots);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(bad_response("incomplete HTTP response head")),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(bad_response(format!("too many header fields (at most {max_headers} allowed)")))
        }
        Err(e) => return Err(bad_response(format!("malformed HTTP response: {e}"))),
    }
    let status = parsed.code.unwrap_or_default();
    if status != 101 {
        return Err(HandshakeError::Refused { status });
    }
    let minor_version = parsed.version.unwrap_or_default();
    if minor_version != 1 {
        return Err(bad_response(format!(
            "unsupported HTTP version HTTP/1.{minor_version} in response (expected HTTP/1.1)"
        )));
    }
    let headers: Vec<(String, String)> =
        parsed.headers.iter().map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned())).collect();
    let get = |name: &str| header_values(&headers, name);

    for (name, token) in [("Upgrade", "websocket"), ("Connection", "upgrade")] {
        let values = get(name);
        if values.is_empty() {
            return Err(bad_response(format!("missing {name} header")));
        }
        if !list_contains(&values, token) {
            return Err(bad_response(format!(
                "{name} header does not contain \"{token}\": {:?}",
                values.join(", ")
            )));
        }
    }

    let expected = accept_key(key);
    match get("Sec-WebSocket-Accept")[..] {
        [] => return Err(bad_response("missing Sec-WebSocket-Accept header")),
        [accept] if accept == expected => {}
        [accept] => {
            return Err(bad_response(format!(
                "invalid Sec-WebSocket-Accept {accept:?} (expected {expected:?})"
            )))
        }
        _ => return Err(bad_response("more than one Sec-WebSocket-Accept header")),
    }

    let protocol = check_protocol(&get("Sec-WebSocket-Protocol"), offered_protocols).map_err(bad_response)?;

    let extensions = parse_extensions(&get("Sec-WebSocket-Extensions"))
        .map_err(|msg| bad_response(format!("invalid Sec-WebSocket-Extensions header: {msg}")))?;
    if let Some(extra) = extensions.iter().find(|e| !offered_extensions.contains(&e.name)) {
        return Err(bad_response(format!(
            "server accepted extension {:?}, which was not offered",
            extra.name
        )));
    }

    Ok(Response { status, headers, protocol, extensions })
}

/// The server may pick one subprotocol, and only one we offered (RFC 6455 §4.1 client step 6).
fn check_protocol(lines: &[&str], offered: &[String]) -> Result<Option<String>, String> {
    if lines.is_empty() {
        return Ok(None);
    }
    let items: Vec<&str> = lines.iter().flat_map(|v| v.split(',')).map(trim_ows).collect();
    let chosen = match items[..] {
        [""] => return Err("empty Sec-WebSocket-Protocol header".into()),
        [one] => one,
        _ => return Err(format!("more than one subprotocol in Sec-WebSocket-Protocol: {:?}", lines.join(", "))),
    };
    if offered.is_empty() {
        return Err(format!("server chose subprotocol {chosen:?} but none was offered"));
    }
    if !offered.iter().any(|p| p == chosen) {
        return Err(format!("server chose subprotocol {chosen:?}, which was not offered"));
    }
    Ok(Some(chosen.to_owned()))
}

/// `Host` (RFC 7230 §5.4): IPv6 literals in brackets, the port only when not the default.
fn host_header(host: &str, port: u16, secure: bool) -> String {
    let host = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_owned() };
    let default_port = if secure { 443 } else { 80 };
    if port == 0 || port == default_port {
        host
    } else {
        format!("{host}:{port}")
    }
}

/// Host and resource go into the request line or `Host`: no whitespace or control bytes,
/// which would split the line or the head.
fn check_word(what: &str, text: &str) -> Result<(), HandshakeError> {
    if text.is_empty() {
        return Err(invalid(format!("empty {what}")));
    }
    match text.bytes().find(|b| *b <= b' ' || *b == 0x7F) {
        Some(bad) => Err(invalid(format!("invalid {what} {text:?}: contains byte 0x{bad:02x}"))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

    #[test]
    fn key_from_rfc_nonce() {
        assert_eq!(generate_key(*b"the sample nonce"), KEY);
    }

    #[test]
    fn minimal_request() {
        let req = ClientRequest { host: "example.com".into(), ..Default::default() };
        assert_eq!(
            build_request(&req, KEY).unwrap(),
            b"GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
    }

    #[test]
    fn host_formatting() {
        assert_eq!(host_header("a", 80, false), "a");
        assert_eq!(host_header("a", 443, false), "a:443");
        assert_eq!(host_header("a", 443, true), "a");
        assert_eq!(host_header("a", 0, true), "a");
        assert_eq!(host_header("::1", 8080, false), "[::1]:8080");
        assert_eq!(host_header("[::1]", 80, false), "[::1]");
    }

    #[test]
    fn rfc_example_response() {
        let head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n";
        let offered = ["superchat".to_string(), "chat".to_string()];
        let resp = parse_response(head, KEY, &offered, &[], 100).unwrap();
        assert_eq!(resp.status, 101);
        assert_eq!(resp.protocol.as_deref(), Some("chat"));
        assert_eq!(resp.headers.len(), 4);
    }

    #[test]
    fn subprotocol_rules() {
        let offered = ["a".to_string(), "b".to_string()];
        assert_eq!(check_protocol(&[], &offered), Ok(None));
        assert_eq!(check_protocol(&["b"], &offered), Ok(Some("b".into())));
        assert!(check_protocol(&["a, b"], &offered).unwrap_err().contains("more than one"));
        assert!(check_protocol(&["a", "a"], &offered).unwrap_err().contains("more than one"));
        assert!(check_protocol(&[""], &offered).unwrap_err().contains("empty"));
        assert!(check_protocol(&["c"], &offered).unwrap_err().contains("not offered"));
        assert!(check_protocol(&["a"], &[]).unwrap_err().contains("none was offered"));
    }
}
