//! Server side of the opening handshake: the head scanner, request validation (one row per
//! refusal), plain HTTP requests and the 101 response.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use wasmsocket::handshake::head::{HeadScanner, HeadTooLarge};
use wasmsocket::handshake::http_response::error_response;
use wasmsocket::handshake::server::{accept_response, parse_request, Request};
use wasmsocket::handshake::{ExtensionOffer, HttpError};

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

const BASE: &[(&str, &str)] = &[
    ("Host", "example.com"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", KEY),
    ("Sec-WebSocket-Version", "13"),
];

fn head(request_line: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("{request_line}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// The base request without the headers named in `drop`, plus `add`.
fn variant(drop: &[&str], add: &[(&str, &str)]) -> Vec<u8> {
    let mut headers: Vec<(&str, &str)> = BASE.iter().filter(|(n, _)| !drop.contains(n)).copied().collect();
    headers.extend_from_slice(add);
    head("GET /chat HTTP/1.1", &headers)
}

fn valid() -> Vec<u8> {
    variant(&[], &[])
}

#[test]
fn scanner_gives_the_same_answer_at_every_split_point() {
    let mut buf = valid();
    let head_len = buf.len();
    buf.extend_from_slice(b"\x81\x05hello");
    for split in 0..=buf.len() {
        let mut scanner = HeadScanner::new(1024);
        let first = scanner.scan(&buf[..split]);
        let expected_first = if split >= head_len { Some(head_len) } else { None };
        assert_eq!(first, Ok(expected_first), "split {split}");
        assert_eq!(scanner.scan(&buf), Ok(Some(head_len)), "split {split}");
    }
    // Two split points at once, for terminators straddling both.
    for a in head_len - 6..head_len {
        for b in a..head_len {
            let mut scanner = HeadScanner::new(1024);
            assert_eq!(scanner.scan(&buf[..a]), Ok(None));
            assert_eq!(scanner.scan(&buf[..b]), Ok(None));
            assert_eq!(scanner.scan(&buf), Ok(Some(head_len)), "splits {a} {b}");
        }
    }
}

#[test]
fn scanner_limit_rows() {
    let req = valid();
    let n = req.len();
    type Scan = Result<Option<usize>, HeadTooLarge>;
    // (max_bytes, bytes fed, expected)
    let rows: &[(usize, usize, Scan)] = &[
        (n, n, Ok(Some(n))),
        (n - 1, n, Err(HeadTooLarge)),
        (n - 1, n - 1, Ok(None)),
        (10, 11, Err(HeadTooLarge)),
        (0, 0, Ok(None)),
        (0, 1, Err(HeadTooLarge)),
    ];
    for (max, fed, expected) in rows {
        assert_eq!(HeadScanner::new(*max).scan(&req[..*fed]), *expected, "max {max} fed {fed}");
    }
}

#[test]
fn sixteen_kib_head_fed_one_byte_at_a_time() {
    let filler = "x".repeat(100);
    let mut headers: Vec<(String, String)> = BASE.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
    for i in 0..150 {
        headers.push((format!("X-Filler-{i}"), filler.clone()));
    }
    let refs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let req = head("GET / HTTP/1.1", &refs);
    assert!(req.len() > 16 * 1024);
    let mut scanner = HeadScanner::new(32 * 1024);
    for end in 0..req.len() {
        assert_eq!(scanner.scan(&req[..end]), Ok(None));
    }
    assert_eq!(scanner.scan(&req), Ok(Some(req.len())));
    assert_eq!(parse_request(&req, 200).map(|r| r.headers.len()), Ok(155));
}

#[test]
fn valid_request_fields() {
    let req = head(
        "GET /chat/room%201?token=a+b&x=1&x=2&flag HTTP/1.1",
        &[
            ("host", "example.com:8080"),
            ("Upgrade", "WebSocket"),
            ("Connection", "keep-alive, Upgrade"),
            ("Sec-WebSocket-Key", KEY),
            ("Sec-WebSocket-Version", "13"),
            ("Origin", "https://example.com"),
            ("Sec-WebSocket-Protocol", "chat, , superchat"),
            ("Sec-WebSocket-Protocol", "v2"),
            ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
            ("Sec-WebSocket-Extensions", "x-foo"),
        ],
    );
    let parsed = parse_request(&req, 100).unwrap();
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        parsed,
        Request {
            method: "GET".into(),
            target: "/chat/room%201?token=a+b&x=1&x=2&flag".into(),
            path: "/chat/room%201".into(),
            params: vec![
                ("token".into(), strings(&["a b"])),
                ("x".into(), strings(&["1", "2"])),
                ("flag".into(), strings(&[""])),
            ],
            version: "HTTP/1.1".into(),
            headers: parsed.headers.clone(),
            host: "example.com:8080".into(),
            origin: Some("https://example.com".into()),
            protocols: strings(&["chat", "superchat", "v2"]),
            extensions: vec![
                ExtensionOffer {
                    name: "permessage-deflate".into(),
                    params: vec![("client_max_window_bits".into(), None)],
                },
                ExtensionOffer { name: "x-foo".into(), params: vec![] },
            ],
            key: KEY.into(),
            is_upgrade: true,
        }
    );
    assert_eq!(parsed.headers.len(), 10);
    assert_eq!(parsed.headers[0], ("host".to_string(), "example.com".to_string() + ":8080"));
}

#[test]
fn accepted_variants() {
    let rows: &[(&str, Vec<u8>)] = &[
        (
            "Connection split over lines",
            variant(&["Connection"], &[("Connection", "keep-alive"), ("Connection", "upgrade")]),
        ),
        ("Upgrade list", variant(&["Upgrade"], &[("Upgrade", "h2c, WEBSOCKET")])),
        ("Upgrade over lines", variant(&["Upgrade"], &[("Upgrade", "h2c"), ("Upgrade", "websocket")])),
        ("legacy origin", variant(&[], &[("Sec-WebSocket-Origin", "http://old")])),
        ("empty extension elements", variant(&[], &[("Sec-WebSocket-Extensions", ", a ,, b ,")])),
        ("whitespace around values", variant(&["Sec-WebSocket-Key"], &[("Sec-WebSocket-Key", &format!("{KEY}  "))])),
    ];
    for (what, req) in rows {
        let parsed = parse_request(req, 100);
        assert!(parsed.as_ref().is_ok_and(|r| r.is_upgrade), "{what}: {parsed:?}");
    }
    let legacy = parse_request(&rows[3].1, 100).unwrap();
    assert_eq!(legacy.origin.as_deref(), Some("http://old"));
}

#[test]
fn refusals() {
    let v = variant;
    let many: Vec<(&str, &str)> = (0..5).map(|_| ("X-A", "1")).collect();
    // (what, request, status, reason substring)
    let rows: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("POST upgrade", head("POST /chat HTTP/1.1", BASE), 405, "method POST not allowed"),
        ("POST plain", head("POST / HTTP/1.1", &[("Host", "a")]), 405, "method POST not allowed"),
        ("HTTP/1.0", head("GET /chat HTTP/1.0", BASE), 400, "unsupported HTTP version HTTP/1.0"),
        ("no Host", v(&["Host"], &[]), 400, "missing Host header"),
        ("two Hosts", v(&[], &[("Host", "b")]), 400, "more than one Host header"),
        ("no Connection", v(&["Connection"], &[]), 400, "missing Connection header"),
        (
            "Connection keep-alive",
            v(&["Connection"], &[("Connection", "keep-alive")]),
            400,
            "Connection header does not contain \"upgrade\"",
        ),
        ("Connection upgrades", v(&["Connection"], &[("Connection", "upgrades")]), 400, "does not contain \"upgrade\""),
        ("no version", v(&["Sec-WebSocket-Version"], &[]), 426, "missing Sec-WebSocket-Version header"),
        (
            "version 8",
            v(&["Sec-WebSocket-Version"], &[("Sec-WebSocket-Version", "8")]),
            426,
            "unsupported Sec-WebSocket-Version \"8\"",
        ),
        (
            "version list",
            v(&["Sec-WebSocket-Version"], &[("Sec-WebSocket-Version", "13, 8")]),
            426,
            "unsupported Sec-WebSocket-Version",
        ),
        ("version twice", v(&[], &[("Sec-WebSocket-Version", "13")]), 426, "\"13, 13\""),
        ("no key", v(&["Sec-WebSocket-Key"], &[]), 400, "missing Sec-WebSocket-Key header"),
        ("two keys", v(&[], &[("Sec-WebSocket-Key", KEY)]), 400, "more than one Sec-WebSocket-Key header"),
        (
            "key not base64",
            v(&["Sec-WebSocket-Key"], &[("Sec-WebSocket-Key", "not base64!!")]),
            400,
            "not valid base64",
        ),
        (
            "key unpadded",
            v(&["Sec-WebSocket-Key"], &[("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ")]),
            400,
            "not valid base64",
        ),
        (
            "key urlsafe",
            v(&["Sec-WebSocket-Key"], &[("Sec-WebSocket-Key", "_____________________w==")]),
            400,
            "not valid base64",
        ),
        (
            "key 15 bytes",
            v(&["Sec-WebSocket-Key"], &[("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAA")]),
            400,
            "decodes to 15 bytes, expected 16",
        ),
        (
            "key 17 bytes",
            v(&["Sec-WebSocket-Key"], &[("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAA=")]),
            400,
            "decodes to 17 bytes",
        ),
        ("two origins", v(&[], &[("Origin", "http://a"), ("Origin", "http://b")]), 400, "more than one Origin header"),
        (
            "bad extensions",
            v(&[], &[("Sec-WebSocket-Extensions", "a; b=\"c d\"")]),
            400,
            "invalid Sec-WebSocket-Extensions header: quoted value of parameter b",
        ),
        (
            "empty extensions",
            v(&[], &[("Sec-WebSocket-Extensions", "")]),
            400,
            "invalid Sec-WebSocket-Extensions header: no extension",
        ),
        (
            "space in header name",
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n".to_vec(),
            400,
            "malformed HTTP request: invalid header name",
        ),
        ("garbage", b"\x16\x03\x01\x02\x00\r\n\r\n".to_vec(), 400, "malformed HTTP request"),
        (
            "HTTP/2 preface",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
            400,
            "malformed HTTP request: invalid HTTP version",
        ),
        ("incomplete", b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec(), 400, "incomplete HTTP request head"),
        ("too many headers", v(&[], &many), 431, "too many header fields (at most 9 allowed)"),
    ];
    for (what, req, status, reason) in rows {
        let err = parse_request(&req, 9).expect_err(what);
        assert_eq!(err.status, status, "{what}: {err:?}");
        assert!(err.reason.contains(reason), "{what}: {:?} does not contain {reason:?}", err.reason);
        // Every refusal turns into a well-formed response.
        let response = error_response(&err);
        assert!(response.starts_with(format!("HTTP/1.1 {status} ").as_bytes()), "{what}");
    }
}

#[test]
fn refusal_headers() {
    let err = parse_request(&head("PUT / HTTP/1.1", BASE), 100).unwrap_err();
    assert_eq!(
        err,
        HttpError { status: 405, reason: err.reason.clone(), headers: vec![("Allow".into(), "GET".into())] }
    );
    let err = parse_request(&variant(&["Sec-WebSocket-Version"], &[]), 100).unwrap_err();
    assert_eq!(err.headers, vec![("Sec-WebSocket-Version".to_string(), "13".to_string())]);
    let text = String::from_utf8(error_response(&err)).unwrap();
    assert!(text.contains("\r\nSec-WebSocket-Version: 13\r\n"), "{text}");
}

#[test]
fn plain_http_requests() {
    // (what, request, expected version)
    let rows: &[(&str, Vec<u8>, &str)] = &[
        ("no Upgrade", head("GET /status?verbose HTTP/1.1", &[("Host", "a"), ("Accept", "*/*")]), "HTTP/1.1"),
        (
            "other Upgrade",
            head("GET /status?verbose HTTP/1.1", &[("Host", "a"), ("Upgrade", "h2c"), ("Connection", "Upgrade")]),
            "HTTP/1.1",
        ),
        ("HTTP/1.0 without Host", head("GET /status?verbose HTTP/1.0", &[]), "HTTP/1.0"),
        // WebSocket headers are not checked when no upgrade was asked for.
        (
            "bad key, no Upgrade",
            head("GET /status?verbose HTTP/1.1", &[("Sec-WebSocket-Key", "x"), ("Sec-WebSocket-Extensions", "\"")]),
            "HTTP/1.1",
        ),
    ];
    for (what, req, version) in rows {
        let parsed = parse_request(req, 100).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        assert!(!parsed.is_upgrade, "{what}");
        assert_eq!(parsed.path, "/status", "{what}");
        assert_eq!(parsed.params, vec![("verbose".to_string(), vec![String::new()])], "{what}");
        assert_eq!(parsed.version, *version, "{what}");
        assert!(parsed.extensions.is_empty(), "{what}");
    }
}

#[test]
fn accept_response_rows() {
    let extra = [("Set-Cookie".to_string(), "a=b".to_string())];
    let out =
        accept_response(KEY, Some("chat"), Some("permessage-deflate; server_no_context_takeover"), &extra).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\
Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\nSet-Cookie: a=b\r\n\r\n"
    );
    let plain = accept_response(KEY, Some(""), Some(""), &[]).unwrap();
    assert!(!String::from_utf8(plain).unwrap().contains("Sec-WebSocket-Protocol"));

    let h = |n: &str, v: &str| vec![(n.to_string(), v.to_string())];
    // (what, subprotocol, extensions, extra headers, error substring)
    type Row<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Vec<(String, String)>, &'a str);
    let rows: Vec<Row> = vec![
        ("protocol with comma", Some("a, b"), None, vec![], "invalid subprotocol"),
        ("protocol with CRLF", Some("a\r\nX: y"), None, vec![], "invalid subprotocol"),
        ("extensions with LF", None, Some("a\nX: y"), vec![], "contains byte 0x0a"),
        ("header value CR", None, None, h("X-A", "a\rb"), "contains byte 0x0d"),
        ("header value NUL", None, None, h("X-A", "a\0b"), "contains byte 0x00"),
        ("header name space", None, None, h("X A", "v"), "invalid header name"),
        ("empty header name", None, None, h("", "v"), "invalid header name"),
    ];
    for (what, protocol, extensions, headers, message) in rows {
        let err = accept_response(KEY, protocol, extensions, &headers).expect_err(what);
        assert!(err.to_string().contains(message), "{what}: {err}");
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// Replaces, inserts or deletes bytes at arbitrary positions, then maybe truncates.
    pub fn mutate(mut bytes: Vec<u8>, edits: &[(u8, usize, u8)], cut: Option<usize>) -> Vec<u8> {
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
        if let Some(cut) = cut {
            bytes.truncate(cut % (bytes.len() + 1));
        }
        bytes
    }

    fn scan_in_chunks(bytes: &[u8], chunks: &[usize], max: usize) {
        let mut scanner = HeadScanner::new(max);
        let mut end = 0;
        for chunk in chunks {
            end = (end + chunk).min(bytes.len());
            if let Ok(Some(len)) = scanner.scan(&bytes[..end]) {
                assert!(len <= max && len <= end);
                let _ = parse_request(&bytes[..len], 20);
            }
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600),
                                       chunks in proptest::collection::vec(0usize..64, 1..20),
                                       max in 0usize..700, slots in 0usize..40) {
            scan_in_chunks(&bytes, &chunks, max);
            let _ = parse_request(&bytes, slots);
        }

        #[test]
        fn mutated_requests_never_panic(edits in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 0..12),
                                        cut in proptest::option::of(any::<usize>()),
                                        chunks in proptest::collection::vec(1usize..40, 1..30),
                                        slots in 0usize..40) {
            let base = variant(&[], &[("Sec-WebSocket-Extensions", "a; b=\"1\", c"), ("Origin", "http://o")]);
            let bytes = mutate(base, &edits, cut);
            scan_in_chunks(&bytes, &chunks, 1024);
            let _ = parse_request(&bytes, slots);
        }
    }
}
