//! permessage-deflate through the extension and through `Connection`: round trips for every
//! window × takeover × role, empty and fragmented messages, control frames between fragments,
//! and the RSV1 rules (RFC 7692 §6.1).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use common::*;
use wasmsocket::config::{Config, Role};
use wasmsocket::connection::{Connection, Event};
use wasmsocket::deflate::{Agreement, PerMessageDeflate};
use wasmsocket::extension::{Extension, ExtensionChain};
use wasmsocket::frame::{Frame, Opcode, RSV1};

fn agreement(bits: u8, takeover: bool) -> Agreement {
    Agreement {
        server_no_context_takeover: !takeover,
        client_no_context_takeover: !takeover,
        server_max_window_bits: Some(bits),
        client_max_window_bits: Some(bits),
    }
}

fn pair(a: Agreement) -> (PerMessageDeflate, PerMessageDeflate) {
    (PerMessageDeflate::new(Role::Server, a, 6, 0), PerMessageDeflate::new(Role::Client, a, 6, 0))
}

fn json_like(n: usize) -> Vec<u8> {
    let mut s = String::new();
    let mut i = 0u64;
    while s.len() < n {
        s.push_str(&format!("{{\"id\":{i},\"name\":\"user{}\",\"tags\":[\"a\",\"b{}\"],\"ok\":{}}},", i * 7919 % 1000, i % 13, i % 3 == 0));
        i += 1;
    }
    s.truncate(n);
    s.into_bytes()
}

fn messages() -> Vec<Vec<u8>> {
    let mut rng = Rng::new(5);
    vec![
        vec![],
        b"a".to_vec(),
        json_like(3000),
        rng.bytes(5000),
        b"abcabcabc".repeat(20_000),
        json_like(3000), // repeats an earlier message: takeover can reference it
        vec![0; 70_000],
    ]
}

#[test]
fn every_window_takeover_and_role_round_trips() {
    for bits in 8..=15 {
        for takeover in [true, false] {
            let (mut server, mut client) = pair(agreement(bits, takeover));
            for server_sends in [true, false] {
                let (from, to) = if server_sends { (&mut server, &mut client) } else { (&mut client, &mut server) };
                for m in messages() {
                    let f = from.encode(Frame::new(Opcode::Binary, m.clone())).unwrap();
                    assert_eq!(f.rsv, RSV1);
                    let d = to.decode(f, Some(1 << 20)).unwrap();
                    assert_eq!(d.rsv, 0);
                    assert!(d.data == m, "bits {bits} takeover {takeover} len {}", m.len());
                }
            }
        }
    }
}

#[test]
fn fragmented_messages_round_trip() {
    for bits in [8, 12, 15] {
        let (mut server, mut client) = pair(agreement(bits, true));
        let m = json_like(20_000);
        let parts: Vec<&[u8]> = m.chunks(3001).collect();
        let mut got = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let op = if i == 0 { Opcode::Text } else { Opcode::Continuation };
            let frame = Frame { fin: i + 1 == parts.len(), rsv: 0, opcode: op, data: part.to_vec() };
            let f = server.encode(frame).unwrap();
            assert_eq!(f.rsv, if i == 0 { RSV1 } else { 0 }, "only the first frame has RSV1");
            got.extend(client.decode(f, None).unwrap().data);
        }
        assert_eq!(got, m);
    }
}

#[test]
fn min_size_sends_small_messages_uncompressed() {
    let mut s = PerMessageDeflate::new(Role::Server, Agreement::default(), 6, 100);
    let mut c = PerMessageDeflate::new(Role::Client, Agreement::default(), 6, 100);
    let small = s.encode(Frame::new(Opcode::Text, b"short".to_vec())).unwrap();
    assert_eq!((small.rsv, small.data.as_slice()), (0, &b"short"[..]));
    let big = s.encode(Frame::new(Opcode::Text, json_like(500))).unwrap();
    assert_eq!(big.rsv, RSV1);
    assert_eq!(c.decode(small, None).unwrap().data, b"short");
    assert_eq!(c.decode(big, None).unwrap().data, json_like(500));
}

fn deflate_conn(role: Role, config: Config) -> Connection {
    let ext = PerMessageDeflate::new(role, Agreement::default(), 6, 0);
    Connection::new_open(role, config, SEED, ExtensionChain::new(vec![Box::new(ext)]))
}

#[test]
fn connections_exchange_compressed_messages_with_pings_between_fragments() {
    let mut server = deflate_conn(Role::Server, Config::default());
    let mut client = deflate_conn(Role::Client, Config::default());
    let m = json_like(10_000);
    client.send_text(&m[..4000], false).unwrap();
    client.send_ping(b"between").unwrap();
    client.send_continuation(&m[4000..], true).unwrap();
    client.send_binary(b"", true).unwrap();
    let bytes = client.take_output();
    let wire = decode_frames(&bytes);
    assert_eq!(wire.iter().map(|w| (w.opcode, w.rsv)).collect::<Vec<_>>(), vec![(TEXT, 4), (PING, 0), (CONT, 0), (BINARY, 4)]);
    assert!(wire[0].payload.len() + wire[2].payload.len() < 5000, "compressed");
    let events = feed(&mut server, &bytes);
    assert!(events.contains(&text(std::str::from_utf8(&m).unwrap())), "{events:?}");
    assert!(events.contains(&binary(b"")));
    assert!(events.iter().any(|e| matches!(e, Event::Ping(_))) || !server.output().is_empty());
}

#[test]
fn rsv1_on_a_continuation_or_control_frame_fails_with_1002() {
    for role in ROLES {
        let mut conn = deflate_conn(role, Config::default());
        let mut ext = PerMessageDeflate::new(Role::Client, Agreement::default(), 6, 0);
        let first = ext.encode(Frame { fin: false, rsv: 0, opcode: Opcode::Text, data: b"abc".to_vec() }).unwrap();
        let mut bytes = peer_frame_rsv(role, false, RSV1, TEXT, &first.data);
        bytes.extend(peer_frame_rsv(role, true, RSV1, CONT, b"\x00"));
        conn.receive_data(&bytes);
        assert_failed(&mut conn, 1002, "RSV1 on continuation");

        let mut conn = deflate_conn(role, Config::default());
        conn.receive_data(&peer_frame_rsv(role, true, RSV1, PING, b""));
        assert_failed(&mut conn, 1002, "RSV1 on ping");
    }
}

#[test]
fn corrupt_data_fails_with_1007_and_too_big_with_1009() {
    let mut conn = deflate_conn(Role::Server, Config::default());
    conn.receive_data(&peer_frame_rsv(Role::Server, true, RSV1, BINARY, &[0xff, 0xff, 0xff]));
    assert_failed(&mut conn, 1007, "corrupt");

    let mut conn = deflate_conn(Role::Server, Config { max_message_payload_size: 1000, ..Config::default() });
    let mut ext = PerMessageDeflate::new(Role::Client, Agreement::default(), 6, 0);
    let f = ext.encode(Frame::new(Opcode::Binary, vec![0; 1001])).unwrap();
    conn.receive_data(&peer_frame_rsv(Role::Server, true, RSV1, BINARY, &f.data));
    assert_failed(&mut conn, 1009, "too big");
}

#[test]
fn uncompressed_messages_pass_through() {
    let mut conn = deflate_conn(Role::Client, Config::default());
    let events = feed(&mut conn, &sframe(true, TEXT, b"plain"));
    assert_eq!(events, vec![text("plain")]);
}
