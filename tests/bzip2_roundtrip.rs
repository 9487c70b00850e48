//! permessage-bzip2 through the extension and through `Connection`: round trips at every
//! level and role, empty and fragmented messages, control frames between fragments, the RSV1
//! rules, streams that are corrupt, truncated, followed by junk or above the agreed level.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use common::compressed_exchange::ping_between_compressed_fragments;
use common::fragmented::assert_fragmented_round_trip;
use common::json_like::json_tags;
use common::*;
use wasmsocket::extensions::bzip2::{Agreement, PerMessageBzip2};
use wasmsocket::config::{Config, Role};
use wasmsocket::connection::Connection;
use wasmsocket::extensions::{Extension, ExtensionChain};
use wasmsocket::frame::{Frame, Opcode, RSV1};

fn pair(level: u8) -> (PerMessageBzip2, PerMessageBzip2) {
    let a = Agreement::default();
    (PerMessageBzip2::new(Role::Server, a, level, false), PerMessageBzip2::new(Role::Client, a, level, true))
}

fn messages() -> Vec<Vec<u8>> {
    let mut rng = Rng::new(5);
    vec![vec![], b"a".to_vec(), json_tags(3000), rng.bytes(5000), b"abcabcabc".repeat(20_000), vec![0; 70_000]]
}

#[test]
fn every_level_and_role_round_trips() {
    for level in 1..=9 {
        let (mut server, mut client) = pair(level);
        for server_sends in [true, false] {
            let (from, to) = if server_sends { (&mut server, &mut client) } else { (&mut client, &mut server) };
            for m in messages() {
                let f = from.encode(Frame::new(Opcode::Binary, m.clone())).unwrap();
                assert_eq!(f.rsv, RSV1);
                assert!(f.data.starts_with(b"BZh"), "one complete stream per message");
                let d = to.decode(f, Some(1 << 20)).unwrap();
                assert_eq!(d.rsv, 0);
                assert!(d.data == m, "level {level} len {}", m.len());
            }
        }
    }
}

#[test]
fn a_single_frame_uses_the_smallest_block_that_holds_it() {
    let (mut server, _) = pair(9);
    for (len, digit) in [(0, b'1'), (79_000, b'1'), (81_000, b'2'), (300_000, b'4'), (800_000, b'9'), (2_000_000, b'9')]
    {
        let f = server.encode(Frame::new(Opcode::Binary, vec![7; len])).unwrap();
        assert_eq!(f.data[3], digit, "{len} bytes");
    }
    let (mut capped, _) = pair(3);
    let f = capped.encode(Frame::new(Opcode::Binary, vec![7; 800_000])).unwrap();
    assert_eq!(f.data[3], b'3', "never above the configured level");
}

#[test]
fn fragmented_messages_round_trip() {
    for level in [1, 9] {
        let (mut server, mut client) = pair(level);
        let m = json_tags(250_000);
        assert_fragmented_round_trip(&mut server, &mut client, &m, 30_001);
        // The wire may split the stream anywhere: feed it one byte per frame.
        let whole = server.encode(Frame::new(Opcode::Binary, m.clone())).unwrap().data;
        let mut got = Vec::new();
        for (i, byte) in whole.iter().enumerate() {
            let op = if i == 0 { Opcode::Binary } else { Opcode::Continuation };
            let f =
                Frame { fin: i + 1 == whole.len(), rsv: if i == 0 { RSV1 } else { 0 }, opcode: op, data: vec![*byte] };
            got.extend(client.decode(f, Some(1 << 20)).unwrap().data);
        }
        assert_eq!(got, m);
    }
}

fn bzip2_conn(role: Role, config: Config) -> Connection {
    let ext = PerMessageBzip2::new(role, Agreement::default(), 9, false);
    Connection::new_open(role, config, SEED, ExtensionChain::new(vec![Box::new(ext)]))
}

#[test]
fn connections_exchange_compressed_messages_with_pings_between_fragments() {
    let m = json_tags(10_000);
    let (mut server, mut client, wire) =
        ping_between_compressed_fragments(|role| bzip2_conn(role, Config::default()), &m);
    assert_eq!(wire[3].payload.len(), 14, "an empty message is an empty stream");
    // And back, auto-fragmented or not, through the server's send path.
    server.take_output();
    server.send_binary(&m, true).unwrap();
    assert_eq!(feed(&mut client, &server.take_output()), vec![binary(&m)]);
}

#[test]
fn an_auto_fragmented_message_is_one_stream_across_its_frames() {
    let mut server = bzip2_conn(Role::Server, Config { auto_fragment_size: 50_000, ..Config::default() });
    let mut client = bzip2_conn(Role::Client, Config::default());
    let m = json_tags(300_000);
    server.send_message(false, &m).unwrap();
    let bytes = server.take_output();
    let wire = decode_frames(&bytes);
    assert_eq!(wire.len(), 6);
    assert_eq!(wire.iter().map(|w| w.rsv).collect::<Vec<_>>(), vec![RSV1, 0, 0, 0, 0, 0]);
    assert!(wire[..5].iter().all(|w| !w.fin) && wire[5].fin);
    // bzip2 writes nothing until a block is full or the stream ends: the 900 kB block of a
    // message of unknown length fills only at the end, so the payload is all in the last frame.
    assert!(wire[..5].iter().all(|w| w.payload.is_empty()));
    let stream: Vec<u8> = wire.iter().flat_map(|w| w.payload.clone()).collect();
    assert!(stream.starts_with(b"BZh9"));
    assert_eq!(feed(&mut client, &bytes), vec![text(std::str::from_utf8(&m).unwrap())]);
}

#[test]
fn rsv1_on_a_continuation_or_control_frame_fails_with_1002() {
    for role in ROLES {
        let mut conn = bzip2_conn(role, Config::default());
        let mut ext = PerMessageBzip2::new(Role::Client, Agreement::default(), 9, false);
        let first = ext.encode(Frame { fin: true, rsv: 0, opcode: Opcode::Text, data: b"abc".to_vec() }).unwrap();
        let (head, tail) = first.data.split_at(5);
        let mut bytes = peer_frame_rsv(role, false, RSV1, TEXT, head);
        bytes.extend(peer_frame_rsv(role, true, RSV1, CONT, tail));
        conn.receive_data(&bytes);
        assert_failed(&mut conn, 1002, "RSV1 on continuation");

        let mut conn = bzip2_conn(role, Config::default());
        conn.receive_data(&peer_frame_rsv(role, true, RSV1, PING, b""));
        assert_failed(&mut conn, 1002, "RSV1 on ping");
    }
}

fn compressed(m: &[u8]) -> Vec<u8> {
    let mut ext = PerMessageBzip2::new(Role::Client, Agreement::default(), 9, false);
    ext.encode(Frame::new(Opcode::Binary, m.to_vec())).unwrap().data
}

#[test]
fn bad_streams_fail_with_1007_and_too_big_with_1009() {
    let good = compressed(&json_tags(2000));
    let mut flipped = good.clone();
    flipped[20] ^= 0x55;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not bzip2", vec![0xff, 0xff, 0xff]),
        ("bad magic", b"BZx9".to_vec()),
        ("bad level digit", b"BZh0".to_vec()),
        ("corrupt block", flipped),
        ("truncated", good[..good.len() - 3].to_vec()),
        ("empty payload", vec![]),
        ("junk after the end", [&good[..], b"x"].concat()),
        ("two streams", [&good[..], &good[..]].concat()),
    ];
    for (what, payload) in cases {
        let mut conn = bzip2_conn(Role::Server, Config::default());
        conn.receive_data(&peer_frame_rsv(Role::Server, true, RSV1, BINARY, &payload));
        assert_failed(&mut conn, 1007, what);
    }

    let mut conn = bzip2_conn(Role::Server, Config { max_message_payload_size: 1000, ..Config::default() });
    conn.receive_data(&peer_frame_rsv(Role::Server, true, RSV1, BINARY, &compressed(&[0; 1001])));
    assert_failed(&mut conn, 1009, "too big");
    let mut conn = bzip2_conn(Role::Server, Config { max_message_payload_size: 1000, ..Config::default() });
    assert_eq!(
        feed(&mut conn, &peer_frame_rsv(Role::Server, true, RSV1, BINARY, &compressed(&[0; 1000]))),
        vec![binary(&[0; 1000])]
    );
}

#[test]
fn a_stream_above_the_agreed_level_is_refused_before_it_allocates() {
    // We capped the client at level 2; its stream announces level 3.
    let a = Agreement { client_max_compress_level: Some(2), ..Agreement::default() };
    let mut server = PerMessageBzip2::new(Role::Server, a, 9, false);
    let mut sender = PerMessageBzip2::new(Role::Client, Agreement::default(), 3, false);
    let f = sender.encode(Frame { fin: false, rsv: 0, opcode: Opcode::Binary, data: vec![1; 10] }).unwrap();
    let last = sender.encode(Frame { fin: true, rsv: 0, opcode: Opcode::Continuation, data: vec![] }).unwrap();
    assert!(f.data.is_empty(), "bzip2 writes nothing before the block is done");
    assert_eq!(last.data[3], b'3');
    server.decode(f, None).unwrap();
    let err = server.decode(last, None).unwrap_err();
    assert_eq!(err.close_code(), 1007, "{err:?}");
    assert!(err.reason().contains("level"), "{err:?}");
    assert_eq!(server.held_bytes(), 0);
    // A capped client sends within its cap, and a message right after the failure is fine.
    let mut capped = PerMessageBzip2::new(Role::Client, a, 9, false);
    let big = capped.encode(Frame::new(Opcode::Binary, vec![1; 1_000_000])).unwrap();
    assert_eq!(big.data[3], b'2');
    assert_eq!(server.decode(big, None).unwrap().data, vec![1; 1_000_000]);
}

#[test]
fn skip_next_message_sends_one_message_uncompressed() {
    let (mut server, mut client) = pair(9);
    server.skip_next_message();
    let a = server.encode(Frame { fin: false, rsv: 0, opcode: Opcode::Text, data: b"plain ".to_vec() }).unwrap();
    let b = server.encode(Frame { fin: true, rsv: 0, opcode: Opcode::Continuation, data: b"text".to_vec() }).unwrap();
    assert_eq!((a.rsv, a.data.as_slice(), b.rsv, b.data.as_slice()), (0, &b"plain "[..], 0, &b"text"[..]));
    let c = server.encode(Frame::new(Opcode::Text, b"compressed again".to_vec())).unwrap();
    assert_eq!(c.rsv, RSV1);
    assert_eq!(client.decode(a, None).unwrap().data, b"plain ");
    assert_eq!(client.decode(b, None).unwrap().data, b"text");
    assert_eq!(client.decode(c, None).unwrap().data, b"compressed again");
}

#[test]
fn uncompressed_messages_pass_through() {
    let mut conn = bzip2_conn(Role::Client, Config::default());
    let events = feed(&mut conn, &sframe(true, TEXT, b"plain"));
    assert_eq!(events, vec![text("plain")]);
}

#[test]
fn mutated_streams_fail_cleanly_or_decode() {
    // Never a panic: every damaged stream either decodes (a flip bzip2 cannot see, e.g. in
    // padding) or fails with 1007/1009, and the extension keeps working afterwards.
    let mut rng = Rng::new(42);
    let sources = [compressed(&json_tags(5000)), compressed(&rng.bytes(3000)), compressed(b"")];
    let mut ext = PerMessageBzip2::new(Role::Server, Agreement::default(), 9, false);
    let mut failures = 0;
    for i in 0..300 {
        let mut data = sources[i % sources.len()].clone();
        match rng.below(3) {
            0 => {
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(data.len());
                    data[at] ^= 1 << rng.below(8);
                }
            }
            1 => data.truncate(rng.below(data.len())),
            _ => {
                let at = rng.below(data.len());
                let n = 1 + rng.below(40);
                let junk = rng.bytes(n);
                data.splice(at..at, junk);
            }
        }
        let chunks: Vec<Vec<u8>> = data.chunks(1 + rng.below(64)).map(<[u8]>::to_vec).collect();
        let chunks = if chunks.is_empty() { vec![vec![]] } else { chunks };
        for (j, c) in chunks.iter().enumerate() {
            let op = if j == 0 { Opcode::Binary } else { Opcode::Continuation };
            let f =
                Frame { fin: j + 1 == chunks.len(), rsv: if j == 0 { RSV1 } else { 0 }, opcode: op, data: c.clone() };
            if let Err(e) = ext.decode(f, Some(100_000)) {
                assert!(e.close_code() == 1007 || e.close_code() == 1009, "{e:?}");
                failures += 1;
                break;
            }
        }
        assert_eq!(ext.held_bytes(), 0);
    }
    assert!(failures > 250, "only {failures} of 300 damaged streams failed");
    let f = Frame::new(Opcode::Binary, compressed(b"still fine"));
    assert_eq!(ext.decode(Frame { rsv: RSV1, ..f }, None).unwrap().data, b"still fine");
}
