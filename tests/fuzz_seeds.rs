//! Writes the seed corpora of the cargo-fuzz targets in fuzz/seeds/ (committed). Not a test
//! of the library: run it by hand after changing how a target decodes its input:
//!   cargo test --test fuzz_seeds -- --ignored
//! The targets decode their input front to back with `arbitrary::Unstructured`
//! (`int_in_range`, `bool`, length-prefixed byte strings); [`Enc`] writes what they read, so
//! each seed is a readable program: a real handshake, real messages, real compressed frames
//! made by the crate's own encoders.
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use wasmsocket::extensions::bzip2::{self, PerMessageBzip2};
use wasmsocket::extensions::deflate::{Agreement, PerMessageDeflate};
use wasmsocket::extensions::Extension;
use wasmsocket::frame::{Frame, Opcode, RSV1};
use wasmsocket::handshake::accept_key::accept_key;
use wasmsocket::Role;

/// The inverse of the `Unstructured` calls the targets make.
#[derive(Default)]
struct Enc(Vec<u8>);

impl Enc {
    /// `int_in_range(lo..=hi)` returning `v`: as many big-endian bytes as `hi - lo` needs.
    fn int(&mut self, lo: u64, hi: u64, v: u64) -> &mut Self {
        assert!(lo <= v && v <= hi, "{v} not in {lo}..={hi}");
        let delta = hi - lo;
        let mut n = 0;
        while n < 8 && (delta >> (8 * n)) > 0 {
            n += 1;
        }
        let off = v - lo;
        for i in (0..n).rev() {
            self.0.push((off >> (8 * i)) as u8);
        }
        self
    }
    fn bool(&mut self, b: bool) -> &mut Self {
        self.0.push(b as u8);
        self
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
    /// The targets' `blob(u, max)`: a length in 0..=max, then the bytes.
    fn blob(&mut self, max: u64, b: &[u8]) -> &mut Self {
        self.int(0, max, b.len() as u64).bytes(b)
    }
    fn opt(&mut self, v: Option<u64>, lo: u64, hi: u64) -> &mut Self {
        self.bool(v.is_some());
        if let Some(v) = v {
            self.int(lo, hi, v);
        }
        self
    }
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds").join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

// ----- connection -----

/// fuzz/fuzz_targets/connection.rs's ops.
mod op {
    pub const DELIVER: u64 = 0;
    pub const CONNECT: u64 = 7;
    pub const ACCEPT: u64 = 8;
    pub const REJECT: u64 = 9;
    pub const SEND: u64 = 11;
    pub const SEND_MESSAGE: u64 = 13;
    pub const PING_PONG: u64 = 15;
    pub const CLOSE: u64 = 16;
    pub const SKIP: u64 = 17;
    pub const RESUME: u64 = 20;
    pub const TAKE: u64 = 21;
    pub const EOF: u64 = 22;
    pub const B: u64 = 23;
}

enum Payload<'a> {
    Run(u8, u64),
    Hello(u64),
    Bytes(&'a [u8]),
}

fn payload(e: &mut Enc, p: Payload) {
    match p {
        Payload::Run(b, n) => e.int(0, 7, 0).int(0, 255, b as u64).int(0, 70_000, n),
        Payload::Hello(n) => e.int(0, 7, 1).int(0, 40, n),
        Payload::Bytes(b) => e.int(0, 7, 2).blob(300, b),
    };
}

struct Setup {
    server: bool,
    bits: u16,
    limits: (u64, u64),
    fragment: u64,
    ext: u64,
}

fn deflate_config(e: &mut Enc, nct: (bool, bool), server_bits: Option<u64>, client_bits: u64, level: u64) {
    e.bool(nct.0).bool(nct.1).opt(server_bits, 8, 15);
    match client_bits {
        0 | 1 => e.int(0, 2, client_bits),
        v => e.int(0, 2, 2).int(8, 15, v),
    };
    e.int(0, 10, level).int(1, 9, 8).int(0, 4, 0);
}

fn bzip2_config(e: &mut Enc, level: u64, server_cap: Option<u64>, client_cap: Option<u64>) {
    e.int(1, 9, level).opt(server_cap, 1, 9).opt(client_cap, 1, 9).bool(true).bool(false);
}

fn setup(s: &Setup) -> Enc {
    let mut e = Enc::default();
    e.bool(s.server).bytes(&s.bits.to_le_bytes());
    if s.bits & 1 != 0 {
        e.int(0, 200, s.limits.0).int(0, 300, s.limits.1);
    }
    if s.bits & 256 != 0 {
        e.int(1, 100, s.fragment);
    }
    e.bool(false); // B does not fragment
    e.int(0, 4, s.ext);
    deflate_config(&mut e, (false, false), None, 1, 6); // A: deflate
    bzip2_config(&mut e, 9, None, None); // A: bzip2
    deflate_config(&mut e, (false, true), Some(12), 1, 1); // B: deflate
    bzip2_config(&mut e, 5, Some(3), None); // B: bzip2
    e.bool(true); // B offers/accepts what A does
    e.bytes(&[0x42; 32]);
    e
}

fn deliver_all(e: &mut Enc) {
    e.int(0, 24, op::DELIVER).int(0, 2, 0).bool(false).int(0, 16, 0);
}

fn deliver_some(e: &mut Enc, n: u64, in_place: bool) {
    e.int(0, 24, op::DELIVER).int(0, 2, 2).int(0, 4096, n).bool(in_place).int(0, 16, 3);
}

/// A's handshake with B: as a server, B's request arrives and A accepts "chat"; as a client,
/// A connects and B's response arrives.
fn handshake(e: &mut Enc, server: bool) {
    if server {
        deliver_all(e);
        e.int(0, 24, op::ACCEPT).int(0, 2, 1).bool(false);
    } else {
        e.int(0, 24, op::CONNECT);
        deliver_all(e);
    }
}

fn a_send(e: &mut Enc, p: Payload, fin: bool, kind: u64) {
    e.int(0, 24, op::SEND);
    payload(e, p);
    e.bool(fin).int(0, 2, kind);
}

fn a_message(e: &mut Enc, p: Payload, binary: bool) {
    e.int(0, 24, op::SEND_MESSAGE);
    payload(e, p);
    e.bool(binary);
}

fn b_message(e: &mut Enc, p: Payload, binary: bool) {
    e.int(0, 24, op::B);
    payload(e, p);
    e.int(0, 7, 0).bool(binary);
}

fn b_ping(e: &mut Enc, p: Payload) {
    e.int(0, 24, op::B);
    payload(e, p);
    e.int(0, 7, 4);
}

fn b_close(e: &mut Enc) {
    e.int(0, 24, op::B);
    payload(e, Payload::Bytes(b""));
    e.int(0, 7, 6).int(0, 3, 0);
}

fn a_close(e: &mut Enc, code: u64, reason: u64) {
    e.int(0, 24, op::CLOSE).int(0, 3, 2).int(3000, 4999, code).bool(reason > 0);
    if reason > 0 {
        e.int(0, 40, reason);
    }
}

fn connection_seeds() {
    let plain = Setup { server: true, bits: 0, limits: (0, 0), fragment: 0, ext: 0 };
    for (name, s) in [
        ("server_plain", Setup { ..plain }),
        ("server_deflate", Setup { ext: 1, ..plain }),
        ("client_deflate", Setup { server: false, ext: 1, ..plain }),
        ("server_bzip2", Setup { ext: 2, ..plain }),
        ("client_bzip2", Setup { server: false, ext: 2, ..plain }),
        ("server_both_fragmented", Setup { ext: 3, bits: 256, fragment: 40, ..plain }),
        ("client_both_frames", Setup { server: false, ext: 4, bits: 2, ..plain }),
    ] {
        let mut e = setup(&s);
        handshake(&mut e, s.server);
        b_message(&mut e, Payload::Hello(3), false);
        deliver_some(&mut e, 7, true);
        deliver_all(&mut e);
        a_message(&mut e, Payload::Hello(5), false);
        a_send(&mut e, Payload::Run(b'x', 500), false, 1);
        a_send(&mut e, Payload::Bytes(b"tail of a fragmented message"), true, 2);
        b_message(&mut e, Payload::Run(b'z', 3000), true);
        b_ping(&mut e, Payload::Bytes(b"ping?"));
        deliver_some(&mut e, 2, false);
        deliver_all(&mut e);
        e.int(0, 24, op::PING_PONG).int(0, 130, 4).bool(true);
        e.int(0, 24, op::SKIP);
        a_message(&mut e, Payload::Bytes(b"sent plain"), false);
        a_close(&mut e, 4000, 2);
        b_close(&mut e);
        deliver_all(&mut e);
        e.int(0, 24, op::EOF);
        write("connection", name, &e.0);
    }

    // Limits: B's big message fails A with 1009 (frame and message limits).
    let s = Setup { server: true, bits: 1, limits: (100, 200), fragment: 0, ext: 1 };
    let mut e = setup(&s);
    handshake(&mut e, true);
    b_message(&mut e, Payload::Hello(2), false);
    b_message(&mut e, Payload::Run(b'a', 10_000), false);
    deliver_all(&mut e);
    write("connection", "server_limits_1009", &e.0);

    // Holding a close frame behind events until resume.
    let s = Setup { server: false, bits: 128, limits: (0, 0), fragment: 0, ext: 0 };
    let mut e = setup(&s);
    handshake(&mut e, false);
    e.int(0, 24, op::TAKE);
    b_message(&mut e, Payload::Hello(1), false);
    b_close(&mut e);
    deliver_all(&mut e);
    e.int(0, 24, op::TAKE).int(0, 24, op::RESUME);
    deliver_all(&mut e);
    write("connection", "client_hold_close", &e.0);

    // A server refusing the upgrade.
    let mut e = setup(&plain);
    deliver_all(&mut e);
    e.int(0, 24, op::REJECT).int(300, 700, 403);
    deliver_all(&mut e);
    write("connection", "server_reject", &e.0);
}

// ----- deflate_decoder / bzip2_decoder -----

/// What both decoder targets read per message.
enum Msg<'a> {
    /// Plain text through the encoder, cut at these points.
    Encoded { binary: bool, plain: &'a [u8], skip: bool, cuts: &'a [u64] },
    /// A repeated run through the encoder, whole.
    Run { byte: u8, len: u64, max: u64 },
    /// Raw frames: (opcode choice 0..=9, RSV1, payload); 0 ping, 1 close, else data.
    Raw { binary: bool, frames: Vec<(u64, bool, Vec<u8>)> },
}

fn message(e: &mut Enc, m: &Msg) {
    match m {
        Msg::Encoded { binary, plain, skip, cuts } => {
            e.bool(*binary).bool(true).int(0, 2, 0).blob(65535, plain).bool(*skip);
            e.int(0, 3, cuts.len() as u64);
            for c in *cuts {
                e.int(0, plain.len() as u64, *c);
            }
        }
        Msg::Run { byte, len, max } => {
            e.bool(true).bool(true).int(0, 2, 1).int(0, 255, *byte as u64).int(0, *max, *len).bool(false).int(0, 3, 0);
        }
        Msg::Raw { binary, frames } => {
            e.bool(*binary).bool(false).int(1, 4, frames.len() as u64);
            for (op, rsv1, data) in frames {
                e.int(0, 9, *op).bool(*rsv1).blob(65535, data);
            }
        }
    }
}

fn limit(e: &mut Enc, max: u64) {
    match max {
        0 => e.int(0, 3, 0),
        1..=64 => e.int(0, 3, 1).int(0, 64, max),
        65..=4096 => e.int(0, 3, 2).int(0, 4096, max),
        _ => e.int(0, 3, 3).int(0, 1 << 20, max),
    };
}

/// One compressed message, as a peer in `role` sends it: (first frame RSV1, frame payloads).
fn encode(ext: &mut dyn Extension, plain: &[u8], pieces: usize) -> Vec<(bool, Vec<u8>)> {
    let size = plain.len().div_ceil(pieces).max(1);
    let chunks: Vec<&[u8]> = if plain.is_empty() { vec![&[][..]] } else { plain.chunks(size).collect() };
    let last = chunks.len() - 1;
    chunks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let op = if i == 0 { Opcode::Text } else { Opcode::Continuation };
            let f = ext.encode(Frame { fin: i == last, rsv: 0, opcode: op, data: c.to_vec() }).unwrap();
            (f.rsv & RSV1 != 0, f.data)
        })
        .collect()
}

fn raw_frames(encoded: Vec<(bool, Vec<u8>)>) -> Vec<(u64, bool, Vec<u8>)> {
    encoded.into_iter().map(|(rsv1, data)| (2, rsv1, data)).collect()
}

const TEXT: &[u8] = b"{\"id\":1,\"name\":\"wasmsocket\",\"tags\":[\"websocket\",\"deflate\",\"bzip2\"],\"id\":2,\"name\":\"wasmsocket\"}";

fn deflate_seeds() {
    let setup = |e: &mut Enc, nct: bool, bits: Option<u64>, role_server: bool, max: u64| {
        e.bool(nct).bool(nct).opt(bits, 8, 15).opt(bits, 8, 15).bool(role_server);
        e.int(0, 10, 6).int(1, 9, 8).int(0, 8, 0);
        limit(e, max);
    };
    // The receiver is a server: the sender a client, under the same agreement.
    let agreement = |nct: bool, bits: Option<u8>| Agreement {
        server_no_context_takeover: nct,
        client_no_context_takeover: nct,
        server_max_window_bits: bits,
        client_max_window_bits: bits,
    };
    for (name, nct, bits, max) in [("takeover", false, None, 0), ("no_takeover_w10", true, Some(10), 4000)] {
        let mut e = Enc::default();
        setup(&mut e, nct, bits.map(u64::from), true, max);
        let mut tx = PerMessageDeflate::new(Role::Client, agreement(nct, bits), 6, 0);
        // Raw frames the crate's encoder made: two messages (the second reuses the window).
        message(&mut e, &Msg::Raw { binary: false, frames: raw_frames(encode(&mut tx, TEXT, 1)) });
        message(&mut e, &Msg::Raw { binary: false, frames: raw_frames(encode(&mut tx, TEXT, 3)) });
        message(&mut e, &Msg::Raw { binary: false, frames: vec![(2, false, b"plain".to_vec()), (0, false, b"p".to_vec())] });
        message(&mut e, &Msg::Encoded { binary: false, plain: TEXT, skip: false, cuts: &[10, 40] });
        message(&mut e, &Msg::Run { byte: b'a', len: 100_000, max: 100_000 });
        write("deflate_decoder", name, &e.0);
    }
    // A bomb under a small limit: 1009.
    let mut e = Enc::default();
    setup(&mut e, false, None, false, 1000);
    let mut tx = PerMessageDeflate::new(Role::Server, agreement(false, None), 9, 0);
    let bomb = vec![0u8; 1 << 20];
    message(&mut e, &Msg::Raw { binary: true, frames: raw_frames(encode(&mut tx, &bomb, 1)) });
    write("deflate_decoder", "bomb_1009", &e.0);
    // Corrupt data and RSV1 on a continuation.
    let mut e = Enc::default();
    setup(&mut e, false, None, true, 0);
    message(&mut e, &Msg::Raw { binary: false, frames: vec![(2, true, b"\xff\xff\xff garbage".to_vec())] });
    write("deflate_decoder", "corrupt_1007", &e.0);
    let mut e = Enc::default();
    setup(&mut e, false, None, true, 0);
    let mut tx = PerMessageDeflate::new(Role::Client, agreement(false, None), 6, 0);
    let mut frames = raw_frames(encode(&mut tx, TEXT, 2));
    frames[1].1 = true;
    message(&mut e, &Msg::Raw { binary: false, frames });
    write("deflate_decoder", "rsv1_continuation_1002", &e.0);
}

fn bzip2_seeds() {
    let setup = |e: &mut Enc, caps: (Option<u64>, Option<u64>), role_server: bool, level: u64, small: bool, max: u64| {
        e.opt(caps.0, 1, 9).opt(caps.1, 1, 9).bool(role_server).int(1, 9, level).bool(small);
        limit(e, max);
    };
    let agreement = |caps: (Option<u8>, Option<u8>)| bzip2::Agreement {
        server_max_compress_level: caps.0,
        client_max_compress_level: caps.1,
    };
    for (name, caps, small, max) in [("uncapped", (None, None), false, 0), ("capped_small", (Some(2), Some(1)), true, 5000)] {
        let mut e = Enc::default();
        setup(&mut e, (caps.0.map(u64::from), caps.1.map(u64::from)), true, 9, small, max);
        let mut tx = PerMessageBzip2::new(Role::Client, agreement(caps), 9, false);
        message(&mut e, &Msg::Raw { binary: false, frames: raw_frames(encode(&mut tx, TEXT, 1)) });
        message(&mut e, &Msg::Raw { binary: true, frames: raw_frames(encode(&mut tx, &TEXT.repeat(20), 3)) });
        message(&mut e, &Msg::Encoded { binary: false, plain: TEXT, skip: false, cuts: &[5] });
        message(&mut e, &Msg::Run { byte: b'b', len: 10_000, max: 20_000 });
        write("bzip2_decoder", name, &e.0);
    }
    // A stream announcing level 9 to a receiver that agreed to 1: 1007 before any allocation.
    let mut e = Enc::default();
    setup(&mut e, (Some(1), Some(1)), false, 1, false, 0);
    let mut tx = PerMessageBzip2::new(Role::Server, agreement((None, None)), 9, false);
    let frames = raw_frames(encode(&mut tx, &vec![b'q'; 300_000], 1));
    message(&mut e, &Msg::Raw { binary: false, frames });
    write("bzip2_decoder", "level_above_cap_1007", &e.0);
    // A bomb under a small limit, and a truncated stream.
    let mut e = Enc::default();
    setup(&mut e, (None, None), true, 9, false, 100);
    let mut tx = PerMessageBzip2::new(Role::Client, agreement((None, None)), 9, false);
    let mut bomb = raw_frames(encode(&mut tx, &vec![0u8; 200_000], 1));
    message(&mut e, &Msg::Raw { binary: true, frames: bomb.clone() });
    write("bzip2_decoder", "bomb_1009", &e.0);
    let mut e = Enc::default();
    setup(&mut e, (None, None), true, 9, false, 0);
    let half = bomb[0].2.len() / 2;
    bomb[0].2.truncate(half);
    message(&mut e, &Msg::Raw { binary: true, frames: bomb });
    write("bzip2_decoder", "truncated_1007", &e.0);
}

// ----- extensions_header -----

fn extensions_header_seeds() {
    for (name, text) in [
        ("deflate_offer", "permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate"),
        ("deflate_response", "permessage-deflate; server_no_context_takeover; client_max_window_bits=\"12\""),
        ("bzip2_offer", "permessage-bzip2; client_max_compress_level, permessage-deflate"),
        ("two_lines", "x-webkit-deflate-frame\npermessage-deflate ;\tclient_no_context_takeover , , foo; bar=\"b\\az\""),
        ("bad_quoted", "a; b=\"x y\""),
        ("empty_elements", " ,a,, b ;c=d ,"),
    ] {
        write("extensions_header", name, text.as_bytes());
    }
}

// ----- handshake -----

const TCHARS: &[u8] = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const WORD: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-._~/?=&%:[]@";
const HOST: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-.";

/// The target's `field(u, true, alphabet, max)`: a length, then indexes into the alphabet.
fn nice(e: &mut Enc, alphabet: &[u8], max: u64, s: &str) {
    e.int(1, max, s.len() as u64);
    for b in s.bytes() {
        let i = alphabet.iter().position(|&a| a == b).unwrap();
        e.int(0, alphabet.len() as u64 - 1, i as u64);
    }
}

fn handshake_seeds() {
    // (name, resource, protocols, offers [(known name index or own name, params)], raw response)
    type Offer<'a> = (&'a str, &'a [(&'a str, Option<&'a str>)]);
    type Case<'a> = (&'a str, &'a str, &'a [&'a str], &'a [Offer<'a>], String);
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    let cases: [Case; 3] = [
        (
            "chat_deflate",
            "chat?room=1",
            &["chat", "superchat"],
            &[("permessage-deflate", &[("client_max_window_bits", None)]), ("permessage-bzip2", &[])],
            format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\nSec-WebSocket-Protocol: chat\r\n\r\n", accept_key(key)),
        ),
        ("plain", "", &[], &[], "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".into()),
        (
            "own_extension",
            "a/b",
            &["v1.proto"],
            &[("x-custom", &[("p", Some("1")), ("q", None)])],
            "HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\nsec-websocket-accept: nope\r\nSec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9\r\n\r\n".into(),
        ),
    ];
    for (name, resource, protocols, offers, raw) in cases {
        let mut e = Enc::default();
        e.bool(true); // nice fields
        nice(&mut e, HOST, 20, "example.com");
        e.bytes(&8080u16.to_le_bytes()).bool(false);
        e.bool(resource.is_empty());
        if !resource.is_empty() {
            nice(&mut e, WORD, 30, resource);
        }
        e.bool(true);
        nice(&mut e, WORD, 30, "http://example.com");
        e.int(0, 3, protocols.len() as u64);
        for p in protocols {
            nice(&mut e, TCHARS, 10, p);
        }
        e.int(0, 3, offers.len() as u64);
        for (ext, params) in offers {
            match ["permessage-deflate", "permessage-bzip2", "x-webkit-deflate-frame"].iter().position(|n| n == ext) {
                Some(i) => e.bool(true).int(0, 2, i as u64),
                None => {
                    e.bool(false);
                    nice(&mut e, TCHARS, 12, ext);
                    &mut e
                }
            };
            e.int(0, 3, params.len() as u64);
            for (p, v) in *params {
                nice(&mut e, TCHARS, 24, p);
                e.bool(v.is_some());
                if let Some(v) = v {
                    nice(&mut e, TCHARS, 4, v);
                }
            }
        }
        e.bool(false).bool(true);
        nice(&mut e, WORD, 20, "fuzz/1.0");
        e.bytes(&[0x11; 16]); // the key's random bytes
        // The server's picks: a subprotocol (if any offered), each offer.
        if !protocols.is_empty() {
            e.bool(false).int(0, protocols.len() as u64 - 1, 0);
        }
        for _ in offers.iter() {
            e.bool(true);
        }
        // Damaged copies of request and response: (position, byte, scanner max, chunk sizes).
        for _ in 0..2 {
            e.int(0, 60, 17).int(0, 255, b'\n' as u64).int(0, 300, 250);
            for _ in 0..8 {
                e.int(1, 64, 33);
            }
        }
        e.blob(4095, raw.as_bytes()).int(0, 100, 100);
        write("handshake", name, &e.0);
    }
}

#[test]
#[ignore = "writes fuzz/seeds/; run by hand"]
fn write_fuzz_seeds() {
    connection_seeds();
    deflate_seeds();
    bzip2_seeds();
    extensions_header_seeds();
    handshake_seeds();
}
