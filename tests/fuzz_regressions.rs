//! Bugs the cargo-fuzz targets found (fuzz/), each reduced to the API calls that show it. The
//! crashing inputs are kept among the seeds (fuzz/seeds/TARGET/regress_*).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use wasmsocket::connection::{Accept, Event};
use wasmsocket::{Config, Connection, Role, State};

const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// fuzz target `connection` (seeds/connection/regress_answer_after_eof): a server got an
/// upgrade request, then EOF before answering it; `respond_http` (and `reject`) still
/// succeeded and queued an HTTP response on a Closed connection.
#[test]
fn no_answer_to_a_request_after_eof() {
    for answer in 0..3 {
        for request in [REQUEST, &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..]] {
            let mut conn = Connection::new(Role::Server, Config::default(), [1; 32]);
            conn.receive_data(request);
            assert!(matches!(conn.take_events().as_slice(), [Event::Request(_) | Event::HttpRequest(_)]));
            conn.receive_eof();
            assert_eq!(conn.state(), State::Closed);
            let result = match answer {
                0 => conn.respond_http(200, &[], b"page"),
                1 => conn.reject(403, "no", &[]),
                _ => conn.accept(&Accept::default()),
            };
            assert!(result.is_err(), "answer {answer} accepted after EOF");
            assert!(conn.take_output().is_empty());
            assert_eq!(conn.state(), State::Closed);
            assert!(conn.take_events().is_empty());
        }
    }
}

/// The same after `fail` (the I/O layer's, e.g. an opening-handshake timeout) on a server whose
/// request was still waiting for the application's answer: `reject` and `respond_http` still
/// queued an HTTP response on a failed connection (a gap noted after the fuzz finding above).
#[test]
fn no_answer_to_a_request_after_fail() {
    for answer in 0..3 {
        for request in [REQUEST, &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..]] {
            let mut conn = Connection::new(Role::Server, Config::default(), [1; 32]);
            conn.receive_data(request);
            assert!(matches!(conn.take_events().as_slice(), [Event::Request(_) | Event::HttpRequest(_)]));
            conn.fail(wasmsocket::ProtocolError::PolicyViolation("opening handshake timeout".into()));
            let result = match answer {
                0 => conn.respond_http(200, &[], b"page"),
                1 => conn.reject(403, "no", &[]),
                _ => conn.accept(&Accept::default()),
            };
            assert!(result.is_err(), "answer {answer} accepted after fail");
            assert!(conn.take_output().is_empty(), "answer {answer} queued output after fail");
            assert!(conn.should_close_transport());
        }
    }
}

/// fuzz target `deflate_decoder` (seeds/deflate_decoder/regress_final_block_past_budget): a
/// compressed frame whose final deflate block ended exactly on the byte past the budget was
/// returned whole (8 bytes for a budget of 7); the stream's end skipped the check that
/// making room for more would have done. bzip2 had the check; both now share it.
#[test]
fn a_final_block_one_byte_past_the_budget_is_1009() {
    use wasmsocket::extensions::deflate::{Agreement, PerMessageDeflate};
    use wasmsocket::extensions::Extension;
    use wasmsocket::frame::{Frame, Opcode, RSV1};
    // A stored, final deflate block of 8 bytes: BFINAL=1 BTYPE=00, LEN=8, NLEN=!8.
    let mut data = vec![0x01, 0x08, 0x00, 0xf7, 0xff];
    data.extend_from_slice(b"abcdefgh");
    for (budget, fits) in [(7u64, false), (8, true)] {
        let mut rx = PerMessageDeflate::new(Role::Server, Agreement::default(), 6, 0);
        let frame = Frame { fin: false, rsv: RSV1, opcode: Opcode::Binary, data: data.clone() };
        match rx.decode(frame, Some(budget)) {
            Ok(f) => assert!(fits && f.data == b"abcdefgh", "budget {budget}: {} bytes", f.data.len()),
            Err(e) => assert!(!fits && e.close_code() == 1009, "budget {budget}: {e}"),
        }
    }
}
