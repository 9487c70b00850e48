//! Each way a connection fails, as a kind of `ProtocolError`: what the peer sent (or the I/O
//! layer decided) gives the kind in `failure()`, and the kind gives the close code on the wire.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use common::deflate_agreement::agreement;
use common::*;
use wasmsocket::config::{Config, Role};
use wasmsocket::connection::Connection;
use wasmsocket::extensions::deflate::PerMessageDeflate;
use wasmsocket::extensions::ExtensionChain;
use wasmsocket::frame::RSV1;
use wasmsocket::ProtocolError;

fn deflate_server() -> Connection {
    let deflate = PerMessageDeflate::new(Role::Server, agreement(15, true), 6, 0);
    Connection::new_open(Role::Server, Config::default(), SEED, ExtensionChain::new(vec![Box::new(deflate)]))
}

#[test]
fn each_failure_has_its_kind_and_close_code() {
    type Case = (&'static str, fn() -> Connection, Vec<u8>, fn(&ProtocolError) -> bool, u16);
    let cases: Vec<Case> = vec![
        ("reserved opcode", server, cframe(true, 0x3, b""), |e| matches!(e, ProtocolError::ProtocolViolation(_)), 1002),
        ("unmasked frame", server, sframe(true, TEXT, b"x"), |e| matches!(e, ProtocolError::ProtocolViolation(_)), 1002),
        ("text not UTF-8", server, cframe(true, TEXT, b"ok \xff"), |e| matches!(e, ProtocolError::InvalidUtf8(_)), 1007),
        (
            "close reason not UTF-8",
            server,
            cframe(true, CLOSE, &close_payload(1000, b"\xff")),
            |e| matches!(e, ProtocolError::InvalidUtf8(_)),
            1007,
        ),
        (
            "frame over the limit",
            || server_with(|c| c.max_frame_payload_size = 4),
            cframe(true, BINARY, b"12345"),
            |e| matches!(e, ProtocolError::MessageTooBig(_)),
            1009,
        ),
        (
            "corrupt deflate data",
            deflate_server,
            frame_bytes(true, RSV1, TEXT, Some(KEY), b"\xff\xff\xff\xff"),
            |e| matches!(e, ProtocolError::InvalidExtensionData(_)),
            1007,
        ),
    ];
    for (what, make, input, is_kind, code) in cases {
        let mut conn = make();
        feed(&mut conn, &input);
        let failure = conn.failure().cloned().unwrap_or_else(|| panic!("{what}: did not fail"));
        assert!(is_kind(&failure), "{what}: {failure:?}");
        assert_eq!(failure.close_code(), code, "{what}");
        assert_failed(&mut conn, code, what);
    }
}

#[test]
fn a_failure_from_the_io_layer_keeps_its_code() {
    for (code, kind_ok) in [
        (1008, matches!(ProtocolError::from_close_code(1008, "r"), ProtocolError::PolicyViolation(_))),
        (1011, matches!(ProtocolError::from_close_code(1011, "r"), ProtocolError::Internal(_))),
        (4000, matches!(ProtocolError::from_close_code(4000, "r"), ProtocolError::Other { code: 4000, .. })),
    ] {
        assert!(kind_ok, "{code}");
        let mut conn = server();
        conn.fail(ProtocolError::from_close_code(code, "peer not reading"));
        assert_eq!(conn.failure().map(|f| (f.close_code(), f.reason())), Some((code, "peer not reading")));
        assert_failed(&mut conn, code, &format!("fail({code})"));
    }
}
