//! permessage-deflate through the extension and through `Connection`: round trips for every
//! window × takeover × role, empty and fragmented messages, control frames between fragments,
//! and the RSV1 rules (RFC 7692 §6.1).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use common::compressed_exchange::ping_between_compressed_fragments;
use common::fragmented::assert_fragmented_round_trip;
use common::deflate_agreement::agreement;
use common::json_feed::JsonFeed;
use common::json_like::json_tags;
use common::*;
use wasmsocket::config::{Config, Role};
use wasmsocket::connection::Connection;
use wasmsocket::extensions::deflate::compress::SCRATCH_SLOTS;
use wasmsocket::extensions::deflate::{Agreement, PerMessageDeflate};
use wasmsocket::extensions::{Extension, ExtensionChain};
use wasmsocket::frame::{Frame, Opcode, RSV1};

fn pair(a: Agreement) -> (PerMessageDeflate, PerMessageDeflate) {
    (PerMessageDeflate::new(Role::Server, a, 6, 0), PerMessageDeflate::new(Role::Client, a, 6, 0))
}

fn messages() -> Vec<Vec<u8>> {
    let mut rng = Rng::new(5);
    vec![
        vec![],
        b"a".to_vec(),
        json_tags(3000),
        rng.bytes(5000),
        b"abcabcabc".repeat(20_000),
        json_tags(3000), // repeats an earlier message: takeover can reference it
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

/// Messages for the window checks: JSON of every size around the windows, data that does not
/// compress (its packed history is cut short), runs, and many small messages (merged in the
/// packed history).
fn window_corpus() -> Vec<Vec<u8>> {
    let mut feed = JsonFeed::new(17);
    let mut rng = Rng::new(23);
    let mut c: Vec<Vec<u8>> = [60, 200, 255, 256, 257, 500, 1000, 4095, 4096, 4097, 9000, 40_000]
        .iter()
        .map(|&n| feed.message(n))
        .collect();
    c.push(rng.bytes(20_000));
    c.push(vec![b'x'; 35_000]);
    c.extend((0..40).map(|i| feed.message(80 + i * 7)));
    c.push(feed.message(4096));
    c
}

/// Every window × takeover × mem_level, each message cut into frames one time in three, with
/// as many other connections as the thread has scratch compressors (half of them with another
/// window) sending in between one time in two, so that ours is evicted and primes a compressor
/// from its history then, and continues warm otherwise: every distance our compressor emits
/// stays within zlib's reach at the negotiated window, 2^bits - 262 (250 at window 8, which is
/// compressed with 9), below 2^bits (our own decoder counts them), and the stream decodes back
/// (with takeover as one stream across messages).
#[test]
fn no_distance_reaches_past_the_negotiated_window() {
    let corpus = window_corpus();
    for bits in 8..=15u8 {
        for takeover in [true, false] {
            for mem_level in [1, 8, 9] {
                let a = agreement(bits, takeover);
                let mut ext = PerMessageDeflate::with_mem_level(Role::Server, a, 6, mem_level, 0);
                let mut others: Vec<_> = (0..SCRATCH_SLOTS)
                    .map(|i| PerMessageDeflate::new(Role::Server, if i % 2 == 0 { a } else { agreement(23 - bits, true) }, 6, 0))
                    .collect();
                let mut scan = deflate_scan::Scan { output: Vec::new(), max_distance: 0 };
                for (m, data) in corpus.iter().enumerate() {
                    if !takeover {
                        scan = deflate_scan::Scan { output: Vec::new(), max_distance: scan.max_distance };
                    }
                    let start = scan.output.len();
                    let parts: Vec<&[u8]> = if m % 3 == 2 { data.chunks(data.len() / 4 + 1).collect() } else { vec![data] };
                    let mut wire = Vec::new();
                    for (i, part) in parts.iter().enumerate() {
                        let opcode = if i == 0 { Opcode::Binary } else { Opcode::Continuation };
                        let fin = i + 1 == parts.len();
                        wire.extend(ext.encode(Frame { fin, rsv: 0, opcode, data: part.to_vec() }).unwrap().data);
                        if (m + i) % 2 == 1 {
                            for other in &mut others {
                                other.encode(Frame::new(Opcode::Text, b"{\"other\":true}".repeat(30))).unwrap();
                            }
                        }
                    }
                    wire.extend(wasmsocket::extensions::deflate::TAIL);
                    let ctx = format!("bits {bits} takeover {takeover} mem_level {mem_level} message {m}");
                    deflate_scan::scan(&mut scan, &wire).unwrap_or_else(|e| panic!("{ctx}: {e}"));
                    assert!(scan.output[start..] == data[..], "{ctx}");
                }
                let limit = (1 << bits.max(9)) - 262;
                assert!(limit < 1 << bits);
                assert!(scan.max_distance <= limit, "bits {bits} takeover {takeover} mem_level {mem_level}: distance {}", scan.max_distance);
            }
        }
    }
}

#[test]
fn fragmented_messages_round_trip() {
    for bits in [8, 12, 15] {
        let (mut server, mut client) = pair(agreement(bits, true));
        let m = json_tags(20_000);
        assert_fragmented_round_trip(&mut server, &mut client, &m, 3001);
    }
}

#[test]
fn min_size_sends_small_messages_uncompressed() {
    let mut s = PerMessageDeflate::new(Role::Server, Agreement::default(), 6, 100);
    let mut c = PerMessageDeflate::new(Role::Client, Agreement::default(), 6, 100);
    let small = s.encode(Frame::new(Opcode::Text, b"short".to_vec())).unwrap();
    assert_eq!((small.rsv, small.data.as_slice()), (0, &b"short"[..]));
    let big = s.encode(Frame::new(Opcode::Text, json_tags(500))).unwrap();
    assert_eq!(big.rsv, RSV1);
    assert_eq!(c.decode(small, None).unwrap().data, b"short");
    assert_eq!(c.decode(big, None).unwrap().data, json_tags(500));
}

fn deflate_conn(role: Role, config: Config) -> Connection {
    let ext = PerMessageDeflate::new(role, Agreement::default(), 6, 0);
    Connection::new_open(role, config, SEED, ExtensionChain::new(vec![Box::new(ext)]))
}

#[test]
fn connections_exchange_compressed_messages_with_pings_between_fragments() {
    ping_between_compressed_fragments(|role| deflate_conn(role, Config::default()), &json_tags(10_000));
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

#[test]
fn a_compressed_frame_may_exceed_the_frame_limit_by_what_deflate_adds() {
    // Incompressible data grows a little when deflated; the limits allow the message, so the
    // compressed frame is let through (by 1/64 + 1 KiB at most) and decoded within the budget.
    let data = Rng::new(9).bytes(8192);
    let mut client = deflate_conn(Role::Client, Config::default());
    client.send_binary(&data, true).unwrap();
    let bytes = client.take_output();
    let wire = decode_frames(&bytes);
    assert!(wire[0].payload.len() > 8192, "deflate grew random data to {}", wire[0].payload.len());
    let mut server = deflate_conn(Role::Server, Config { max_frame_payload_size: 8192, max_message_payload_size: 8192, ..Config::default() });
    assert_eq!(feed(&mut server, &bytes), vec![binary(&data)]);
    // Beyond the slack it is still 1009, and so is an uncompressed frame over the limit.
    let mut strict = deflate_conn(Role::Server, Config { max_frame_payload_size: 4096, ..Config::default() });
    feed(&mut strict, &bytes);
    assert_failed(&mut strict, 1009, "compressed frame far over the limit");
    let mut plain = server_with(|c| c.max_frame_payload_size = 8191);
    feed(&mut plain, &cframe(true, 2, &data));
    assert_failed(&mut plain, 1009, "uncompressed frame over the limit");
}
