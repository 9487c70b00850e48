//! Receiving frames through `Connection` (both roles): opcodes, lengths, masking, RSV bits,
//! control frames, fragmentation, limits, UTF-8, chunking invariance, frame delivery.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use common::*;
use wasmsocket::config::Role;
use wasmsocket::connection::{CloseFrame, Connection, Event, State};
use wasmsocket::frame::{self, Frame, Opcode};

/// What one row expects from the connection.
#[derive(Debug)]
enum Expect {
    /// These events, and these (opcode, payload) frames in the output.
    Ok(Vec<Event>, Vec<(u8, Vec<u8>)>),
    /// Failure with this close code.
    Fail(u16),
}

fn check(conn: &mut Connection, events: Vec<Event>, expect: &Expect, ctx: &str) {
    match expect {
        Expect::Ok(want, want_out) => {
            assert_eq!(conn.failure(), None, "{ctx}");
            assert_eq!(&events, want, "{ctx}");
            let out: Vec<(u8, Vec<u8>)> = out_frames(conn).into_iter().map(|w| (w.opcode, w.payload)).collect();
            assert_eq!(&out, want_out, "{ctx}");
        }
        Expect::Fail(code) => {
            // Events before the failing frame may exist; none may come from the bad frame on.
            assert_failed(conn, *code, ctx);
        }
    }
}

fn ok(events: Vec<Event>) -> Expect {
    Expect::Ok(events, vec![])
}

// ----- opcodes -----

#[test]
fn every_opcode_in_both_roles() {
    for role in ROLES {
        for op in 0u8..=0xF {
            let (payload, expect): (Vec<u8>, Expect) = match op {
                0x0 => (b"hi".to_vec(), Expect::Fail(1002)), // continuation without a message
                0x1 => (b"hi".to_vec(), ok(vec![text("hi")])),
                0x2 => (b"hi".to_vec(), ok(vec![binary(b"hi")])),
                0x8 => (
                    close_payload(1000, b"bye"),
                    Expect::Ok(
                        vec![Event::Close(CloseFrame { code: 1000, reason: "bye".into() })],
                        vec![(CLOSE, close_payload(1000, b""))],
                    ),
                ),
                0x9 => (b"hi".to_vec(), Expect::Ok(vec![Event::Ping(b"hi".to_vec())], vec![(PONG, b"hi".to_vec())])),
                0xA => (b"hi".to_vec(), ok(vec![Event::Pong(b"hi".to_vec())])),
                _ => (b"hi".to_vec(), Expect::Fail(1002)), // reserved 0x3-0x7, 0xB-0xF
            };
            let mut conn = open(role, Default::default());
            let events = feed(&mut conn, &peer_frame(role, true, op, &payload));
            let ctx = format!("{role:?} opcode {op:#x}");
            if let Expect::Fail(_) = expect {
                assert_eq!(events, vec![], "{ctx}");
            }
            check(&mut conn, events, &expect, &ctx);
        }
    }
}

#[test]
fn reserved_opcode_fails_at_the_header() {
    for role in ROLES {
        for op in [0x3u8, 0x7, 0xB, 0xF] {
            let mut conn = open(role, Default::default());
            let bytes = peer_frame(role, true, op, &[0u8; 50]);
            let header = frame::header_len(50, role == Role::Server);
            assert_eq!(feed(&mut conn, &bytes[..header]), vec![]);
            assert_failed(&mut conn, 1002, &format!("{role:?} {op:#x}"));
        }
    }
}

// ----- lengths -----

#[test]
fn each_length_encoding_delivers_the_exact_payload() {
    for role in ROLES {
        for len in [0usize, 1, 125, 126, 127, 65535, 65536, (3 << 20) + 7] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
            let mut conn = open(role, Default::default());
            let bytes = peer_frame(role, true, BINARY, &payload);
            assert_eq!(bytes.len(), frame::header_len(len as u64, role == Role::Server) + len);
            let events = feed(&mut conn, &bytes);
            assert_eq!(events, vec![binary(&payload)], "{role:?} len {len}");
            assert!(conn.output().is_empty());
        }
    }
}

#[test]
fn non_minimal_length_encodings_are_accepted() {
    // RFC 6455 asks senders for the minimal encoding; like python-websockets we accept others.
    for role in ROLES {
        let masked = role == Role::Server;
        let mask_bit = if masked { 0x80 } else { 0 };
        for wide in [false, true] {
            let mut bytes = vec![0x81, mask_bit | if wide { 127 } else { 126 }];
            if wide {
                bytes.extend_from_slice(&5u64.to_be_bytes());
            } else {
                bytes.extend_from_slice(&5u16.to_be_bytes());
            }
            let mut payload = b"hello".to_vec();
            if masked {
                bytes.extend_from_slice(&KEY);
                wasmsocket::mask::apply_mask(&mut payload, KEY, 0);
            }
            bytes.extend_from_slice(&payload);
            let mut conn = open(role, Default::default());
            assert_eq!(feed(&mut conn, &bytes), vec![text("hello")], "{role:?} wide {wide}");
        }
    }
}

#[test]
fn length_with_the_top_bit_set_fails_1002_at_the_header() {
    for role in ROLES {
        let mut conn = open(role, Default::default());
        let mask_bit = if role == Role::Server { 0x80 } else { 0 };
        let mut bytes = vec![0x82, mask_bit | 127];
        bytes.extend_from_slice(&(1u64 << 63 | 5).to_be_bytes());
        // No mask key yet: the length alone decides.
        assert_eq!(feed(&mut conn, &bytes), vec![]);
        assert_failed(&mut conn, 1002, &format!("{role:?}"));
    }
}

#[test]
fn huge_declared_length_with_limits_off_does_not_preallocate_it() {
    // Regression: the connection used to reserve the whole declared payload at the header,
    // which aborts (allocation failure) for a declared 2^63-1 bytes when the limits are off.
    for role in ROLES {
        for op in [BINARY, TEXT] {
            let mut conn = conn_with(role, |c| {
                c.max_frame_payload_size = 0;
                c.max_message_payload_size = 0;
            });
            let mut bytes = Vec::new();
            frame::write_header(&mut bytes, true, 0, op, (role == Role::Server).then_some(KEY), (1u64 << 63) - 1);
            assert_eq!(feed(&mut conn, &bytes), vec![]);
            assert_eq!(conn.failure(), None);
            assert!(conn.receiving_message());
            // Some payload streams in and is buffered.
            let mut payload = vec![b'a'; 1000];
            if role == Role::Server {
                wasmsocket::mask::apply_mask(&mut payload, KEY, 0);
            }
            conn.receive_data(&payload);
            assert_eq!(conn.failure(), None);
            conn.receive_eof();
            assert_eq!(conn.state(), State::Closed);
        }
    }
}

// ----- masking -----

#[test]
fn masking_rules() {
    type Tweak = fn(&mut wasmsocket::Config);
    let none: Tweak = |_| {};
    let rows: Vec<(Role, bool, Tweak, bool)> = vec![
        // role, frame masked, config, accepted
        (Role::Server, true, none, true),
        (Role::Server, false, none, false),
        (Role::Server, false, |c| c.require_masked_client_frames = false, true),
        (Role::Server, true, |c| c.require_masked_client_frames = false, true),
        (Role::Client, false, none, true),
        (Role::Client, true, none, false),
        (Role::Client, true, |c| c.accept_masked_server_frames = true, true),
        (Role::Client, false, |c| c.accept_masked_server_frames = true, true),
    ];
    for (i, (role, masked, tweak, accepted)) in rows.into_iter().enumerate() {
        for op in [TEXT, PING] {
            let mut conn = conn_with(role, tweak);
            let bytes = frame_bytes(true, 0, op, masked.then_some(KEY), b"abc");
            let events = feed(&mut conn, &bytes);
            let ctx = format!("row {i} {role:?} masked {masked} op {op}");
            if accepted {
                let want = if op == TEXT { text("abc") } else { Event::Ping(b"abc".to_vec()) };
                assert_eq!(events, vec![want], "{ctx}");
                assert_eq!(conn.failure(), None, "{ctx}");
            } else {
                assert_eq!(events, vec![], "{ctx}");
                assert_failed(&mut conn, 1002, &ctx);
            }
        }
    }
}

// ----- RSV bits -----

#[test]
fn rsv_bits_without_extension_fail_1002() {
    for role in ROLES {
        for rsv in 1u8..=7 {
            for (op, prefix) in [(TEXT, false), (BINARY, false), (PING, false), (CLOSE, false), (CONT, true)] {
                let mut conn = open(role, Default::default());
                let mut bytes = Vec::new();
                if prefix {
                    bytes.extend(peer_frame(role, false, TEXT, b"a"));
                }
                bytes.extend(peer_frame_rsv(role, true, rsv, op, &close_payload(1000, b"")));
                assert_eq!(feed(&mut conn, &bytes), vec![]);
                assert_failed(&mut conn, 1002, &format!("{role:?} rsv {rsv} op {op}"));
            }
        }
    }
}

// ----- control frames -----

#[test]
fn control_frame_rules() {
    let p125 = vec![b'x'; 125];
    let p126 = vec![b'x'; 126];
    let rows: Vec<(bool, u8, Vec<u8>, Expect)> = vec![
        (true, PING, vec![], Expect::Ok(vec![Event::Ping(vec![])], vec![(PONG, vec![])])),
        (true, PING, p125.clone(), Expect::Ok(vec![Event::Ping(p125.clone())], vec![(PONG, p125.clone())])),
        (true, PONG, p125.clone(), ok(vec![Event::Pong(p125.clone())])),
        (true, PING, p126.clone(), Expect::Fail(1002)),
        (true, PONG, p126.clone(), Expect::Fail(1002)),
        (true, CLOSE, p126.clone(), Expect::Fail(1002)),
        (false, PING, b"a".to_vec(), Expect::Fail(1002)),
        (false, PONG, b"a".to_vec(), Expect::Fail(1002)),
        (false, CLOSE, close_payload(1000, b""), Expect::Fail(1002)),
    ];
    for role in ROLES {
        for (i, (fin, op, payload, expect)) in rows.iter().enumerate() {
            let mut conn = open(role, Default::default());
            let bytes = peer_frame(role, *fin, *op, payload);
            let ctx = format!("{role:?} row {i}");
            if let Expect::Fail(_) = expect {
                // Decided at the header, before the payload.
                let header = frame::header_len(payload.len() as u64, role == Role::Server);
                assert_eq!(feed(&mut conn, &bytes[..header]), vec![], "{ctx}");
            }
            let events = feed(&mut conn, &bytes);
            check(&mut conn, events, expect, &ctx);
        }
    }
}

#[test]
fn auto_pong_off_reports_the_ping_without_answering() {
    for role in ROLES {
        let mut conn = conn_with(role, |c| c.auto_pong = false);
        assert_eq!(feed(&mut conn, &peer_frame(role, true, PING, b"ping!")), vec![Event::Ping(b"ping!".to_vec())]);
        assert!(conn.output().is_empty());
        // The application answers itself.
        conn.send_pong(b"ping!").unwrap();
        let out = out_frames(&mut conn);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].opcode, out[0].payload.as_slice()), (PONG, &b"ping!"[..]));
    }
}

#[test]
fn pong_frame_is_masked_by_a_client_and_not_by_a_server() {
    let mut s = server();
    feed(&mut s, &cframe(true, PING, b"abc"));
    assert_eq!(out_frames(&mut s)[0].mask, None);
    let mut c = client();
    feed(&mut c, &sframe(true, PING, b"abc"));
    let out = out_frames(&mut c);
    assert!(out[0].mask.is_some());
    assert_eq!(out[0].payload, b"abc");
}

#[test]
fn control_frames_interleaved_between_fragments() {
    for role in ROLES {
        let f = |fin, op, p: &[u8]| peer_frame(role, fin, op, p);
        let mut bytes = Vec::new();
        bytes.extend(f(false, TEXT, b"Hel"));
        bytes.extend(f(true, PING, b"a"));
        bytes.extend(f(false, CONT, b"lo"));
        bytes.extend(f(true, PONG, b"b"));
        bytes.extend(f(false, CONT, b""));
        bytes.extend(f(true, PING, b"c"));
        bytes.extend(f(true, CONT, b" world"));
        let mut conn = open(role, Default::default());
        let events = feed(&mut conn, &bytes);
        assert_eq!(
            events,
            vec![
                Event::Ping(b"a".to_vec()),
                Event::Pong(b"b".to_vec()),
                Event::Ping(b"c".to_vec()),
                text("Hello world")
            ],
            "{role:?}"
        );
        let out: Vec<_> = out_frames(&mut conn).into_iter().map(|w| (w.opcode, w.payload)).collect();
        assert_eq!(out, vec![(PONG, b"a".to_vec()), (PONG, b"c".to_vec())]);
    }
}

#[test]
fn close_in_the_middle_of_a_fragmented_message_abandons_it() {
    for role in ROLES {
        let mut bytes = peer_frame(role, false, BINARY, b"part");
        bytes.extend(peer_frame(role, true, CLOSE, &close_payload(1001, b"")));
        bytes.extend(peer_frame(role, true, CONT, b"rest"));
        let mut conn = open(role, Default::default());
        let events = feed(&mut conn, &bytes);
        assert_eq!(events, vec![Event::Close(CloseFrame { code: 1001, reason: String::new() })]);
        assert!(!conn.receiving_message());
        assert_eq!(conn.failure(), None);
    }
}

// ----- fragmentation -----

#[test]
fn fragmentation_table() {
    type Frames = Vec<(bool, u8, &'static [u8])>;
    let rows: Vec<(&str, Frames, Expect)> = vec![
        ("text in one frame", vec![(true, TEXT, b"hello")], ok(vec![text("hello")])),
        ("text in two", vec![(false, TEXT, b"hel"), (true, CONT, b"lo")], ok(vec![text("hello")])),
        (
            "text in five",
            vec![
                (false, TEXT, b"h"),
                (false, CONT, b"e"),
                (false, CONT, b"l"),
                (false, CONT, b"l"),
                (true, CONT, b"o"),
            ],
            ok(vec![text("hello")]),
        ),
        (
            "binary in three",
            vec![(false, BINARY, b"\x00\x01"), (false, CONT, b"\xff"), (true, CONT, b"\x80")],
            ok(vec![binary(b"\x00\x01\xff\x80")]),
        ),
        (
            "empty first and last fragments",
            vec![(false, TEXT, b""), (false, CONT, b"mid"), (true, CONT, b"")],
            ok(vec![text("mid")]),
        ),
        (
            "all fragments empty",
            vec![(false, BINARY, b""), (false, CONT, b""), (true, CONT, b"")],
            ok(vec![binary(b"")]),
        ),
        ("zero-length text", vec![(true, TEXT, b"")], ok(vec![text("")])),
        ("zero-length binary", vec![(true, BINARY, b"")], ok(vec![binary(b"")])),
        (
            "two messages, the second fragmented",
            vec![(true, BINARY, b"one"), (false, TEXT, b"tw"), (true, CONT, b"o")],
            ok(vec![binary(b"one"), text("two")]),
        ),
        ("continuation without start", vec![(true, CONT, b"x")], Expect::Fail(1002)),
        ("unfinished continuation without start", vec![(false, CONT, b"x")], Expect::Fail(1002)),
        ("continuation after a complete message", vec![(true, TEXT, b"a"), (true, CONT, b"b")], Expect::Fail(1002)),
        ("new text while fragmented", vec![(false, TEXT, b"a"), (true, TEXT, b"b")], Expect::Fail(1002)),
        ("new binary while fragmented", vec![(false, TEXT, b"a"), (true, BINARY, b"b")], Expect::Fail(1002)),
        (
            "new unfinished binary while fragmented",
            vec![(false, BINARY, b"a"), (false, BINARY, b"b")],
            Expect::Fail(1002),
        ),
    ];
    for role in ROLES {
        for (name, frames, expect) in &rows {
            let mut bytes = Vec::new();
            for (fin, op, p) in frames {
                bytes.extend(peer_frame(role, *fin, *op, p));
            }
            let mut conn = open(role, Default::default());
            let events = feed(&mut conn, &bytes);
            check(&mut conn, events, expect, &format!("{role:?}: {name}"));
        }
    }
}

#[test]
fn many_fragments() {
    for role in ROLES {
        let mut bytes = peer_frame(role, false, BINARY, &[0]);
        for i in 1..1000u32 {
            bytes.extend(peer_frame(role, i == 999, CONT, &[i as u8]));
        }
        let mut conn = open(role, Default::default());
        let want: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        assert_eq!(feed(&mut conn, &bytes), vec![binary(&want)]);
    }
}

// ----- limits -----

/// Feeds `frames` whole except the last, of which only the header goes in first, then its
/// payload if the header alone did not fail the connection. Returns the events and whether
/// the last header alone failed the connection.
fn limit_case(conn: &mut Connection, frames: &[(bool, u8, usize)]) -> (Vec<Event>, bool) {
    let role = conn.role();
    let mut events = Vec::new();
    for (i, (fin, op, len)) in frames.iter().enumerate() {
        let bytes = peer_frame(role, *fin, *op, &vec![b'a'; *len]);
        if i + 1 == frames.len() {
            let header = frame::header_len(*len as u64, role == Role::Server);
            events.extend(feed(conn, &bytes[..header]));
            if conn.failure().is_some() {
                return (events, true);
            }
            events.extend(feed(conn, &bytes[header..]));
        } else {
            events.extend(feed(conn, &bytes));
        }
    }
    (events, false)
}

#[test]
fn size_limits_table() {
    type Tweak = fn(&mut wasmsocket::Config);
    // (name, config, frames (fin, opcode, payload length), Some(1009) if the LAST HEADER fails)
    type Row = (&'static str, Tweak, Vec<(bool, u8, usize)>, Option<u16>);
    let rows: Vec<Row> = vec![
        ("frame at the frame limit", |c| c.max_frame_payload_size = 10, vec![(true, BINARY, 10)], None),
        ("frame over the frame limit", |c| c.max_frame_payload_size = 10, vec![(true, BINARY, 11)], Some(1009)),
        ("text over the frame limit", |c| c.max_frame_payload_size = 10, vec![(true, TEXT, 200)], Some(1009)),
        (
            "frame limit applies per fragment",
            |c| c.max_frame_payload_size = 10,
            vec![(false, BINARY, 10), (false, CONT, 10), (true, CONT, 10)],
            None,
        ),
        (
            "fragment over the frame limit",
            |c| c.max_frame_payload_size = 10,
            vec![(false, BINARY, 10), (true, CONT, 11)],
            Some(1009),
        ),
        ("message at the message limit", |c| c.max_message_payload_size = 10, vec![(true, TEXT, 10)], None),
        ("message over the message limit", |c| c.max_message_payload_size = 10, vec![(true, TEXT, 11)], Some(1009)),
        (
            "message limit across fragments, exactly",
            |c| c.max_message_payload_size = 10,
            vec![(false, TEXT, 4), (false, CONT, 0), (false, CONT, 3), (true, CONT, 3)],
            None,
        ),
        (
            "message limit across fragments, exceeded",
            |c| c.max_message_payload_size = 10,
            vec![(false, TEXT, 4), (false, CONT, 3), (true, CONT, 4)],
            Some(1009),
        ),
        (
            "message limit counts per message",
            |c| c.max_message_payload_size = 10,
            vec![(true, TEXT, 10), (false, BINARY, 5), (true, CONT, 5), (true, TEXT, 10)],
            None,
        ),
        (
            "message limit in frame delivery mode",
            |c| {
                c.max_message_payload_size = 10;
                c.deliver_frames = true;
            },
            vec![(false, TEXT, 6), (true, CONT, 5)],
            Some(1009),
        ),
        ("default limit is 16 MiB", |_| {}, vec![(true, BINARY, 16 * 1024 * 1024 + 1)], Some(1009)),
        (
            "0 means unlimited",
            |c| {
                c.max_frame_payload_size = 0;
                c.max_message_payload_size = 0;
            },
            vec![(false, BINARY, 16 * 1024 * 1024), (true, CONT, 1)],
            None,
        ),
        ("control frames are not data", |c| c.max_frame_payload_size = 10, vec![(true, PING, 100)], None),
        (
            "control frames in a full message",
            |c| c.max_message_payload_size = 10,
            vec![(false, TEXT, 10), (true, PING, 100), (true, CONT, 0)],
            None,
        ),
    ];
    for role in ROLES {
        for (name, tweak, frames, fail) in &rows {
            let ctx = format!("{role:?}: {name}");
            let mut conn = conn_with(role, tweak);
            let (events, failed_at_header) = limit_case(&mut conn, frames);
            match fail {
                Some(code) => {
                    assert!(failed_at_header, "{ctx}: the last header alone should fail");
                    assert_failed(&mut conn, *code, &ctx);
                }
                None => {
                    assert_eq!(conn.failure(), None, "{ctx}");
                    let messages = frames.iter().filter(|f| f.0 && f.1 < 8).count();
                    let got = events.iter().filter(|e| matches!(e, Event::Message { .. })).count();
                    assert_eq!(got, messages, "{ctx}");
                }
            }
        }
    }
}

// ----- UTF-8 -----

#[test]
fn invalid_utf8_text_fails_1007() {
    let bad: [&[u8]; 8] = [
        b"\xff",
        b"abc\xfe",
        b"\xc0\xaf",         // overlong '/'
        b"\xe0\x80\xaf",     // overlong
        b"\xed\xa0\x80",     // surrogate
        b"\xf4\x90\x80\x80", // above U+10FFFF
        b"\xe2\x82",         // truncated at the end
        b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited",
    ];
    for role in ROLES {
        for payload in bad {
            let ctx = format!("{role:?} {payload:x?}");
            // Whole, and split into two fragments at every position.
            let mut conn = open(role, Default::default());
            assert_eq!(feed(&mut conn, &peer_frame(role, true, TEXT, payload)), vec![], "{ctx}");
            assert_failed(&mut conn, 1007, &ctx);
            for cut in 0..=payload.len() {
                let mut bytes = peer_frame(role, false, TEXT, &payload[..cut]);
                bytes.extend(peer_frame(role, true, CONT, &payload[cut..]));
                let mut conn = open(role, Default::default());
                assert_eq!(feed(&mut conn, &bytes), vec![], "{ctx} cut {cut}");
                assert_failed(&mut conn, 1007, &format!("{ctx} cut {cut}"));
            }
        }
    }
}

#[test]
fn valid_utf8_split_inside_characters_across_fragments() {
    let s = "κόσμε 𝄞 €uro";
    let b = s.as_bytes();
    for role in ROLES {
        for deliver_frames in [false, true] {
            // Every pair of cut points: three fragments.
            for i in 0..=b.len() {
                for j in i..=b.len() {
                    let mut bytes = peer_frame(role, false, TEXT, &b[..i]);
                    bytes.extend(peer_frame(role, false, CONT, &b[i..j]));
                    bytes.extend(peer_frame(role, true, CONT, &b[j..]));
                    let mut conn = conn_with(role, |c| c.deliver_frames = deliver_frames);
                    let events = feed(&mut conn, &bytes);
                    assert_eq!(conn.failure(), None, "{role:?} {i} {j}");
                    if deliver_frames {
                        let data: Vec<u8> = events
                            .iter()
                            .flat_map(|e| match e {
                                Event::Frame(f) => f.data.clone(),
                                other => panic!("{other:?}"),
                            })
                            .collect();
                        assert_eq!(data, b);
                    } else {
                        assert_eq!(events, vec![text(s)]);
                    }
                }
            }
        }
    }
}

#[test]
fn utf8_validation_off_lets_invalid_text_through() {
    for role in ROLES {
        for deliver_frames in [false, true] {
            let mut conn = conn_with(role, |c| {
                c.utf8_validate_incoming = false;
                c.deliver_frames = deliver_frames;
            });
            let mut bytes = peer_frame(role, false, TEXT, b"\xff\xe2");
            bytes.extend(peer_frame(role, true, CONT, b"\x82"));
            let events = feed(&mut conn, &bytes);
            assert_eq!(conn.failure(), None);
            if deliver_frames {
                assert_eq!(events.len(), 2);
            } else {
                assert_eq!(events, vec![Event::Message { is_binary: false, data: b"\xff\xe2\x82".to_vec() }]);
            }
        }
    }
}

#[test]
fn binary_is_not_validated() {
    for role in ROLES {
        let mut conn = open(role, Default::default());
        assert_eq!(feed(&mut conn, &peer_frame(role, true, BINARY, b"\xff\xfe")), vec![binary(b"\xff\xfe")]);
    }
}

#[test]
fn utf8_state_resets_between_messages() {
    for role in ROLES {
        // A failure-free message ending cleanly, then another: nothing carries over.
        let mut conn = open(role, Default::default());
        let mut bytes = peer_frame(role, true, TEXT, "é".as_bytes());
        bytes.extend(peer_frame(role, true, BINARY, b"\xc3"));
        bytes.extend(peer_frame(role, true, TEXT, b"\xa9"));
        let events = feed(&mut conn, &bytes);
        assert_eq!(events, vec![text("é"), binary(b"\xc3")]);
        assert_failed(&mut conn, 1007, &format!("{role:?}"));
    }
}

/// Fail-fast UTF-8 (RFC 6455 §8.1): the connection fails when the first impossible byte
/// arrives, mid-frame, without waiting for the rest of the frame or message.
#[test]
fn utf8_fails_fast_at_the_bad_byte() {
    for role in ROLES {
        for deliver_frames in [false, true] {
            let ctx = format!("{role:?} deliver_frames {deliver_frames}");
            let cfg = |c: &mut wasmsocket::Config| c.deliver_frames = deliver_frames;
            // 1. Inside a frame: 20-byte text frame whose 3rd byte is bad; feed 3 bytes of payload.
            let mut payload = b"ab\xffcdefghijklmnopqrs".to_vec();
            payload.truncate(20);
            let bytes = peer_frame(role, true, TEXT, &payload);
            let header = frame::header_len(20, role == Role::Server);
            let mut conn = conn_with(role, cfg);
            conn.receive_data(&bytes[..header + 2]);
            assert_eq!(conn.failure(), None, "{ctx}");
            conn.receive_data(&bytes[header + 2..header + 3]);
            assert_failed(&mut conn, 1007, &ctx);

            // 2. A non-final fragment that is invalid fails before the continuation arrives.
            let mut conn = conn_with(role, cfg);
            assert_eq!(feed(&mut conn, &peer_frame(role, false, TEXT, b"ok\xc0")), vec![], "{ctx}");
            // (0xC0 can never start a valid sequence.)
            assert_failed(&mut conn, 1007, &ctx);

            // 3. A sequence started in one fragment, broken in the next one's first byte.
            let mut conn = conn_with(role, cfg);
            let _ = feed(&mut conn, &peer_frame(role, false, TEXT, b"x\xe2\x82"));
            assert_eq!(conn.failure(), None, "{ctx}");
            let next = peer_frame(role, false, CONT, b"(more text follows)");
            let header = frame::header_len(19, role == Role::Server);
            conn.receive_data(&next[..header + 1]);
            assert_failed(&mut conn, 1007, &ctx);

            // 4. A surrogate is refused at its second byte.
            let mut conn = conn_with(role, cfg);
            let bytes = peer_frame(role, true, TEXT, b"\xed\xa0\x80 and more");
            let header = frame::header_len(13, role == Role::Server);
            conn.receive_data(&bytes[..header + 2]);
            assert_failed(&mut conn, 1007, &ctx);
        }
    }
}

// ----- chunking invariance -----

#[test]
fn chunking_does_not_change_events_or_output() {
    for role in ROLES {
        for deliver_frames in [false, true] {
            let stream = scripted_stream(role, 70_000);
            let run = |sizes: &mut dyn FnMut() -> usize| {
                let mut conn = conn_with(role, |c| c.deliver_frames = deliver_frames);
                let (events, output) = feed_chunked(&mut conn, &stream, sizes);
                assert_eq!(conn.failure(), None);
                assert_eq!(conn.state(), State::Closing);
                (events, output)
            };
            let whole = run(&mut || usize::MAX);
            assert!(whole.0.len() >= 10, "{:?}", whole.0.len());
            assert!(matches!(whole.0.last(), Some(Event::Close(c)) if c.code == 1000 && c.reason == "done ✓"));
            assert_eq!(run(&mut || 1), whole, "{role:?} byte by byte");
            assert_eq!(run(&mut || 2), whole, "{role:?} two bytes");
            for seed in 1..=8 {
                let mut rng = Rng::new(seed);
                let big = seed % 2 == 0;
                let sizes = &mut || if big { rng.below(20_000) } else { rng.below(17) };
                assert_eq!(run(sizes), whole, "{role:?} seed {seed}");
            }
            // The in-place input path gives the same.
            let mut conn = conn_with(role, |c| c.deliver_frames = deliver_frames);
            let mut rng = Rng::new(1234);
            let (mut events, mut output, mut pos) = (Vec::new(), Vec::new(), 0);
            while pos < stream.len() {
                let n = (rng.below(3000) + 1).min(stream.len() - pos);
                let extra = rng.below(50); // ask for more room than is filled
                conn.input_space(n + extra)[..n].copy_from_slice(&stream[pos..pos + n]);
                conn.commit_input(n);
                pos += n;
                events.extend(conn.take_events());
                output.extend(conn.take_output());
            }
            assert_eq!((events, output), whole, "{role:?} input_space");
        }
    }
}

// ----- frame delivery -----

#[test]
fn deliver_frames_gives_one_event_per_data_frame() {
    for role in ROLES {
        let mut bytes = peer_frame(role, false, TEXT, b"ab");
        bytes.extend(peer_frame(role, true, PING, b"p"));
        bytes.extend(peer_frame(role, false, CONT, b""));
        bytes.extend(peer_frame(role, true, CONT, b"cd"));
        bytes.extend(peer_frame(role, true, BINARY, b"\x00"));
        let mut conn = conn_with(role, |c| c.deliver_frames = true);
        let events = feed(&mut conn, &bytes);
        let fr = |fin, opcode, data: &[u8]| Event::Frame(Frame { fin, rsv: 0, opcode, data: data.to_vec() });
        assert_eq!(
            events,
            vec![
                fr(false, Opcode::Text, b"ab"),
                Event::Ping(b"p".to_vec()),
                fr(false, Opcode::Continuation, b""),
                fr(true, Opcode::Continuation, b"cd"),
                fr(true, Opcode::Binary, b"\x00"),
            ]
        );
        assert!(!conn.receiving_message());
    }
}

// ----- after the close frame -----

#[test]
fn frames_pipelined_after_the_close_frame_are_ignored() {
    for role in ROLES {
        let mut bytes = peer_frame(role, true, CLOSE, &close_payload(1000, b""));
        bytes.extend(peer_frame(role, true, TEXT, b"late"));
        bytes.extend(peer_frame(role, true, PING, b"late"));
        bytes.extend([0xFF; 20]); // garbage would fail the connection if parsed
        let mut conn = open(role, Default::default());
        let events = feed(&mut conn, &bytes);
        assert_eq!(events, vec![Event::Close(CloseFrame { code: 1000, reason: String::new() })]);
        let out = out_frames(&mut conn);
        assert_eq!(out.len(), 1, "only the close reply");
        assert_eq!(out[0].close(), Some((1000, String::new())));
        assert_eq!(conn.failure(), None);
        assert_ignores_input(&mut conn, &format!("{role:?}"));
    }
}
