//! `hold_close_behind_events`: a peer's close frame or a protocol failure that arrives behind
//! events the caller has not handled yet waits for `resume()`, so replies to those events go
//! out first (the order Autobahn's strict cases expect).

use wasmsocket::connection::Event;
use wasmsocket::extensions::ExtensionChain;
use wasmsocket::frame::write_header;
use wasmsocket::mask::apply_mask;
use wasmsocket::{Config, Connection, Role};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const KEY: [u8; 4] = [0x11, 0x22, 0x33, 0x44];

/// A masked client frame.
fn client_frame(fin: bool, rsv: u8, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_header(&mut out, fin, rsv, opcode, Some(KEY), payload.len() as u64);
    let start = out.len();
    out.extend_from_slice(payload);
    apply_mask(&mut out[start..], KEY, 0);
    out
}

fn server(hold: bool) -> Connection {
    let config = Config { hold_close_behind_events: hold, ..Config::default() };
    Connection::new_open(Role::Server, config, [7; 32], ExtensionChain::default())
}

fn close_frames_in(output: &[u8]) -> usize {
    // Server frames are unmasked: walk them and count close opcodes.
    let mut at = 0;
    let mut closes = 0;
    while at + 2 <= output.len() {
        let len = (output[at + 1] & 0x7F) as usize;
        assert!(len <= 125, "test helper only walks short frames");
        if output[at] & 0x0F == 0x8 {
            closes += 1;
        }
        at += 2 + len;
    }
    closes
}

#[test]
fn failure_behind_a_message_waits_for_resume_and_replies_go_first() {
    let mut conn = server(true);
    let mut input = client_frame(true, 0, 0x1, b"hello");
    input.extend(client_frame(true, 0b010, 0x1, b"bad rsv")); // RSV2 without extension → 1002
    conn.receive_data(&input);

    let events = conn.take_events();
    assert_eq!(events, vec![Event::Message { is_binary: false, data: b"hello".to_vec() }]);
    assert!(conn.failure().is_none(), "the failure is held");
    assert!(conn.has_held());
    assert!(conn.take_output().is_empty(), "no close frame yet");

    // The application answers the message; that is allowed and goes out first.
    conn.send_message(false, b"hello").unwrap();
    let echo = conn.take_output();
    assert_eq!(echo, [&[0x81, 5][..], b"hello"].concat());

    conn.resume();
    assert_eq!(conn.failure().map(|f| f.close_code()), Some(1002));
    let out = conn.take_output();
    assert_eq!(close_frames_in(&out), 1);
    assert_eq!(&out[2..4], &1002u16.to_be_bytes());
    assert!(conn.should_close_transport());
}

#[test]
fn close_frame_behind_a_message_waits_for_resume() {
    let mut conn = server(true);
    let mut input = client_frame(true, 0, 0x2, &[1, 2, 3]);
    input.extend(client_frame(true, 0, 0x8, &[0x03, 0xE8]));
    conn.receive_data(&input);
    assert_eq!(conn.take_events(), vec![Event::Message { is_binary: true, data: vec![1, 2, 3] }]);
    assert!(conn.close_received().is_none(), "the close frame is still in the input");
    conn.send_message(true, &[1, 2, 3]).unwrap();
    assert!(!conn.take_output().is_empty());

    conn.resume();
    let events = conn.take_events();
    assert!(matches!(events.as_slice(), [Event::Close(c)] if c.code == 1000));
    assert_eq!(close_frames_in(&conn.take_output()), 1);
    assert!(conn.was_clean() || conn.close_sent().is_some());
}

#[test]
fn input_after_a_held_close_is_kept_until_resume() {
    let mut conn = server(true);
    let mut input = client_frame(true, 0, 0x1, b"a");
    input.extend(client_frame(true, 0, 0x8, &[0x03, 0xE8]));
    conn.receive_data(&input);
    let _ = conn.take_events();
    // More bytes arrive before the caller resumes: nothing is processed past the close.
    conn.receive_data(&client_frame(true, 0, 0x1, b"after close"));
    assert!(conn.take_events().is_empty());
    conn.resume();
    let events = conn.take_events();
    assert_eq!(events.len(), 1, "only the close; data after it is never processed: {events:?}");
}

#[test]
fn without_events_before_it_nothing_is_held() {
    let mut conn = server(true);
    conn.receive_data(&client_frame(true, 0b001, 0x1, b"x"));
    assert_eq!(conn.failure().map(|f| f.close_code()), Some(1002));
    assert!(!conn.has_held());
}

#[test]
fn off_by_default_the_failure_is_immediate() {
    let mut conn = server(false);
    let mut input = client_frame(true, 0, 0x1, b"hello");
    input.extend(client_frame(true, 0b010, 0x1, b"bad"));
    conn.receive_data(&input);
    assert_eq!(conn.failure().map(|f| f.close_code()), Some(1002));
    assert!(!conn.has_held());
}

#[test]
fn eof_applies_what_was_held() {
    let mut conn = server(true);
    let mut input = client_frame(true, 0, 0x1, b"m");
    input.extend(client_frame(true, 0, 0x0, b"continuation without start"));
    conn.receive_data(&input);
    let _ = conn.take_events();
    conn.receive_eof();
    assert_eq!(conn.failure().map(|f| f.close_code()), Some(1002));
    assert!(!conn.has_held());
}
