//! Client side of the opening handshake: the request we write (validated, Host formatting)
//! and the checks on the server's response (one row per failure).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use wasmsocket::handshake::accept_key::accept_key;
use wasmsocket::handshake::client::{build_request, generate_key, parse_response, ClientRequest, Response};
use wasmsocket::handshake::server::{accept_response, parse_request};
use wasmsocket::handshake::ExtensionOffer;

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn pmd() -> ExtensionOffer {
    ExtensionOffer { name: "permessage-deflate".into(), params: vec![("client_max_window_bits".into(), None)] }
}

fn full_request() -> ClientRequest {
    ClientRequest {
        host: "example.com".into(),
        port: 9001,
        secure: false,
        resource: "/runCase?case=1&agent=wasm".into(),
        origin: Some("http://example.com".into()),
        protocols: strings(&["chat", "superchat"]),
        extensions: vec![pmd(), ExtensionOffer { name: "permessage-deflate".into(), params: vec![] }],
        headers: vec![("Authorization".into(), "Bearer x".into())],
        user_agent: Some("wasmsocket/0.1".into()),
    }
}

#[test]
fn rfc_key_and_accept() {
    assert_eq!(generate_key(*b"the sample nonce"), KEY);
    assert_eq!(accept_key(KEY), ACCEPT);
    assert_eq!(generate_key([0; 16]), "AAAAAAAAAAAAAAAAAAAAAA==");
}

#[test]
fn full_request_layout() {
    let out = String::from_utf8(build_request(&full_request(), KEY).unwrap()).unwrap();
    assert_eq!(
        out,
        "GET /runCase?case=1&agent=wasm HTTP/1.1\r\nHost: example.com:9001\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, permessage-deflate\r\n\
User-Agent: wasmsocket/0.1\r\nAuthorization: Bearer x\r\n\r\n"
    );
}

#[test]
fn our_request_passes_our_server() {
    let out = build_request(&full_request(), KEY).unwrap();
    let req = parse_request(&out, 100).unwrap();
    assert!(req.is_upgrade);
    assert_eq!(req.host, "example.com:9001");
    assert_eq!(req.path, "/runCase");
    assert_eq!(req.protocols, strings(&["chat", "superchat"]));
    assert_eq!(req.extensions, full_request().extensions);
    assert_eq!(req.origin.as_deref(), Some("http://example.com"));
    assert_eq!(req.key, KEY);
}

#[test]
fn host_header_rows() {
    // (host, port, secure, Host header)
    let rows: &[(&str, u16, bool, &str)] = &[
        ("example.com", 80, false, "example.com"),
        ("example.com", 443, true, "example.com"),
        ("example.com", 443, false, "example.com:443"),
        ("example.com", 80, true, "example.com:80"),
        ("example.com", 8080, true, "example.com:8080"),
        ("example.com", 0, false, "example.com"),
        ("127.0.0.1", 9001, false, "127.0.0.1:9001"),
        ("::1", 9001, false, "[::1]:9001"),
        ("::1", 80, false, "[::1]"),
        ("[::1]", 9001, false, "[::1]:9001"),
        ("fe80::1%25eth0", 443, true, "[fe80::1%25eth0]"),
    ];
    for (host, port, secure, expected) in rows {
        let req = ClientRequest { host: host.to_string(), port: *port, secure: *secure, ..Default::default() };
        let out = String::from_utf8(build_request(&req, KEY).unwrap()).unwrap();
        assert!(out.starts_with(&format!("GET / HTTP/1.1\r\nHost: {expected}\r\n")), "{host} {port} {secure}: {out}");
    }
}

#[test]
fn build_request_refusals() {
    let base = || ClientRequest { host: "example.com".into(), ..Default::default() };
    let ext = |name: &str, param: &str, value: Option<&str>| {
        vec![ExtensionOffer { name: name.into(), params: vec![(param.into(), value.map(str::to_string))] }]
    };
    // (what, request, key, error substring)
    let rows: Vec<(&str, ClientRequest, &str, &str)> = vec![
        ("empty host", ClientRequest { host: "".into(), ..base() }, KEY, "empty host"),
        ("host CRLF", ClientRequest { host: "a\r\nX: y".into(), ..base() }, KEY, "invalid host"),
        ("host space", ClientRequest { host: "a b".into(), ..base() }, KEY, "contains byte 0x20"),
        ("host NUL", ClientRequest { host: "a\0".into(), ..base() }, KEY, "contains byte 0x00"),
        ("resource space", ClientRequest { resource: "/a b".into(), ..base() }, KEY, "invalid resource"),
        ("resource LF", ClientRequest { resource: "/\n".into(), ..base() }, KEY, "contains byte 0x0a"),
        ("key CR", base(), "abc\r", "Sec-WebSocket-Key"),
        ("origin LF", ClientRequest { origin: Some("http://a\nX: y".into()), ..base() }, KEY, "header Origin"),
        (
            "protocol comma",
            ClientRequest { protocols: strings(&["a,b"]), ..base() },
            KEY,
            "invalid subprotocol \"a,b\"",
        ),
        (
            "protocol empty",
            ClientRequest { protocols: strings(&["ok", ""]), ..base() },
            KEY,
            "invalid subprotocol \"\"",
        ),
        (
            "extension name",
            ClientRequest { extensions: ext("a b", "p", None), ..base() },
            KEY,
            "invalid extension name",
        ),
        ("param name", ClientRequest { extensions: ext("a", "p=1", None), ..base() }, KEY, "invalid parameter name"),
        (
            "param value CRLF",
            ClientRequest { extensions: ext("a", "p", Some("\r\nX: y")), ..base() },
            KEY,
            "Sec-WebSocket-Extensions",
        ),
        ("user agent CR", ClientRequest { user_agent: Some("x\r".into()), ..base() }, KEY, "header User-Agent"),
        (
            "header name",
            ClientRequest { headers: vec![("X:Y".into(), "v".into())], ..base() },
            KEY,
            "invalid header name",
        ),
        (
            "header value",
            ClientRequest { headers: vec![("X".into(), "v\nY: z".into())], ..base() },
            KEY,
            "contains byte 0x0a",
        ),
    ];
    for (what, req, key, message) in rows {
        let err = build_request(&req, key).expect_err(what);
        assert!(err.to_string().contains(message), "{what}: {err}");
    }
}

fn response(status_line: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("{status_line}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

const GOOD: &[(&str, &str)] = &[("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", ACCEPT)];

fn good_with(drop: &[&str], add: &[(&str, &str)]) -> Vec<u8> {
    let mut headers: Vec<(&str, &str)> = GOOD.iter().filter(|(n, _)| !drop.contains(n)).copied().collect();
    headers.extend_from_slice(add);
    response("HTTP/1.1 101 Switching Protocols", &headers)
}

fn check(
    head: &[u8],
    protocols: &[&str],
    extensions: &[&str],
) -> Result<Response, wasmsocket::handshake::HandshakeError> {
    parse_response(head, KEY, &strings(protocols), &strings(extensions), 10)
}

#[test]
fn accepted_responses() {
    let ok = check(&good_with(&[], &[]), &[], &[]).unwrap();
    assert_eq!(ok, Response { status: 101, headers: ok.headers.clone(), protocol: None, extensions: vec![] });

    let resp = good_with(
        &["Connection", "Upgrade"],
        &[
            ("upgrade", "WebSocket"),
            ("connection", "keep-alive, upgrade"),
            ("Sec-WebSocket-Protocol", "superchat"),
            ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits=10"),
            ("Sec-WebSocket-Extensions", "x-foo"),
        ],
    );
    let ok = check(&resp, &["chat", "superchat"], &["permessage-deflate", "x-foo"]).unwrap();
    assert_eq!(ok.protocol.as_deref(), Some("superchat"));
    assert_eq!(ok.extensions.len(), 2);
    assert_eq!(ok.extensions[0].params, vec![("client_max_window_bits".to_string(), Some("10".to_string()))]);
    assert_eq!(ok.headers[1], ("upgrade".to_string(), "WebSocket".to_string()));

    // Our server's answer passes our client.
    let ours = accept_response(KEY, Some("chat"), Some("permessage-deflate"), &[]).unwrap();
    assert!(check(&ours, &["chat"], &["permessage-deflate"]).is_ok());
}

#[test]
fn response_refusals() {
    let g = good_with;
    let many: Vec<(&str, &str)> = (0..10).map(|_| ("X-A", "1")).collect();
    // (what, response, offered protocols, offered extensions, status, message substring)
    type Row<'a> = (&'a str, Vec<u8>, &'a [&'a str], &'a [&'a str], Option<u16>, &'a str);
    let rows: Vec<Row> = vec![
        (
            "403",
            response("HTTP/1.1 403 Forbidden", &[("Content-Length", "0")]),
            &[],
            &[],
            Some(403),
            "server rejected WebSocket connection: HTTP 403",
        ),
        ("200", response("HTTP/1.1 200 OK", GOOD), &[], &[], Some(200), "HTTP 200"),
        (
            "HTTP/1.0 101",
            response("HTTP/1.0 101 Switching Protocols", GOOD),
            &[],
            &[],
            None,
            "unsupported HTTP version HTTP/1.0",
        ),
        ("garbage", b"SSH-2.0-OpenSSH\r\n\r\n".to_vec(), &[], &[], None, "malformed HTTP response"),
        (
            "incomplete",
            b"HTTP/1.1 101 Switching Protocols\r\n".to_vec(),
            &[],
            &[],
            None,
            "incomplete HTTP response head",
        ),
        ("too many headers", g(&[], &many), &[], &[], None, "too many header fields"),
        ("no Upgrade", g(&["Upgrade"], &[]), &[], &[], None, "missing Upgrade header"),
        (
            "Upgrade h2c",
            g(&["Upgrade"], &[("Upgrade", "h2c")]),
            &[],
            &[],
            None,
            "Upgrade header does not contain \"websocket\"",
        ),
        ("no Connection", g(&["Connection"], &[]), &[], &[], None, "missing Connection header"),
        (
            "Connection close",
            g(&["Connection"], &[("Connection", "close")]),
            &[],
            &[],
            None,
            "Connection header does not contain \"upgrade\"",
        ),
        ("no accept", g(&["Sec-WebSocket-Accept"], &[]), &[], &[], None, "missing Sec-WebSocket-Accept header"),
        (
            "wrong accept",
            g(&["Sec-WebSocket-Accept"], &[("Sec-WebSocket-Accept", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")]),
            &[],
            &[],
            None,
            "invalid Sec-WebSocket-Accept",
        ),
        (
            "two accepts",
            g(&[], &[("Sec-WebSocket-Accept", ACCEPT)]),
            &[],
            &[],
            None,
            "more than one Sec-WebSocket-Accept header",
        ),
        (
            "protocol not offered",
            g(&[], &[("Sec-WebSocket-Protocol", "chat")]),
            &[],
            &[],
            None,
            "server chose subprotocol \"chat\" but none was offered",
        ),
        (
            "other protocol",
            g(&[], &[("Sec-WebSocket-Protocol", "x")]),
            &["chat"],
            &[],
            None,
            "server chose subprotocol \"x\", which was not offered",
        ),
        ("protocol case", g(&[], &[("Sec-WebSocket-Protocol", "Chat")]), &["chat"], &[], None, "which was not offered"),
        (
            "two protocols",
            g(&[], &[("Sec-WebSocket-Protocol", "a, b")]),
            &["a", "b"],
            &[],
            None,
            "more than one subprotocol",
        ),
        (
            "two protocol lines",
            g(&[], &[("Sec-WebSocket-Protocol", "a"), ("Sec-WebSocket-Protocol", "a")]),
            &["a"],
            &[],
            None,
            "more than one subprotocol",
        ),
        (
            "empty protocol",
            g(&[], &[("Sec-WebSocket-Protocol", "")]),
            &["a"],
            &[],
            None,
            "empty Sec-WebSocket-Protocol header",
        ),
        (
            "extension not offered",
            g(&[], &[("Sec-WebSocket-Extensions", "x-foo")]),
            &[],
            &["permessage-deflate"],
            None,
            "server accepted extension \"x-foo\", which was not offered",
        ),
        (
            "extension none offered",
            g(&[], &[("Sec-WebSocket-Extensions", "permessage-deflate")]),
            &[],
            &[],
            None,
            "which was not offered",
        ),
        (
            "bad extension",
            g(&[], &[("Sec-WebSocket-Extensions", "permessage-deflate;")]),
            &[],
            &["permessage-deflate"],
            None,
            "invalid Sec-WebSocket-Extensions header: expected parameter name",
        ),
    ];
    for (what, head, protocols, extensions, status, message) in rows {
        let err = check(&head, protocols, extensions).expect_err(what);
        assert_eq!(err.status(), status, "{what}: {err:?}");
        let text = err.to_string();
        assert!(text.contains(message), "{what}: {text:?} does not contain {message:?}");
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    fn mutate(mut bytes: Vec<u8>, edits: &[(u8, usize, u8)]) -> Vec<u8> {
        for &(kind, at, byte) in edits {
            let at = at % (bytes.len() + 1);
            match kind % 3 {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {}
            }
        }
        bytes
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), slots in 0usize..40) {
            let _ = parse_response(&bytes, KEY, &strings(&["chat"]), &strings(&["x"]), slots);
        }

        #[test]
        fn mutated_responses_never_panic(edits in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 0..12),
                                         slots in 0usize..40) {
            let base = good_with(&[], &[("Sec-WebSocket-Protocol", "chat"), ("Sec-WebSocket-Extensions", "x; a=\"1\"")]);
            let bytes = mutate(base, &edits);
            let _ = parse_response(&bytes, KEY, &strings(&["chat"]), &strings(&["x"]), slots);
        }
    }
}
