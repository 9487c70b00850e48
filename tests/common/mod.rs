//! Helpers shared by the connection test files: frame builders, connection builders, an output
//! decoder, failure assertions and a tiny seeded RNG; the submodules hold what the compression
//! tests share (sample data, a counting allocator, the python harness). Each test file uses a
//! different subset.
#![allow(dead_code)]

pub mod compressed_exchange;
pub mod counting_alloc;
pub mod deflate_agreement;
pub mod deflate_scan;
pub mod fragmented;
pub mod json_feed;
pub mod json_like;
pub mod python;

use wasmsocket::config::{Config, Role};
use wasmsocket::connection::{Connection, Event, State};
use wasmsocket::extensions::ExtensionChain;
use wasmsocket::frame::{self, HeaderParse};
use wasmsocket::mask;

pub const SEED: [u8; 32] = [7; 32];
/// The mask key test clients put on their frames.
pub const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

pub const CONT: u8 = 0x0;
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

/// One frame on the wire: header from `frame::write_header`, payload masked with `mask`.
pub fn frame_bytes(fin: bool, rsv: u8, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(14 + payload.len());
    frame::write_header(&mut out, fin, rsv, opcode, mask, payload.len() as u64);
    let start = out.len();
    out.extend_from_slice(payload);
    if let Some(key) = mask {
        mask::apply_mask(&mut out[start..], key, 0);
    }
    out
}

/// A frame as a client sends it (masked with `KEY`).
pub fn cframe(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    frame_bytes(fin, 0, opcode, Some(KEY), payload)
}

/// A frame as a server sends it (unmasked).
pub fn sframe(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    frame_bytes(fin, 0, opcode, None, payload)
}

/// A frame as the peer of a connection in `role` sends it: masked towards a server.
pub fn peer_frame(role: Role, fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    match role {
        Role::Server => cframe(fin, opcode, payload),
        Role::Client => sframe(fin, opcode, payload),
    }
}

/// Same with RSV bits.
pub fn peer_frame_rsv(role: Role, fin: bool, rsv: u8, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = (role == Role::Server).then_some(KEY);
    frame_bytes(fin, rsv, opcode, mask, payload)
}

/// A close payload: code then reason bytes.
pub fn close_payload(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason);
    p
}

pub fn open(role: Role, config: Config) -> Connection {
    Connection::new_open(role, config, SEED, ExtensionChain::default())
}
pub fn server() -> Connection {
    open(Role::Server, Config::default())
}
pub fn client() -> Connection {
    open(Role::Client, Config::default())
}
pub fn server_with(f: impl FnOnce(&mut Config)) -> Connection {
    let mut c = Config::default();
    f(&mut c);
    open(Role::Server, c)
}
pub fn client_with(f: impl FnOnce(&mut Config)) -> Connection {
    let mut c = Config::default();
    f(&mut c);
    open(Role::Client, c)
}
pub fn conn_with(role: Role, f: impl FnOnce(&mut Config)) -> Connection {
    let mut c = Config::default();
    f(&mut c);
    open(role, c)
}

pub const ROLES: [Role; 2] = [Role::Server, Role::Client];

/// Feeds `bytes` in one chunk and returns the events it produced.
pub fn feed(conn: &mut Connection, bytes: &[u8]) -> Vec<Event> {
    conn.receive_data(bytes);
    conn.take_events()
}

pub fn text(s: &str) -> Event {
    Event::Message { is_binary: false, data: s.as_bytes().to_vec() }
}
pub fn binary(b: &[u8]) -> Event {
    Event::Message { is_binary: true, data: b.to_vec() }
}

/// A frame decoded from a connection's output, payload unmasked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wire {
    pub fin: bool,
    pub rsv: u8,
    pub opcode: u8,
    pub mask: Option<[u8; 4]>,
    pub payload: Vec<u8>,
}

impl Wire {
    /// Close code and reason, for a close frame with a code.
    pub fn close(&self) -> Option<(u16, String)> {
        (self.opcode == CLOSE && self.payload.len() >= 2).then(|| {
            (
                u16::from_be_bytes([self.payload[0], self.payload[1]]),
                String::from_utf8(self.payload[2..].to_vec()).expect("close reason we sent is UTF-8"),
            )
        })
    }
}

/// Splits `bytes` into frames (panics on a partial frame: our output is always whole frames).
pub fn decode_frames(mut bytes: &[u8]) -> Vec<Wire> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let (h, hl) = match frame::parse_header(bytes) {
            HeaderParse::Complete { header, header_len } => (header, header_len),
            other => panic!("bad frame in output: {other:?}"),
        };
        let end = hl + h.payload_len as usize;
        assert!(end <= bytes.len(), "truncated frame in output");
        let mut payload = bytes[hl..end].to_vec();
        if let Some(key) = h.mask {
            mask::apply_mask(&mut payload, key, 0);
        }
        frames.push(Wire { fin: h.fin, rsv: h.rsv, opcode: h.opcode, mask: h.mask, payload });
        bytes = &bytes[end..];
    }
    frames
}

/// Takes and decodes a connection's output.
pub fn out_frames(conn: &mut Connection) -> Vec<Wire> {
    decode_frames(&conn.take_output())
}

/// Asserts that `conn` failed with `code`: a close frame with that code is the last thing in
/// its output, `failure()` holds it, the state is Closing, a server asks to close the
/// transport, and later input is ignored.
pub fn assert_failed(conn: &mut Connection, code: u16, ctx: &str) {
    let failure = conn.failure().unwrap_or_else(|| panic!("{ctx}: connection did not fail"));
    assert_eq!(failure.close_code(), code, "{ctx}: failure {failure:?}");
    assert_eq!(conn.state(), State::Closing, "{ctx}");
    let frames = out_frames(conn);
    let last = frames.last().unwrap_or_else(|| panic!("{ctx}: no close frame sent"));
    assert_eq!(last.close().map(|c| c.0), Some(code), "{ctx}: last output frame {last:?}");
    assert_eq!(conn.should_close_transport(), conn.role() == Role::Server, "{ctx}");
    assert!(conn.close_expected(), "{ctx}");
    assert!(!conn.was_clean(), "{ctx}");
    assert_ignores_input(conn, ctx);
}

/// Asserts that a valid frame (and a ping) fed now produce no event and no output.
pub fn assert_ignores_input(conn: &mut Connection, ctx: &str) {
    conn.take_events();
    conn.clear_output();
    let role = conn.role();
    let mut more = peer_frame(role, true, TEXT, b"after");
    more.extend(peer_frame(role, true, PING, b"p"));
    conn.receive_data(&more);
    assert_eq!(conn.take_events(), vec![], "{ctx}: input after the end was processed");
    assert!(conn.output().is_empty(), "{ctx}: output after the end");
}

/// xorshift64*: a tiny deterministic RNG for chunkings and mutations (same on every target).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform-ish in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// Feeds `bytes` in chunks of the given sizes (cycled; a 0 means "feed nothing this time"),
/// collecting all events and output.
pub fn feed_chunked(conn: &mut Connection, bytes: &[u8], sizes: &mut dyn FnMut() -> usize) -> (Vec<Event>, Vec<u8>) {
    let mut events = Vec::new();
    let mut output = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let n = sizes().min(bytes.len() - pos);
        conn.receive_data(&bytes[pos..pos + n]);
        pos += n;
        events.extend(conn.take_events());
        output.extend(conn.take_output());
    }
    (events, output)
}

/// A scripted stream from the peer of `role`: text (with multi-byte characters split across
/// fragments), binary, a fragmented message with pings and pongs in between, an empty
/// message, 20 fragments, a 125-byte ping, a 126-byte text, and a close frame last.
/// `big` is the length of one large binary message in the middle.
pub fn scripted_stream(role: Role, big: usize) -> Vec<u8> {
    let f = |fin, op, p: &[u8]| peer_frame(role, fin, op, p);
    let mut rng = Rng::new(99);
    let mut s = Vec::new();
    s.extend(f(true, TEXT, "Hello, κόσμε".as_bytes()));
    s.extend(f(true, BINARY, &rng.bytes(300)));
    s.extend(f(false, TEXT, &"split €".as_bytes()[..8])); // cut inside the €
    s.extend(f(true, PING, b"mid-message"));
    s.extend(f(false, CONT, &"split €".as_bytes()[8..]));
    s.extend(f(true, CONT, b" end"));
    s.extend(f(true, PONG, b""));
    s.extend(f(true, BINARY, &rng.bytes(big)));
    s.extend(f(true, TEXT, b""));
    for i in 0..20u8 {
        s.extend(f(i == 19, if i == 0 { BINARY } else { CONT }, &rng.bytes(i as usize * 13)));
    }
    s.extend(f(true, PING, &rng.bytes(125)));
    s.extend(f(true, TEXT, &b"x".repeat(126)));
    s.extend(f(true, CLOSE, &close_payload(1000, "done ✓".as_bytes())));
    s
}
