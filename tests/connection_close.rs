//! The closing handshake through `Connection`: received close codes and payloads, the reply,
//! both directions of the handshake, EOF, and nothing processed or sent after the end.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use common::*;
use wasmsocket::config::Role;
use wasmsocket::connection::{CloseFrame, Event, SendError, State};

fn close_event(code: u16, reason: &str) -> Event {
    Event::Close(CloseFrame { code, reason: reason.into() })
}

/// RFC 6455 §7.4: codes a peer may send.
fn valid_on_wire(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

#[test]
fn every_received_close_code() {
    for role in ROLES {
        for echo in [false, true] {
            for code in (0..=5000u16).chain([65535]) {
                let ctx = format!("{role:?} echo {echo} code {code}");
                let mut conn = conn_with(role, |c| c.echo_close_code_reason = echo);
                let events = feed(&mut conn, &peer_frame(role, true, CLOSE, &close_payload(code, b"why")));
                if valid_on_wire(code) {
                    assert_eq!(events, vec![close_event(code, "why")], "{ctx}");
                    assert_eq!(conn.failure(), None, "{ctx}");
                    let out = out_frames(&mut conn);
                    assert_eq!(out.len(), 1, "{ctx}");
                    let want = if echo { (code, "why".to_string()) } else { (1000, String::new()) };
                    assert_eq!(out[0].close(), Some(want), "{ctx}");
                    assert_eq!(conn.state(), State::Closing, "{ctx}");
                    assert_eq!(conn.close_received(), Some(&CloseFrame { code, reason: "why".into() }), "{ctx}");
                    assert!(conn.was_clean(), "{ctx}");
                } else {
                    assert_eq!(events, vec![], "{ctx}");
                    assert_failed(&mut conn, 1002, &ctx);
                    assert_eq!(conn.close_received(), None, "{ctx}");
                }
            }
        }
    }
}

#[test]
fn close_payload_shapes() {
    let long_reason = "✓".repeat(41); // 123 bytes: the most that fits
    assert_eq!(long_reason.len(), 123);
    let cf = |code, reason: &str| CloseFrame { code, reason: reason.into() };
    // (payload, Ok(received close) or Err(failure code))
    let rows: Vec<(Vec<u8>, Result<CloseFrame, u16>)> = vec![
        (vec![], Ok(cf(1005, ""))),
        (vec![0x03], Err(1002)),
        (close_payload(1000, b""), Ok(cf(1000, ""))),
        (close_payload(1000, b"\xff"), Err(1007)),
        (close_payload(1000, b"ok\xe2\x82"), Err(1007)), // truncated sequence
        (close_payload(1000, b"\xed\xa0\x80"), Err(1007)), // surrogate
        (close_payload(1001, "κόσμε".as_bytes()), Ok(cf(1001, "κόσμε"))),
        (close_payload(4999, long_reason.as_bytes()), Ok(cf(4999, &long_reason))),
        (close_payload(1005, b""), Err(1002)),
        (close_payload(1006, b""), Err(1002)),
        (close_payload(1015, b""), Err(1002)),
    ];
    for role in ROLES {
        for (i, (payload, expect)) in rows.iter().enumerate() {
            let ctx = format!("{role:?} row {i}");
            let mut conn = open(role, Default::default());
            let events = feed(&mut conn, &peer_frame(role, true, CLOSE, payload));
            match expect {
                Ok(close) => {
                    assert_eq!(events, vec![Event::Close(close.clone())], "{ctx}");
                    let out = out_frames(&mut conn);
                    assert_eq!(out.len(), 1, "{ctx}");
                    assert_eq!(out[0].close(), Some((1000, String::new())), "{ctx}: reply");
                    assert_eq!(conn.should_close_transport(), role == Role::Server, "{ctx}");
                }
                Err(code) => {
                    assert_eq!(events, vec![], "{ctx}");
                    assert_failed(&mut conn, *code, &ctx);
                }
            }
        }
    }
}

#[test]
fn echo_of_an_empty_close_replies_with_an_empty_close() {
    for role in ROLES {
        let mut conn = conn_with(role, |c| c.echo_close_code_reason = true);
        assert_eq!(feed(&mut conn, &peer_frame(role, true, CLOSE, b"")), vec![close_event(1005, "")]);
        let reply = &out_frames(&mut conn)[0];
        assert_eq!((reply.opcode, reply.payload.len()), (CLOSE, 0), "{role:?}");
    }
}

#[test]
fn without_echo_an_empty_close_is_answered_with_1000() {
    for role in ROLES {
        let mut conn = conn_with(role, |_| {});
        assert_eq!(feed(&mut conn, &peer_frame(role, true, CLOSE, b"")), vec![close_event(1005, "")]);
        assert_eq!(out_frames(&mut conn)[0].close(), Some((1000, String::new())));
    }
}

#[test]
fn close_reason_is_validated_even_with_text_validation_off() {
    // The reason is handed out as a String, so it must be UTF-8 whatever the config says.
    for role in ROLES {
        let mut conn = conn_with(role, |c| c.utf8_validate_incoming = false);
        assert_eq!(feed(&mut conn, &peer_frame(role, true, CLOSE, &close_payload(1000, b"\xff"))), vec![]);
        assert_failed(&mut conn, 1007, &format!("{role:?}"));
    }
}

#[test]
fn we_close_first_then_the_peer_answers() {
    for role in ROLES {
        let ctx = format!("{role:?}");
        let mut conn = open(role, Default::default());
        conn.send_close(Some(1001), "going").unwrap();
        assert_eq!(conn.state(), State::Closing);
        assert_eq!(conn.close_sent(), Some(&CloseFrame { code: 1001, reason: "going".into() }));
        assert_eq!(out_frames(&mut conn)[0].close(), Some((1001, "going".to_string())));
        assert!(conn.close_expected(), "{ctx}");
        assert!(!conn.should_close_transport(), "{ctx}: wait for the peer's close");
        assert!(!conn.was_clean());

        // The peer may still send data before its close; it is delivered.
        let mut bytes = peer_frame(role, true, TEXT, b"last words");
        bytes.extend(peer_frame(role, true, PING, b"p"));
        bytes.extend(peer_frame(role, true, CLOSE, &close_payload(1001, b"")));
        let events = feed(&mut conn, &bytes);
        assert_eq!(events, vec![text("last words"), Event::Ping(b"p".to_vec()), close_event(1001, "")], "{ctx}");
        assert!(conn.output().is_empty(), "{ctx}: no pong and no second close after our close");
        assert!(conn.was_clean(), "{ctx}");
        assert_eq!(conn.state(), State::Closing);
        // RFC 6455 §7.1.1: the server closes the TCP connection; the client waits for it.
        assert_eq!(conn.should_close_transport(), role == Role::Server, "{ctx}");
        assert!(conn.close_expected(), "{ctx}");
        conn.receive_eof();
        assert_eq!(conn.state(), State::Closed);
        assert!(!conn.close_expected());
        assert!(conn.should_close_transport(), "{ctx}: after EOF our side closes too");
        assert!(conn.was_clean(), "{ctx}");
    }
}

#[test]
fn we_close_first_without_a_code() {
    for role in ROLES {
        let mut conn = open(role, Default::default());
        conn.send_close(None, "").unwrap();
        let out = out_frames(&mut conn);
        assert_eq!((out[0].opcode, out[0].payload.len()), (CLOSE, 0));
        assert_eq!(conn.close_sent(), Some(&CloseFrame { code: 1005, reason: String::new() }));
        feed(&mut conn, &peer_frame(role, true, CLOSE, b""));
        assert!(conn.was_clean());
        assert!(conn.output().is_empty());
    }
}

#[test]
fn peer_closes_first() {
    for role in ROLES {
        let ctx = format!("{role:?}");
        let mut conn = open(role, Default::default());
        let events = feed(&mut conn, &peer_frame(role, true, CLOSE, &close_payload(1000, b"bye")));
        assert_eq!(events, vec![close_event(1000, "bye")]);
        assert_eq!(out_frames(&mut conn)[0].close(), Some((1000, String::new())));
        assert!(conn.was_clean(), "{ctx}");
        assert_eq!(conn.state(), State::Closing);
        match role {
            Role::Server => {
                assert!(conn.should_close_transport(), "{ctx}: the server closes TCP first");
            }
            Role::Client => {
                assert!(!conn.should_close_transport(), "{ctx}: the client waits for the server");
                assert!(conn.close_expected(), "{ctx}: arm the timer");
                // Nothing the server sends any more is processed.
                assert_ignores_input(&mut conn, &ctx);
                assert!(!conn.should_close_transport());
                conn.receive_eof();
                assert!(!conn.close_expected(), "{ctx}");
                assert!(conn.should_close_transport(), "{ctx}");
            }
        }
        assert!(conn.close_expected() != (conn.state() == State::Closed));
        conn.receive_eof();
        assert_eq!(conn.state(), State::Closed);
        assert!(conn.was_clean());
        assert!(!conn.close_expected());
    }
}

#[test]
fn eof_mid_message_is_abnormal() {
    for role in ROLES {
        let ctx = format!("{role:?}");
        let mut conn = open(role, Default::default());
        let bytes = peer_frame(role, false, TEXT, b"half");
        feed(&mut conn, &bytes);
        // And half of the next frame.
        let next = peer_frame(role, true, CONT, b"the rest");
        feed(&mut conn, &next[..5]);
        assert!(conn.receiving_message());
        conn.receive_eof();
        assert_eq!(conn.take_events(), vec![], "{ctx}");
        assert_eq!(conn.state(), State::Closed);
        assert!(!conn.was_clean(), "{ctx}");
        assert!(!conn.receiving_message());
        assert_eq!(conn.close_received(), None);
        assert!(!conn.close_expected());
        assert!(conn.output().is_empty(), "{ctx}: nothing to send to a closed transport");
        // Input after EOF is ignored; sends fail.
        assert_ignores_input(&mut conn, &ctx);
        assert_eq!(conn.send_text(b"x", true), Err(SendError::NotOpen(State::Closed)));
        conn.receive_eof(); // twice is harmless
        assert_eq!(conn.state(), State::Closed);
    }
}

#[test]
fn eof_while_open_is_abnormal() {
    for role in ROLES {
        let mut conn = open(role, Default::default());
        conn.receive_eof();
        assert_eq!(conn.state(), State::Closed);
        assert!(!conn.was_clean());
        assert_eq!(conn.close_sent(), None);
    }
}

#[test]
fn eof_after_our_close_without_the_peers_is_not_clean() {
    for role in ROLES {
        let mut conn = open(role, Default::default());
        conn.send_close(Some(1000), "").unwrap();
        conn.receive_eof();
        assert_eq!(conn.state(), State::Closed);
        assert!(!conn.was_clean());
    }
}

#[test]
fn nothing_is_sent_after_the_close() {
    // After a received close (reply queued), after our own close, after a failure, after EOF.
    for role in ROLES {
        for how in 0..4 {
            let ctx = format!("{role:?} case {how}");
            let mut conn = open(role, Default::default());
            match how {
                0 => drop(feed(&mut conn, &peer_frame(role, true, CLOSE, b""))),
                1 => conn.send_close(Some(1000), "").unwrap(),
                2 => drop(feed(&mut conn, &peer_frame(role, true, 0x3, b""))),
                _ => conn.receive_eof(),
            }
            conn.clear_output();
            let state = conn.state();
            assert_ne!(state, State::Open, "{ctx}");
            assert_eq!(conn.send_text(b"x", true), Err(SendError::NotOpen(state)), "{ctx}");
            assert_eq!(conn.send_binary(b"x", false), Err(SendError::NotOpen(state)), "{ctx}");
            assert_eq!(conn.send_message(true, b"x"), Err(SendError::NotOpen(state)), "{ctx}");
            assert_eq!(conn.send_ping(b"x"), Err(SendError::NotOpen(state)), "{ctx}");
            assert_eq!(conn.send_pong(b"x"), Err(SendError::NotOpen(state)), "{ctx}");
            assert_eq!(conn.send_close(Some(1000), ""), Err(SendError::NotOpen(state)), "{ctx}");
            assert_eq!(conn.send_close(None, ""), Err(SendError::NotOpen(state)), "{ctx}");
            assert!(conn.output().is_empty(), "{ctx}");
        }
    }
}

#[test]
fn no_data_after_the_close_frame_is_processed() {
    for role in ROLES {
        let mut conn = open(role, Default::default());
        feed(&mut conn, &peer_frame(role, true, CLOSE, &close_payload(1000, b"")));
        conn.clear_output();
        // A second close, data, a ping, and a frame that would be a protocol error.
        for bytes in [
            peer_frame(role, true, CLOSE, &close_payload(1000, b"")),
            peer_frame(role, true, TEXT, b"x"),
            peer_frame(role, true, PING, b"x"),
            peer_frame(role, true, 0xF, b"x"),
        ] {
            assert_eq!(feed(&mut conn, &bytes), vec![]);
            assert!(conn.output().is_empty());
            assert_eq!(conn.failure(), None);
        }
        assert!(conn.was_clean());
    }
}

#[test]
fn failure_after_our_close_sends_no_second_close() {
    for role in ROLES {
        let mut conn = open(role, Default::default());
        conn.send_close(Some(1000), "").unwrap();
        conn.clear_output();
        feed(&mut conn, &peer_frame(role, true, 0x3, b""));
        assert_eq!(conn.failure().map(|f| f.close_code()), Some(1002));
        assert!(conn.output().is_empty(), "one close frame at most");
        assert!(!conn.was_clean());
        assert_eq!(conn.should_close_transport(), role == Role::Server);
    }
}

#[test]
fn fail_by_drop_sends_nothing_and_closes() {
    for role in ROLES {
        let mut conn = conn_with(role, |c| c.fail_by_drop = true);
        feed(&mut conn, &peer_frame(role, true, 0x3, b""));
        assert_eq!(conn.failure().map(|f| f.close_code()), Some(1002));
        assert!(conn.output().is_empty());
        assert!(conn.should_close_transport(), "{role:?}");
        assert_eq!(conn.close_sent(), None);
    }
}

#[test]
fn application_fail() {
    for role in ROLES {
        let mut conn = open(role, Default::default());
        conn.fail(wasmsocket::ProtocolError::internal("oops"));
        assert_failed(&mut conn, 1011, &format!("{role:?}"));
        assert_eq!(out_frames(&mut conn), vec![]);
        // A second failure changes nothing.
        conn.fail(wasmsocket::ProtocolError::protocol("again"));
        assert_eq!(conn.failure().map(|f| f.close_code()), Some(1011));
        assert!(conn.output().is_empty());
    }
}
