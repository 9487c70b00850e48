//! The whole `Connection` (either role, `A`) driven by a small op program decoded from the
//! input, talking to a second `Connection` of the other role (`B`, a tolerant peer that the
//! harness drives) through a byte pipe the program delivers in arbitrary chunks. Both start
//! with `Connection::new` and do the real opening handshake, with permessage-deflate and/or
//! permessage-bzip2 factories under fuzzed parameters (or none). The program interleaves
//! every API call: deliver N bytes to A (`receive_data` or `input_space`/`commit_input`),
//! inject raw bytes into A, connect/accept/reject/respond_http, send text/binary/
//! continuation/message/header-only/ping/pong/close, skip_next_message_transform,
//! tune_extension, fail, resume, take events, receive_eof, and B sending valid traffic.
//!
//! Invariants (beyond "never panics"):
//! - A's state never goes backwards; after `receive_eof` it is Closed;
//! - no event at all once A is Closed, no message/ping/pong/close event after A's Close event
//!   or after A failed; no output once A is Closing or Closed (bounded: nothing);
//! - a failure, a sent close and a received close carry a code allowed on the wire (1005 for
//!   an empty close); received messages respect the message limit and, when validated, UTF-8;
//! - everything A writes is acceptable to B: B never fails, and every message B receives is
//!   exactly what A sent (compression round trip); B never refuses A's handshake;
//! - while nothing raw was injected into A: A never refuses B's handshake, fails only with
//!   1007 (B may send invalid UTF-8) or 1009 (A's limits), and receives exactly B's messages.
#![no_main]

use std::collections::VecDeque;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use wasmsocket::extensions::bzip2::{Bzip2Config, ClientPerMessageBzip2Factory, ServerPerMessageBzip2Factory};
use wasmsocket::close::is_valid_wire_code;
use wasmsocket::extensions::compression_params::SendTune;
use wasmsocket::connection::Accept;
use wasmsocket::extensions::deflate::{ClientBits, ClientPerMessageDeflateFactory, DeflateConfig, ServerPerMessageDeflateFactory};
use wasmsocket::extensions::{ClientExtensionFactory, ServerExtensionFactory};
use wasmsocket::frame::Opcode;
use wasmsocket::handshake::client::ClientRequest;
use wasmsocket::{Config, Connection, Event, ProtocolError, Role, State};

/// A byte string whose length comes first (front-to-back decoding keeps seeds easy to write).
fn blob<'a>(u: &mut Unstructured<'a>, max: usize) -> Result<&'a [u8]> {
    let len = u.int_in_range(0..=max)?.min(u.len());
    u.bytes(len)
}

fn rank(s: State) -> u8 {
    match s {
        State::Connecting => 0,
        State::Open => 1,
        State::Closing => 2,
        State::Closed => 3,
    }
}

fn close_code_ok(code: u16) -> bool {
    code == 1005 || is_valid_wire_code(code)
}

#[derive(Clone, Copy, PartialEq)]
enum Ext {
    None,
    Deflate,
    Bzip2,
    DeflateThenBzip2,
    Bzip2ThenDeflate,
}

fn deflate_config(u: &mut Unstructured) -> Result<DeflateConfig> {
    Ok(DeflateConfig {
        server_no_context_takeover: u.arbitrary()?,
        client_no_context_takeover: u.arbitrary()?,
        server_max_window_bits: if u.arbitrary()? { Some(u.int_in_range(8..=15)?) } else { None },
        client_max_window_bits: match u.int_in_range(0..=2)? {
            0 => None,
            1 => Some(ClientBits::Any),
            _ => Some(ClientBits::Value(u.int_in_range(8..=15)?)),
        },
        level: u.int_in_range(0..=10)?,
        mem_level: u.int_in_range(1..=9)?,
        min_size: u.int_in_range(0..=4)?,
        // Declining an offer is the negotiation's business (src/extensions/deflate/params.rs
        // tests); kept off so the committed seeds read as before.
        require_client_max_window_bits: false,
    })
}

fn bzip2_config(u: &mut Unstructured) -> Result<Bzip2Config> {
    let cap = |u: &mut Unstructured| -> Result<Option<u8>> {
        Ok(if u.arbitrary()? { Some(u.int_in_range(1..=9)?) } else { None })
    };
    Ok(Bzip2Config {
        level: u.int_in_range(1..=9)?,
        server_max_compress_level: cap(u)?,
        client_max_compress_level: cap(u)?,
        accept_client_max_compress_level: u.arbitrary()?,
        small_decompress: u.arbitrary()?,
    })
}

fn order(ext: Ext) -> Vec<bool> {
    // true: deflate, false: bzip2
    match ext {
        Ext::None => vec![],
        Ext::Deflate => vec![true],
        Ext::Bzip2 => vec![false],
        Ext::DeflateThenBzip2 => vec![true, false],
        Ext::Bzip2ThenDeflate => vec![false, true],
    }
}

fn server_factories(ext: Ext, d: &DeflateConfig, b: &Bzip2Config) -> Vec<Box<dyn ServerExtensionFactory>> {
    let mut out: Vec<Box<dyn ServerExtensionFactory>> = Vec::new();
    for deflate in order(ext) {
        if deflate {
            if let Ok(f) = ServerPerMessageDeflateFactory::new(d.clone()) {
                out.push(Box::new(f));
            }
        } else if let Ok(f) = ServerPerMessageBzip2Factory::new(b.clone()) {
            out.push(Box::new(f));
        }
    }
    out
}

fn client_factories(ext: Ext, d: &DeflateConfig, b: &Bzip2Config) -> Vec<Box<dyn ClientExtensionFactory>> {
    let mut out: Vec<Box<dyn ClientExtensionFactory>> = Vec::new();
    for deflate in order(ext) {
        if deflate {
            if let Ok(f) = ClientPerMessageDeflateFactory::new(d.clone()) {
                out.push(Box::new(f));
            }
        } else if let Ok(f) = ClientPerMessageBzip2Factory::new(b.clone()) {
            out.push(Box::new(f));
        }
    }
    out
}

fn request() -> ClientRequest {
    ClientRequest {
        host: "example.com".into(),
        port: 8080,
        resource: "/chat?x=1".into(),
        protocols: vec!["chat".into(), "superchat".into()],
        ..Default::default()
    }
}

/// A payload: short arbitrary bytes, a long run (compressible, crosses limits), or text.
fn payload(u: &mut Unstructured) -> Result<Vec<u8>> {
    Ok(match u.int_in_range(0..=7)? {
        0 => vec![u.arbitrary::<u8>()?; u.int_in_range(0..=70_000)?],
        1 => "héllo wörld ".repeat(u.int_in_range(0..=40)?).into_bytes(),
        _ => blob(u, 300)?.to_vec(),
    })
}

/// A message being reassembled from its pieces (sent fragments or received frames).
#[derive(Default)]
struct Partial {
    msg: Option<(bool, Vec<u8>)>,
}

struct Harness {
    a: Connection,
    b: Connection,
    a_role: Role,
    max_message: u64,
    utf8: bool,
    /// Bytes B wrote that A has not been given yet.
    to_a: VecDeque<u8>,
    /// Complete messages A sent that B has not received yet, and A's fragmented one.
    a_sent: VecDeque<(bool, Vec<u8>)>,
    a_partial: Partial,
    b_sent: VecDeque<(bool, Vec<u8>)>,
    b_partial: Partial,
    /// A's received frames (deliver_frames) being reassembled.
    a_frames: Partial,
    /// Raw bytes were injected into A: B's stream to A is no longer what B wrote.
    tainted: bool,
    /// A refused B's handshake on purpose (reject, respond_http) or failed on request.
    a_refused: bool,
    a_failed_by_call: bool,
    a_eof: bool,
    /// A's Close event seen; A failed (events after it must not be data/control); A Closed.
    a_close_seen: bool,
    a_dead: bool,
    a_closed: bool,
    take_every_op: bool,
}

impl Harness {
    fn a_take_events(&mut self) {
        for event in self.a.take_events() {
            assert!(!self.a_closed, "event after Closed: {event:?}");
            let data_or_control =
                matches!(event, Event::Message { .. } | Event::Frame(_) | Event::Ping(_) | Event::Pong(_) | Event::Close(_));
            if data_or_control {
                assert!(!self.a_close_seen, "event after the Close event: {event:?}");
                assert!(!self.a_dead, "event after the failure: {event:?}");
            }
            match event {
                Event::Request(_) => assert_eq!(self.a_role, Role::Server),
                Event::HttpRequest(_) => assert!(self.tainted, "B's upgrade request read as plain HTTP"),
                Event::Rejected(e) => assert!(self.tainted, "A refused B's request: {e:?}"),
                Event::Open(_) => assert_eq!(self.a_role, Role::Client),
                Event::HandshakeFailed(e) => {
                    assert!(self.tainted || self.a_eof || self.a_failed_by_call, "A refused B's response: {e:?}")
                }
                Event::Message { is_binary, data } => {
                    if self.max_message > 0 {
                        assert!(data.len() as u64 <= self.max_message, "message over the limit");
                    }
                    if self.utf8 && !is_binary {
                        assert!(std::str::from_utf8(&data).is_ok(), "invalid UTF-8 delivered");
                    }
                    self.a_received(is_binary, data);
                }
                Event::Frame(frame) => {
                    let first = frame.opcode != Opcode::Continuation;
                    if first {
                        assert!(self.a_frames.msg.is_none(), "new message inside a message");
                        self.a_frames.msg = Some((frame.opcode == Opcode::Binary, Vec::new()));
                    }
                    let Some((_, buf)) = self.a_frames.msg.as_mut() else { panic!("continuation frame delivered alone") };
                    buf.extend_from_slice(&frame.data);
                    if frame.fin {
                        if let Some((is_binary, data)) = self.a_frames.msg.take() {
                            if self.max_message > 0 {
                                assert!(data.len() as u64 <= self.max_message, "message over the limit");
                            }
                            self.a_received(is_binary, data);
                        }
                    }
                }
                Event::Ping(data) | Event::Pong(data) => assert!(data.len() <= 125),
                Event::Close(frame) => {
                    assert!(close_code_ok(frame.code), "close code {}", frame.code);
                    self.a_close_seen = true;
                }
            }
        }
    }

    fn a_received(&mut self, is_binary: bool, data: Vec<u8>) {
        if self.tainted {
            return;
        }
        let Some((sent_binary, sent)) = self.b_sent.pop_front() else { panic!("A received a message B never sent") };
        assert_eq!(is_binary, sent_binary, "message type differs");
        assert!(data == sent, "A received {} bytes, B sent {} different ones", data.len(), sent.len());
    }

    fn b_events(&mut self) {
        loop {
            let events = self.b.take_events();
            if events.is_empty() {
                break;
            }
            for event in events {
                match event {
                    Event::Request(req) => {
                        let accept = Accept { subprotocol: req.protocols.first().cloned(), headers: Vec::new() };
                        if let Err(e) = self.b.accept(&accept) {
                            panic!("B could not accept A's request: {e}");
                        }
                    }
                    Event::HttpRequest(r) => panic!("B read A's request as plain HTTP: {r:?}"),
                    Event::Rejected(e) => panic!("B refused A's request: {e:?}"),
                    Event::HandshakeFailed(e) => assert!(self.a_refused || self.tainted, "B refused A's response: {e:?}"),
                    Event::Message { is_binary, data } => {
                        let Some((sent_binary, sent)) = self.a_sent.pop_front() else {
                            panic!("B received a message A never sent")
                        };
                        assert_eq!(is_binary, sent_binary, "message type differs");
                        assert!(data == sent, "B received {} bytes, A sent {} different ones", data.len(), sent.len());
                    }
                    Event::Close(frame) => assert!(close_code_ok(frame.code), "A sent close code {}", frame.code),
                    _ => {}
                }
            }
        }
        if let Some(err) = self.b.failure() {
            panic!("B failed on what A wrote: {err}");
        }
        self.to_a.extend(self.b.take_output());
    }

    /// After every op: moves A's output to B, checks A's state, lets B react.
    fn settle(&mut self, before: State, extra_wire: &[u8]) {
        let after = self.a.state();
        assert!(rank(after) >= rank(before), "state went back from {before:?} to {after:?}");
        let out = self.a.take_output();
        if matches!(before, State::Closing | State::Closed) {
            assert!(out.is_empty() && extra_wire.is_empty(), "{} bytes written in state {before:?}", out.len());
        }
        if let Some(err) = self.a.failure() {
            assert!(is_valid_wire_code(err.close_code()), "failure code {}", err.close_code());
            if !self.tainted && !self.a_failed_by_call {
                assert!(matches!(err.close_code(), 1007 | 1009), "A failed on B's valid traffic: {err}");
            }
        }
        if let Some(c) = self.a.close_sent() {
            assert!(close_code_ok(c.code), "sent close code {}", c.code);
        }
        if let Some(c) = self.a.close_received() {
            assert!(close_code_ok(c.code), "received close code {}", c.code);
            assert_ne!(after, State::Open);
        }
        if self.take_every_op || after == State::Closed || self.a.failure().is_some() {
            self.a_take_events();
        }
        if self.a.failure().is_some() {
            self.a_dead = true;
        }
        if after == State::Closed {
            self.a_closed = true;
        }
        self.b.receive_data(&out);
        self.b.receive_data(extra_wire);
        self.b_events();
    }

    fn deliver(&mut self, n: usize, in_place: bool, extra: usize) {
        let n = n.min(self.to_a.len());
        let bytes: Vec<u8> = self.to_a.drain(..n).collect();
        if in_place {
            let space = self.a.input_space(n + extra);
            space[..n].copy_from_slice(&bytes);
            self.a.commit_input(n);
        } else {
            self.a.receive_data(&bytes);
        }
    }
}

fn record(partial: &mut Partial, done: &mut VecDeque<(bool, Vec<u8>)>, first: Option<bool>, data: &[u8], fin: bool) {
    match first {
        Some(is_binary) => partial.msg = Some((is_binary, data.to_vec())),
        None => {
            if let Some((_, buf)) = partial.msg.as_mut() {
                buf.extend_from_slice(data);
            }
        }
    }
    if fin {
        if let Some(m) = partial.msg.take() {
            done.push_back(m);
        }
    }
}

fn run(u: &mut Unstructured) -> Result<()> {
    let a_role = if u.arbitrary()? { Role::Server } else { Role::Client };
    let b_role = if a_role == Role::Server { Role::Client } else { Role::Server };
    let bits: u16 = u.arbitrary()?;
    let mut config = Config::default();
    if bits & 1 != 0 {
        config.max_frame_payload_size = u.int_in_range(0..=200)?;
        config.max_message_payload_size = u.int_in_range(0..=300)?;
    }
    if bits & 2 != 0 {
        config.deliver_frames = true;
    }
    if bits & 4 != 0 {
        config.require_masked_client_frames = false;
        config.mask_client_frames = false;
    }
    if bits & 8 != 0 {
        config.utf8_validate_incoming = false;
    }
    if bits & 16 != 0 {
        config.auto_pong = false;
    }
    if bits & 32 != 0 {
        config.echo_close_code_reason = true;
    }
    if bits & 64 != 0 {
        config.fail_by_drop = true;
    }
    if bits & 128 != 0 {
        config.hold_close_behind_events = true;
    }
    if bits & 256 != 0 {
        config.auto_fragment_size = u.int_in_range(1..=100)?;
    }
    if bits & 512 != 0 {
        config.mask_server_frames = true;
    }
    if bits & 1024 != 0 {
        config.max_frame_payload_size = 0;
        config.max_message_payload_size = 0;
    }
    // B: tolerant of everything A may legitimately write.
    let b_config = Config {
        max_frame_payload_size: 0,
        max_message_payload_size: 0,
        utf8_validate_incoming: false,
        require_masked_client_frames: false,
        accept_masked_server_frames: true,
        auto_fragment_size: if u.arbitrary()? { u.int_in_range(1..=64)? } else { 0 },
        ..Config::default()
    };
    let ext = match u.int_in_range(0..=4)? {
        0 => Ext::None,
        1 => Ext::Deflate,
        2 => Ext::Bzip2,
        3 => Ext::DeflateThenBzip2,
        _ => Ext::Bzip2ThenDeflate,
    };
    let (a_deflate, a_bzip2) = (deflate_config(u)?, bzip2_config(u)?);
    let (b_deflate, b_bzip2) = (deflate_config(u)?, bzip2_config(u)?);
    let b_ext = if u.arbitrary()? { ext } else { Ext::DeflateThenBzip2 };

    let mut a = Connection::new(a_role, config.clone(), u.arbitrary()?);
    let mut b = Connection::new(b_role, b_config, [7; 32]);
    match a_role {
        Role::Server => {
            a.set_server_extensions(server_factories(ext, &a_deflate, &a_bzip2));
            b.set_client_extensions(client_factories(b_ext, &b_deflate, &b_bzip2));
        }
        Role::Client => {
            a.set_client_extensions(client_factories(ext, &a_deflate, &a_bzip2));
            b.set_server_extensions(server_factories(b_ext, &b_deflate, &b_bzip2));
        }
    }
    let mut h = Harness {
        a,
        b,
        a_role,
        max_message: config.max_message_payload_size,
        utf8: config.utf8_validate_incoming,
        to_a: VecDeque::new(),
        a_sent: VecDeque::new(),
        a_partial: Partial::default(),
        b_sent: VecDeque::new(),
        b_partial: Partial::default(),
        a_frames: Partial::default(),
        tainted: false,
        a_refused: false,
        a_failed_by_call: false,
        a_eof: false,
        a_close_seen: false,
        a_dead: false,
        a_closed: false,
        take_every_op: !config.hold_close_behind_events,
    };
    if b_role == Role::Client {
        assert!(h.b.connect(&request()).is_ok());
        h.to_a.extend(h.b.take_output());
    }

    let mut traced_extensions = false;
    for _ in 0..64 {
        if u.is_empty() {
            break;
        }
        let before = h.a.state();
        let mut extra_wire = Vec::new();
        let op: u8 = u.int_in_range(0..=24)?;
        if trace() {
            eprintln!("op {op:2}: A {:?}", h.a.state());
            if before == State::Open && !traced_extensions {
                traced_extensions = true;
                eprintln!("  A negotiated {:?}", h.a.extensions());
            }
        }
        match op {
            // Deliver B's bytes in chunks (most common).
            0..=5 => {
                let n = match u.int_in_range(0..=2)? {
                    0 => usize::MAX,
                    1 => u.int_in_range(0..=8)?,
                    _ => u.int_in_range(0..=4096)?,
                };
                let in_place = u.arbitrary()?;
                let extra = u.int_in_range(0..=16)?;
                h.deliver(n, in_place, extra);
            }
            6 => {
                let raw = blob(u, 1023)?;
                if !raw.is_empty() {
                    h.tainted = true;
                }
                // Raw bytes go in front of whatever B wrote next.
                h.a.receive_data(raw);
            }
            7 => {
                let _ = h.a.connect(&request());
            }
            8 => {
                let subprotocol = match u.int_in_range(0..=2)? {
                    0 => None,
                    1 => Some("chat".to_string()),
                    _ => Some("nope".to_string()),
                };
                let headers = if u.arbitrary()? { vec![("X-Test".to_string(), "1".to_string())] } else { Vec::new() };
                let _ = h.a.accept(&Accept { subprotocol, headers });
            }
            9 => {
                let status = u.int_in_range(300..=700)?;
                if h.a.reject(status, "no", &[]).is_ok() {
                    h.a_refused = true;
                }
            }
            10 => {
                let status = u.int_in_range(100..=600)?;
                if h.a.respond_http(status, &[], b"page").is_ok() {
                    h.a_refused = true;
                }
            }
            11 | 12 => {
                let data = payload(u)?;
                let fin = u.arbitrary()?;
                let (result, first) = match u.int_in_range(0..=2)? {
                    0 => (h.a.send_text(&data, fin), Some(false)),
                    1 => (h.a.send_binary(&data, fin), Some(true)),
                    _ => (h.a.send_continuation(&data, fin), None),
                };
                if result.is_ok() {
                    record(&mut h.a_partial, &mut h.a_sent, first, &data, fin);
                }
            }
            13 => {
                let data = payload(u)?;
                let is_binary = u.arbitrary()?;
                if trace() {
                    eprintln!("  send_message binary={is_binary} {} bytes", data.len());
                }
                if h.a.send_message(is_binary, &data).is_ok() {
                    record(&mut h.a_partial, &mut h.a_sent, Some(is_binary), &data, true);
                }
            }
            14 => {
                let data = payload(u)?;
                let fin = u.arbitrary()?;
                let opcode = *u.choose(&[Opcode::Text, Opcode::Binary, Opcode::Continuation, Opcode::Ping])?;
                if h.a.send_header_only(opcode, fin, data.len() as u64).is_ok() {
                    extra_wire = data.clone();
                    let first = (opcode != Opcode::Continuation).then_some(opcode == Opcode::Binary);
                    record(&mut h.a_partial, &mut h.a_sent, first, &data, fin);
                }
            }
            15 => {
                let len = u.int_in_range(0..=130)?;
                let data = vec![0x61; len];
                let _ = if u.arbitrary()? { h.a.send_ping(&data) } else { h.a.send_pong(&data) };
            }
            16 => {
                let code = match u.int_in_range(0..=3)? {
                    0 => None,
                    1 => Some(1000),
                    2 => Some(u.int_in_range(3000..=4999)?),
                    _ => Some(u.arbitrary()?),
                };
                let reason = if u.arbitrary()? { "bye ".repeat(u.int_in_range(0..=40)?) } else { String::new() };
                let _ = h.a.send_close(code, &reason);
            }
            17 => h.a.skip_next_message_transform(),
            18 => {
                let tune = if u.arbitrary()? {
                    SendTune::Deflate {
                        no_context_takeover: u.arbitrary()?,
                        window_bits: u.int_in_range(8..=15)?,
                        mem_level: if u.arbitrary()? { Some(u.int_in_range(1..=9)?) } else { None },
                        // A per-extension limit would make A refuse what B may send; the
                        // connection's own limit is fuzzed already.
                        max_message_size: None,
                    }
                } else {
                    SendTune::Bzip2 { level: u.int_in_range(1..=9)?, max_message_size: None }
                };
                let name = if matches!(tune, SendTune::Deflate { .. }) { "permessage-deflate" } else { "permessage-bzip2" };
                let result = h.a.tune_extension(name, &tune);
                if trace() {
                    eprintln!("  tune {tune:?}: {result:?}");
                }
            }
            19 => {
                // The I/O layer fails a connection (a trap, a timeout) only once it is open.
                if matches!(h.a.state(), State::Open | State::Closing) {
                    let err = match u.int_in_range(0..=2)? {
                        0 => ProtocolError::internal("fuzz"),
                        1 => ProtocolError::protocol("fuzz"),
                        _ => ProtocolError::from_close_code(1001, "going away"),
                    };
                    h.a_failed_by_call = true;
                    h.a.fail(err);
                }
            }
            20 => h.a.resume(),
            21 => h.a_take_events(),
            22 => {
                h.a_eof = true;
                h.a.receive_eof();
                assert_eq!(h.a.state(), State::Closed);
                assert!(!h.a.close_expected());
            }
            // B sends valid traffic.
            _ => {
                let data = payload(u)?;
                match u.int_in_range(0..=7)? {
                    0 | 1 => {
                        let is_binary = u.arbitrary()?;
                        if h.b.send_message(is_binary, &data).is_ok() {
                            record(&mut h.b_partial, &mut h.b_sent, Some(is_binary), &data, true);
                        }
                    }
                    2 => {
                        let fin = u.arbitrary()?;
                        let is_binary = u.arbitrary()?;
                        let r = if is_binary { h.b.send_binary(&data, fin) } else { h.b.send_text(&data, fin) };
                        if r.is_ok() {
                            record(&mut h.b_partial, &mut h.b_sent, Some(is_binary), &data, fin);
                        }
                    }
                    3 => {
                        let fin = u.arbitrary()?;
                        if h.b.send_continuation(&data, fin).is_ok() {
                            record(&mut h.b_partial, &mut h.b_sent, None, &data, fin);
                        }
                    }
                    4 => {
                        let _ = h.b.send_ping(data.get(..data.len().min(125)).unwrap_or_default());
                    }
                    5 => {
                        let _ = h.b.send_pong(data.get(..data.len().min(20)).unwrap_or_default());
                    }
                    6 => {
                        let _ = h.b.send_close(Some(*u.choose(&[1000, 1001, 3000, 4999])?), "done");
                    }
                    _ => h.b.skip_next_message_transform(),
                }
                h.to_a.extend(h.b.take_output());
            }
        }
        h.settle(before, &extra_wire);
    }
    // The end: everything left arrives, then the transport closes.
    let before = h.a.state();
    h.deliver(usize::MAX, false, 0);
    h.settle(before, &[]);
    let before = h.a.state();
    h.a_eof = true;
    h.a.receive_eof();
    assert_eq!(h.a.state(), State::Closed);
    h.settle(before, &[]);
    h.a_take_events();
    if trace() {
        eprintln!(
            "A {:?}: extensions {:?}, failure {:?}, close sent {:?} received {:?}; B {:?}, extensions {:?}; unreceived: by B {}, by A {}; tainted {}",
            h.a_role,
            h.a.extensions().iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            h.a.failure(),
            h.a.close_sent().map(|c| c.code),
            h.a.close_received().map(|c| c.code),
            h.b.state(),
            h.b.extensions().iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            h.a_sent.len(),
            h.b_sent.len(),
            h.tainted,
        );
    }
    Ok(())
}

/// FUZZ_TRACE=1: one line per input on how far the program got (to check seeds).
fn trace() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("FUZZ_TRACE").is_some())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
