//! Sending through `Connection`: exact wire bytes, masking, fragmentation, sequence rules,
//! control and close frame rules, and the header-only fast path.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use common::*;
use wasmsocket::config::Role;
use wasmsocket::connection::{CloseFrame, Connection, SendError, State};
use wasmsocket::frame::{self, HeaderParse, Opcode};

#[test]
fn server_frames_exact_bytes() {
    let len256: Vec<u8> = vec![b'z'; 256];
    let len65536: Vec<u8> = vec![b'y'; 65536];
    type Send = Box<dyn Fn(&mut Connection) -> Result<(), SendError>>;
    let rows: Vec<(&str, Send, Vec<u8>)> = vec![
        // RFC 6455 §5.7 examples.
        ("text Hello", Box::new(|c| c.send_text(b"Hello", true)), b"\x81\x05Hello".to_vec()),
        ("first fragment Hel", Box::new(|c| c.send_text(b"Hel", false)), b"\x01\x03Hel".to_vec()),
        ("ping Hello", Box::new(|c| c.send_ping(b"Hello")), b"\x89\x05Hello".to_vec()),
        ("pong Hello", Box::new(|c| c.send_pong(b"Hello")), b"\x8a\x05Hello".to_vec()),
        ("empty binary", Box::new(|c| c.send_binary(b"", true)), b"\x82\x00".to_vec()),
        ("empty text message", Box::new(|c| c.send_message(false, b"")), b"\x81\x00".to_vec()),
        ("binary message", Box::new(|c| c.send_message(true, b"\x00\xff")), b"\x82\x02\x00\xff".to_vec()),
        ("empty ping", Box::new(|c| c.send_ping(b"")), b"\x89\x00".to_vec()),
        ("close 1000 bye", Box::new(|c| c.send_close(Some(1000), "bye")), b"\x88\x05\x03\xe8bye".to_vec()),
        ("close without code", Box::new(|c| c.send_close(None, "")), b"\x88\x00".to_vec()),
        ("close 4000", Box::new(|c| c.send_close(Some(4000), "")), b"\x88\x02\x0f\xa0".to_vec()),
        (
            "binary 256",
            Box::new(move |c| c.send_binary(&vec![b'z'; 256], true)),
            [&b"\x82\x7e\x01\x00"[..], &len256].concat(),
        ),
        (
            "binary 65536",
            Box::new(move |c| c.send_binary(&vec![b'y'; 65536], true)),
            [&b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"[..], &len65536].concat(),
        ),
    ];
    for (name, send, want) in rows {
        let mut conn = server();
        send(&mut conn).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(conn.take_output(), want, "{name}");
    }
}

#[test]
fn fragmented_sequence_exact_bytes() {
    let mut conn = server();
    conn.send_text(b"Hel", false).unwrap();
    conn.send_ping(b"").unwrap();
    conn.send_continuation(b"l", false).unwrap();
    conn.send_continuation(b"o", true).unwrap();
    assert_eq!(conn.take_output(), b"\x01\x03Hel\x89\x00\x00\x01l\x80\x01o".to_vec());
}

#[test]
fn client_frames_are_masked_with_fresh_keys() {
    let mut conn = client();
    let payloads: Vec<Vec<u8>> = vec![b"Hello".to_vec(), vec![], vec![0xAB; 300], vec![7; 70_000]];
    for p in &payloads {
        conn.send_binary(p, true).unwrap();
    }
    conn.send_ping(b"ping").unwrap();
    conn.send_close(Some(1000), "bye").unwrap();
    let out = out_frames(&mut conn);
    assert_eq!(out.len(), payloads.len() + 2);
    for (w, p) in out.iter().zip(&payloads) {
        assert!(w.mask.is_some());
        assert_eq!((w.opcode, &w.payload), (BINARY, p));
    }
    assert_eq!((out[4].opcode, out[4].payload.as_slice()), (PING, &b"ping"[..]));
    assert_eq!(out[5].close(), Some((1000, "bye".to_string())));
    // The keys come from the seeded RNG: they differ from frame to frame.
    let keys: Vec<_> = out.iter().map(|w| w.mask.unwrap()).collect();
    for i in 0..keys.len() {
        for j in i + 1..keys.len() {
            assert_ne!(keys[i], keys[j], "keys {i} and {j}");
        }
    }
    // And the masked payload on the wire is not the plain one.
    let mut conn = client();
    conn.send_text(b"Hello", true).unwrap();
    let raw = conn.take_output();
    assert_eq!(raw[0], 0x81);
    assert_eq!(raw[1], 0x80 | 5);
    assert_ne!(&raw[6..], b"Hello");
}

#[test]
fn same_seed_same_bytes() {
    let run = || {
        let mut conn = client();
        conn.send_text(b"abc", true).unwrap();
        conn.send_ping(b"x").unwrap();
        conn.take_output()
    };
    assert_eq!(run(), run());
}

#[test]
fn masking_switches() {
    // Server masks only on request; client masks unless told not to; apply_mask=false sends
    // the mask bit and a key but the plain payload.
    type Tweak = fn(&mut wasmsocket::Config);
    let rows: Vec<(Role, Tweak, bool, bool)> = vec![
        // role, config, mask bit on the wire, payload XORed
        (Role::Server, |_| {}, false, false),
        (Role::Server, |c| c.mask_server_frames = true, true, true),
        (
            Role::Server,
            |c| {
                c.mask_server_frames = true;
                c.apply_mask = false;
            },
            true,
            false,
        ),
        (Role::Client, |_| {}, true, true),
        (Role::Client, |c| c.mask_client_frames = false, false, false),
        (Role::Client, |c| c.apply_mask = false, true, false),
    ];
    for (i, (role, tweak, bit, xored)) in rows.into_iter().enumerate() {
        let mut conn = conn_with(role, tweak);
        conn.send_text(b"payload!", true).unwrap();
        let raw = conn.take_output();
        let HeaderParse::Complete { header, header_len } = frame::parse_header(&raw) else { panic!() };
        assert_eq!(header.mask.is_some(), bit, "row {i}");
        let body = &raw[header_len..];
        if xored {
            let mut plain = body.to_vec();
            wasmsocket::mask::apply_mask(&mut plain, header.mask.unwrap(), 0);
            assert_eq!(plain, b"payload!", "row {i}");
            assert_ne!(body, b"payload!", "row {i}");
        } else {
            assert_eq!(body, b"payload!", "row {i}");
        }
    }
}

#[test]
fn auto_fragment_size_splits_messages() {
    // (fragment size, message length, expected fragment lengths)
    let rows: Vec<(u64, usize, Vec<usize>)> = vec![
        (0, 100, vec![100]),
        (3, 0, vec![0]),
        (3, 2, vec![2]),
        (3, 3, vec![3]),
        (3, 4, vec![3, 1]),
        (3, 9, vec![3, 3, 3]),
        (3, 10, vec![3, 3, 3, 1]),
        (1, 4, vec![1, 1, 1, 1]),
        (1000, 2500, vec![1000, 1000, 500]),
    ];
    for role in ROLES {
        for (size, len, want) in &rows {
            for is_binary in [false, true] {
                let ctx = format!("{role:?} size {size} len {len}");
                let data: Vec<u8> = (0..*len).map(|i| b'a' + (i % 26) as u8).collect();
                let mut conn = conn_with(role, |c| c.auto_fragment_size = *size);
                conn.send_message(is_binary, &data).unwrap();
                let out = out_frames(&mut conn);
                assert_eq!(out.iter().map(|w| w.payload.len()).collect::<Vec<_>>(), *want, "{ctx}");
                let first = if is_binary { BINARY } else { TEXT };
                for (i, w) in out.iter().enumerate() {
                    assert_eq!(w.opcode, if i == 0 { first } else { CONT }, "{ctx} frame {i}");
                    assert_eq!(w.fin, i + 1 == out.len(), "{ctx} frame {i}");
                    assert_eq!(w.mask.is_some(), role == Role::Client, "{ctx}");
                    assert_eq!(w.rsv, 0);
                }
                let joined: Vec<u8> = out.iter().flat_map(|w| w.payload.clone()).collect();
                assert_eq!(joined, data, "{ctx}");
                // The connection is ready for the next message.
                conn.send_message(is_binary, b"next").unwrap();
            }
        }
    }
}

#[test]
fn auto_fragment_size_does_not_split_explicit_frames_or_control_frames() {
    let mut conn = server_with(|c| c.auto_fragment_size = 2);
    conn.send_text(b"abcdef", true).unwrap();
    conn.send_ping(b"abcdef").unwrap();
    let out = out_frames(&mut conn);
    assert_eq!(out.len(), 2);
}

#[test]
fn fragment_sequence_rules() {
    for role in ROLES {
        let mut conn = open(role, Default::default());
        assert!(matches!(conn.send_continuation(b"x", true), Err(SendError::FragmentSequence(_))));
        assert!(matches!(conn.send_continuation(b"x", false), Err(SendError::FragmentSequence(_))));
        conn.send_binary(b"a", false).unwrap();
        assert!(matches!(conn.send_text(b"x", true), Err(SendError::FragmentSequence(_))));
        assert!(matches!(conn.send_binary(b"x", false), Err(SendError::FragmentSequence(_))));
        assert!(matches!(conn.send_message(false, b"x"), Err(SendError::FragmentSequence(_))));
        assert!(matches!(
            conn.send_header_only(Opcode::Text, true, 1),
            Err(SendError::FragmentSequence(_)) | Err(SendError::NeedsTransform)
        ));
        // Control frames may interleave.
        conn.send_ping(b"p").unwrap();
        conn.send_pong(b"p").unwrap();
        conn.send_continuation(b"b", false).unwrap();
        conn.send_continuation(b"c", true).unwrap();
        assert!(matches!(conn.send_continuation(b"x", true), Err(SendError::FragmentSequence(_))));
        conn.send_text(b"new", true).unwrap();
        let out = out_frames(&mut conn);
        let ops: Vec<(u8, bool)> = out.iter().map(|w| (w.opcode, w.fin)).collect();
        assert_eq!(ops, vec![(BINARY, false), (PING, true), (PONG, true), (CONT, false), (CONT, true), (TEXT, true)]);
        // A fragmented message may be interrupted by our close.
        conn.send_text(b"x", false).unwrap();
        conn.send_close(Some(1000), "").unwrap();
    }
}

#[test]
fn errors_send_nothing() {
    let mut conn = server();
    let _ = conn.send_continuation(b"x", true);
    let _ = conn.send_ping(&[0; 126]);
    let _ = conn.send_close(Some(1005), "");
    let _ = conn.send_close(None, "x");
    let _ = conn.send_close(Some(1000), &"x".repeat(124));
    assert!(conn.output().is_empty());
    assert_eq!(conn.state(), State::Open);
    assert_eq!(conn.close_sent(), None);
}

#[test]
fn control_payload_limit() {
    for role in ROLES {
        let mut conn = open(role, Default::default());
        assert_eq!(conn.send_ping(&[0; 126]), Err(SendError::ControlTooLong(126)));
        assert_eq!(conn.send_pong(&[0; 1000]), Err(SendError::ControlTooLong(1000)));
        conn.send_ping(&[1; 125]).unwrap();
        conn.send_pong(&[2; 125]).unwrap();
        let out = out_frames(&mut conn);
        assert_eq!(out.iter().map(|w| (w.opcode, w.payload.len())).collect::<Vec<_>>(), vec![(PING, 125), (PONG, 125)]);
    }
}

#[test]
fn close_code_and_reason_rules() {
    let ok_codes = [1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
    let bad_codes = [0u16, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
    for code in ok_codes {
        let mut conn = server();
        conn.send_close(Some(code), "r").unwrap();
        assert_eq!(out_frames(&mut conn)[0].close(), Some((code, "r".into())));
        assert_eq!(conn.close_sent(), Some(&CloseFrame { code, reason: "r".into() }));
    }
    for code in bad_codes {
        let mut conn = server();
        assert_eq!(conn.send_close(Some(code), ""), Err(SendError::InvalidCloseCode(code)), "{code}");
        assert_eq!(conn.state(), State::Open);
    }
    let mut conn = server();
    assert_eq!(conn.send_close(None, "x"), Err(SendError::ReasonWithoutCode));
    assert_eq!(conn.send_close(Some(1000), &"x".repeat(124)), Err(SendError::ReasonTooLong(124)));
    // 123 bytes fit, counted in bytes not characters.
    assert_eq!(conn.send_close(Some(1000), &"é".repeat(62)), Err(SendError::ReasonTooLong(124)));
    let reason = "é".repeat(61) + "x";
    conn.send_close(Some(1000), &reason).unwrap();
    let out = conn.take_output();
    assert_eq!(out.len(), 2 + 125);
    assert_eq!(decode_frames(&out)[0].close(), Some((1000, reason)));
}

#[test]
fn header_only_fast_path() {
    // Unmasked server without extensions: just the header; the caller appends the payload.
    let mut conn = server();
    conn.send_header_only(Opcode::Binary, true, 70_000).unwrap();
    let mut want = Vec::new();
    frame::write_header(&mut want, true, 0, 2, None, 70_000);
    assert_eq!(conn.take_output(), want);
    // Sequence rules apply.
    conn.send_header_only(Opcode::Text, false, 3).unwrap();
    assert_eq!(conn.take_output(), vec![0x01, 3]);
    assert!(matches!(conn.send_header_only(Opcode::Binary, true, 1), Err(SendError::FragmentSequence(_))));
    conn.send_header_only(Opcode::Continuation, true, 0).unwrap();
    assert_eq!(conn.take_output(), vec![0x80, 0]);
    assert!(matches!(conn.send_header_only(Opcode::Continuation, true, 1), Err(SendError::FragmentSequence(_))));
    // Control opcodes are refused.
    for op in [Opcode::Ping, Opcode::Pong, Opcode::Close] {
        assert!(matches!(conn.send_header_only(op, true, 0), Err(SendError::FragmentSequence(_))), "{op:?}");
    }
    assert!(conn.output().is_empty());

    // Anything that transforms the payload needs the full path.
    assert_eq!(client().send_header_only(Opcode::Text, true, 1), Err(SendError::NeedsTransform));
    assert_eq!(
        server_with(|c| c.mask_server_frames = true).send_header_only(Opcode::Text, true, 1),
        Err(SendError::NeedsTransform)
    );
    // A client told not to mask may use it.
    let mut c = client_with(|c| c.mask_client_frames = false);
    c.send_header_only(Opcode::Text, true, 1).unwrap();
    assert_eq!(c.take_output(), vec![0x81, 1]);
    // Not open: refused.
    let mut conn = server();
    conn.send_close(None, "").unwrap();
    assert_eq!(conn.send_header_only(Opcode::Text, true, 1), Err(SendError::NotOpen(State::Closing)));
}

#[test]
fn a_connection_still_connecting_cannot_send() {
    for role in ROLES {
        let mut conn = Connection::new(role, Default::default(), SEED);
        assert_eq!(conn.state(), State::Connecting);
        assert_eq!(conn.send_text(b"x", true), Err(SendError::NotOpen(State::Connecting)));
        assert_eq!(conn.send_ping(b""), Err(SendError::NotOpen(State::Connecting)));
        assert_eq!(conn.send_close(Some(1000), ""), Err(SendError::NotOpen(State::Connecting)));
        assert!(conn.output().is_empty());
    }
}

#[test]
fn send_error_messages() {
    // Display is what the JS layer shows; every variant has one.
    let errs = [
        SendError::NotOpen(State::Closed),
        SendError::FragmentSequence("x"),
        SendError::ControlTooLong(126),
        SendError::InvalidCloseCode(1005),
        SendError::ReasonWithoutCode,
        SendError::ReasonTooLong(124),
        SendError::NeedsTransform,
        SendError::Extension(wasmsocket::ProtocolError::internal("x")),
    ];
    for e in errs {
        assert!(!e.to_string().is_empty());
    }
}
