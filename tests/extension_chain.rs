//! Extensions through `Connection`: chain order, RSV ownership, the size budget given to
//! decoders, extension errors, UTF-8 after decoding, and the negotiation functions.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use wasmsocket::config::{Config, Role};
use wasmsocket::connection::{Connection, Event, SendError};
use wasmsocket::error::ProtocolError;
use wasmsocket::extensions::{
    client_offers, negotiate_client, negotiate_server, ClientExtensionFactory, Extension, ExtensionChain,
    NegotiationError, ServerExtensionFactory,
};
use wasmsocket::frame::{Frame, Opcode, RSV1, RSV2, RSV3};
use wasmsocket::handshake::{ExtensionOffer, ExtensionParam};

type Log = Rc<RefCell<Vec<String>>>;

fn new_log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}

fn take(log: &Log) -> Vec<String> {
    core::mem::take(&mut *log.borrow_mut())
}

/// XORs byte i with 0x55 ^ i: position-dependent, so it does not commute with reversing.
fn xor_pos(data: &mut [u8]) {
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= 0x55 ^ (i as u8);
    }
}

/// "x-test-xor": owns RSV2; XORs data frames on encode and sets RSV2; undoes frames with RSV2.
struct Xor(Log);
impl Extension for Xor {
    fn name(&self) -> &str {
        "x-test-xor"
    }
    fn rsv_bits(&self) -> u8 {
        RSV2
    }
    fn encode(&mut self, mut frame: Frame) -> Result<Frame, ProtocolError> {
        self.0.borrow_mut().push(format!("xor.encode {:?}", frame.opcode));
        if !frame.opcode.is_control() {
            xor_pos(&mut frame.data);
            frame.rsv |= RSV2;
        }
        Ok(frame)
    }
    fn decode(&mut self, mut frame: Frame, max_size: Option<u64>) -> Result<Frame, ProtocolError> {
        self.0.borrow_mut().push(format!("xor.decode {:?} {max_size:?}", frame.opcode));
        if frame.rsv & RSV2 != 0 {
            xor_pos(&mut frame.data);
            frame.rsv &= !RSV2;
        }
        Ok(frame)
    }
}

/// "x-test-reverse": owns RSV3; reverses data frames on encode and sets RSV3; undoes frames with RSV3.
struct Reverse(Log);
impl Extension for Reverse {
    fn name(&self) -> &str {
        "x-test-reverse"
    }
    fn rsv_bits(&self) -> u8 {
        RSV3
    }
    fn encode(&mut self, mut frame: Frame) -> Result<Frame, ProtocolError> {
        self.0.borrow_mut().push(format!("reverse.encode {:?}", frame.opcode));
        if !frame.opcode.is_control() {
            frame.data.reverse();
            frame.rsv |= RSV3;
        }
        Ok(frame)
    }
    fn decode(&mut self, mut frame: Frame, max_size: Option<u64>) -> Result<Frame, ProtocolError> {
        self.0.borrow_mut().push(format!("reverse.decode {:?} {max_size:?}", frame.opcode));
        if frame.rsv & RSV3 != 0 {
            frame.data.reverse();
            frame.rsv &= !RSV3;
        }
        Ok(frame)
    }
}

/// A configurable decoder: records `max_size`, expands or shrinks data frames, or fails.
struct Probe {
    log: Log,
    /// Output bytes per input byte: 2 doubles, 0 halves (keeps every second byte), 1 keeps.
    factor: u8,
    fail_decode: Option<ProtocolError>,
    fail_encode: Option<ProtocolError>,
}
impl Probe {
    fn new(log: &Log, factor: u8) -> Probe {
        Probe { log: log.clone(), factor, fail_decode: None, fail_encode: None }
    }
}
impl Extension for Probe {
    fn name(&self) -> &str {
        "x-test-probe"
    }
    fn rsv_bits(&self) -> u8 {
        0
    }
    fn encode(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        match &self.fail_encode {
            Some(e) if !frame.opcode.is_control() => Err(e.clone()),
            _ => Ok(frame),
        }
    }
    fn decode(&mut self, mut frame: Frame, max_size: Option<u64>) -> Result<Frame, ProtocolError> {
        self.log.borrow_mut().push(format!("{:?} {max_size:?}", frame.opcode));
        if let Some(e) = &self.fail_decode {
            return Err(e.clone());
        }
        if !frame.opcode.is_control() {
            frame.data = match self.factor {
                0 => frame.data.iter().step_by(2).copied().collect(),
                2 => frame.data.iter().flat_map(|b| [*b, *b]).collect(),
                _ => frame.data,
            };
        }
        Ok(frame)
    }
}

fn chain(exts: Vec<Box<dyn Extension>>) -> ExtensionChain {
    ExtensionChain::new(exts)
}

fn with_chain(role: Role, config: Config, exts: Vec<Box<dyn Extension>>) -> Connection {
    Connection::new_open(role, config, SEED, chain(exts))
}

fn xor_rev(log: &Log) -> Vec<Box<dyn Extension>> {
    vec![Box::new(Xor(log.clone())), Box::new(Reverse(log.clone()))]
}

// ----- chain order -----

#[test]
fn encode_runs_in_negotiation_order() {
    for role in ROLES {
        let log = new_log();
        let mut conn = with_chain(role, Config::default(), xor_rev(&log));
        conn.send_text(b"hello world", true).unwrap();
        let out = out_frames(&mut conn);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rsv, RSV2 | RSV3);
        // xor first, then reverse.
        let mut want = b"hello world".to_vec();
        xor_pos(&mut want);
        want.reverse();
        assert_eq!(out[0].payload, want, "{role:?}");
        let mut other = b"hello world".to_vec();
        other.reverse();
        xor_pos(&mut other);
        assert_ne!(want, other, "the transforms must not commute for this test to mean anything");
        assert_eq!(take(&log), vec!["xor.encode Text", "reverse.encode Text"]);
        // Control frames go through the chain too (both extensions leave them alone).
        conn.send_ping(b"p").unwrap();
        assert_eq!(take(&log), vec!["xor.encode Ping", "reverse.encode Ping"]);
        let out = out_frames(&mut conn);
        assert_eq!((out[0].rsv, out[0].payload.as_slice()), (0, &b"p"[..]));
    }
}

#[test]
fn decode_runs_in_reverse_order() {
    for role in ROLES {
        let log = new_log();
        let mut conn = with_chain(role, Config::default(), xor_rev(&log));
        // The peer encoded xor then reverse; we must undo reverse then xor.
        let mut wire = b"hello world".to_vec();
        xor_pos(&mut wire);
        wire.reverse();
        let events = feed(&mut conn, &peer_frame_rsv(role, true, RSV2 | RSV3, BINARY, &wire));
        assert_eq!(events, vec![binary(b"hello world")], "{role:?}");
        assert_eq!(take(&log), vec!["reverse.decode Binary Some(16777216)", "xor.decode Binary Some(16777216)"]);
        // Encoded in the wrong order, it decodes to something else.
        let mut wrong = b"hello world".to_vec();
        wrong.reverse();
        xor_pos(&mut wrong);
        let events = feed(&mut conn, &peer_frame_rsv(role, true, RSV2 | RSV3, BINARY, &wrong));
        assert_ne!(events, vec![binary(b"hello world")]);
    }
}

#[test]
fn client_to_server_roundtrip_through_both_chains() {
    for order in [false, true] {
        let (lc, ls) = (new_log(), new_log());
        let mut exts_c = xor_rev(&lc);
        let mut exts_s = xor_rev(&ls);
        if order {
            exts_c.reverse();
            exts_s.reverse();
        }
        let mut client = with_chain(Role::Client, Config { auto_fragment_size: 7, ..Config::default() }, exts_c);
        let mut server = with_chain(Role::Server, Config::default(), exts_s);
        client.send_message(false, "fragmented κόσμε text".as_bytes()).unwrap();
        client.send_message(true, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).unwrap();
        client.send_ping(b"ping").unwrap();
        let events = feed(&mut server, &client.take_output());
        assert_eq!(
            events,
            vec![text("fragmented κόσμε text"), binary(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), Event::Ping(b"ping".to_vec())]
        );
        // And back: the server's pong and a message.
        server.send_text(b"reply", true).unwrap();
        let events = feed(&mut client, &server.take_output());
        assert_eq!(events, vec![Event::Pong(b"ping".to_vec()), text("reply")]);
    }
}

// ----- RSV ownership -----

#[test]
fn rsv_bits_owned_by_a_negotiated_extension() {
    for role in ROLES {
        for (only_xor, rsv, accepted) in [
            (true, RSV2, true),
            (true, RSV1, false),
            (true, RSV3, false),
            (true, RSV2 | RSV3, false),
            (true, RSV1 | RSV2, false),
            (false, RSV2, true),
            (false, RSV3, true),
            (false, RSV2 | RSV3, true),
            (false, RSV1, false),
            (false, RSV1 | RSV2 | RSV3, false),
        ] {
            let ctx = format!("{role:?} only_xor {only_xor} rsv {rsv}");
            let log = new_log();
            let mut exts = xor_rev(&log);
            if only_xor {
                exts.pop();
            }
            let mut conn = with_chain(role, Config::default(), exts);
            // Build the payload so that whatever the owned bits undo yields "data".
            let mut wire = b"data".to_vec();
            if rsv & RSV2 != 0 {
                xor_pos(&mut wire);
            }
            if rsv & RSV3 != 0 {
                wire.reverse();
            }
            let events = feed(&mut conn, &peer_frame_rsv(role, true, rsv, BINARY, &wire));
            if accepted {
                assert_eq!(events, vec![binary(b"data")], "{ctx}");
                assert_eq!(conn.failure(), None, "{ctx}");
            } else {
                assert_eq!(events, vec![], "{ctx}");
                assert_failed(&mut conn, 1002, &ctx);
                let decoded: Vec<String> = take(&log).into_iter().filter(|l| l.contains("decode")).collect();
                assert!(decoded.is_empty(), "{ctx}: no decode for a refused header: {decoded:?}");
            }
        }
    }
}

// ----- the size budget -----

#[test]
fn decode_gets_the_remaining_message_budget() {
    for role in ROLES {
        for deliver_frames in [false, true] {
            for (limit, want) in [
                (
                    100u64,
                    vec![
                        "Binary Some(100)",
                        "Ping None",
                        "Continuation Some(70)",
                        "Continuation Some(40)",
                        "Text Some(100)",
                    ],
                ),
                (0, vec!["Binary None", "Ping None", "Continuation None", "Continuation None", "Text None"]),
            ] {
                let log = new_log();
                let config = Config { max_message_payload_size: limit, deliver_frames, ..Config::default() };
                let mut conn = with_chain(role, config, vec![Box::new(Probe::new(&log, 1))]);
                let mut bytes = peer_frame(role, false, BINARY, &[1; 30]);
                bytes.extend(peer_frame(role, true, PING, b""));
                bytes.extend(peer_frame(role, false, CONT, &[2; 30]));
                bytes.extend(peer_frame(role, true, CONT, &[3; 30]));
                bytes.extend(peer_frame(role, true, TEXT, b"0123456789"));
                let events = feed(&mut conn, &bytes);
                assert_eq!(conn.failure(), None);
                assert_eq!(take(&log), want, "{role:?} limit {limit}");
                assert_eq!(events.len(), if deliver_frames { 5 } else { 3 });
            }
        }
    }
}

#[test]
fn message_limit_applies_to_the_decoded_size() {
    type Frames = Vec<(bool, u8, usize)>;
    // (factor, frames, fails with 1009)
    let rows: Vec<(u8, Frames, bool)> = vec![
        (2, vec![(true, BINARY, 5)], false),                    // 10 decoded
        (2, vec![(true, BINARY, 6)], true),                     // 12 decoded
        (2, vec![(false, TEXT, 3), (true, CONT, 2)], false),    // 6 + 4
        (2, vec![(false, TEXT, 3), (true, CONT, 3)], true),     // 6 + 6
        (0, vec![(true, BINARY, 20)], false),                   // 10 decoded from 20 on the wire
        (0, vec![(false, BINARY, 12), (true, CONT, 10)], true), // 6 + 5
    ];
    for role in ROLES {
        for deliver_frames in [false, true] {
            for (i, (factor, frames, fails)) in rows.iter().enumerate() {
                let ctx = format!("{role:?} deliver_frames {deliver_frames} row {i}");
                let log = new_log();
                let config = Config { max_message_payload_size: 10, deliver_frames, ..Config::default() };
                let mut conn = with_chain(role, config, vec![Box::new(Probe::new(&log, *factor))]);
                let mut bytes = Vec::new();
                for (fin, op, len) in frames {
                    bytes.extend(peer_frame(role, *fin, *op, &vec![b'a'; *len]));
                }
                let events = feed(&mut conn, &bytes);
                if *fails {
                    assert!(!events.iter().any(|e| matches!(e, Event::Message { .. })), "{ctx}");
                    assert_failed(&mut conn, 1009, &ctx);
                } else {
                    assert_eq!(conn.failure(), None, "{ctx}");
                    assert!(!events.is_empty(), "{ctx}");
                }
            }
        }
    }
}

#[test]
fn frame_limit_applies_to_the_wire_size() {
    for role in ROLES {
        let log = new_log();
        let config = Config { max_frame_payload_size: 10, ..Config::default() };
        let mut conn = with_chain(role, config, vec![Box::new(Probe::new(&log, 0))]);
        assert_eq!(feed(&mut conn, &peer_frame(role, true, BINARY, &[1; 10])), vec![binary(&[1; 5])]);
        let bytes = peer_frame(role, true, BINARY, &[1; 11]);
        feed(&mut conn, &bytes[..2]); // the header alone (the mask key follows for a server)
        feed(&mut conn, &bytes[2..bytes.len() - 11]);
        assert_failed(&mut conn, 1009, &format!("{role:?}"));
    }
}

// ----- errors -----

#[test]
fn an_extension_error_fails_the_connection_with_its_code() {
    for role in ROLES {
        for code in [1002u16, 1007, 1009, 1010, 1011] {
            let log = new_log();
            let mut probe = Probe::new(&log, 1);
            probe.fail_decode = Some(ProtocolError::from_close_code(code, "bad compressed data"));
            let mut conn = with_chain(role, Config::default(), vec![Box::new(probe)]);
            let events = feed(&mut conn, &peer_frame(role, true, BINARY, b"x"));
            assert_eq!(events, vec![]);
            assert_eq!(conn.failure(), Some(&ProtocolError::from_close_code(code, "bad compressed data")));
            let out = decode_frames(conn.output());
            assert_eq!(out.last().and_then(|w| w.close()), Some((code, "bad compressed data".to_string())));
            assert_failed(&mut conn, code, &format!("{role:?} {code}"));
        }
    }
}

#[test]
fn an_encode_error_is_a_send_error() {
    let log = new_log();
    let mut probe = Probe::new(&log, 1);
    probe.fail_encode = Some(ProtocolError::internal("cannot compress"));
    let mut conn = with_chain(Role::Server, Config::default(), vec![Box::new(probe)]);
    assert_eq!(conn.send_text(b"x", true), Err(SendError::Extension(ProtocolError::internal("cannot compress"))));
    assert!(conn.output().is_empty());
    // The connection stays usable (control frames pass).
    conn.send_ping(b"").unwrap();
    assert_eq!(out_frames(&mut conn).len(), 1);
}

#[test]
fn header_only_needs_no_extension() {
    let log = new_log();
    let mut conn = with_chain(Role::Server, Config::default(), vec![Box::new(Probe::new(&log, 1))]);
    assert_eq!(conn.send_header_only(Opcode::Binary, true, 3), Err(SendError::NeedsTransform));
}

// ----- UTF-8 after decoding -----

#[test]
fn utf8_is_validated_after_decoding() {
    for role in ROLES {
        let log = new_log();
        // "é" on the wire after xor_pos is 0x96 0xFC: not UTF-8. Decoded, it is.
        let mut wire = "é".as_bytes().to_vec();
        xor_pos(&mut wire);
        assert!(std::str::from_utf8(&wire).is_err());
        let mut conn = with_chain(role, Config::default(), vec![Box::new(Xor(log.clone()))]);
        assert_eq!(feed(&mut conn, &peer_frame_rsv(role, true, RSV2, TEXT, &wire)), vec![text("é")]);

        // Valid on the wire ("é"), invalid once decoded (0x96 0xFD).
        let wire = "é".as_bytes().to_vec();
        let mut decoded = wire.clone();
        xor_pos(&mut decoded);
        assert!(std::str::from_utf8(&decoded).is_err());
        let events = feed(&mut conn, &peer_frame_rsv(role, true, RSV2, TEXT, &wire));
        assert_eq!(events, vec![]);
        assert_failed(&mut conn, 1007, &format!("{role:?}"));

        // A character split across decoded fragments is fine.
        let mut conn = with_chain(role, Config::default(), vec![Box::new(Xor(log.clone()))]);
        let s = "a€b".as_bytes();
        let (mut f1, mut f2) = (s[..2].to_vec(), s[2..].to_vec());
        xor_pos(&mut f1);
        xor_pos(&mut f2);
        let mut bytes = peer_frame_rsv(role, false, RSV2, TEXT, &f1);
        bytes.extend(peer_frame_rsv(role, true, RSV2, CONT, &f2));
        assert_eq!(feed(&mut conn, &bytes), vec![text("a€b")]);
    }
}

#[test]
fn deliver_frames_gives_decoded_frames() {
    for role in ROLES {
        let log = new_log();
        let config = Config { deliver_frames: true, ..Config::default() };
        let mut conn = with_chain(role, config, xor_rev(&log));
        let mut wire = b"abc".to_vec();
        xor_pos(&mut wire);
        wire.reverse();
        let mut bytes = peer_frame_rsv(role, false, RSV2 | RSV3, TEXT, &wire);
        bytes.extend(peer_frame_rsv(role, true, 0, CONT, b"d"));
        let events = feed(&mut conn, &bytes);
        assert_eq!(
            events,
            vec![
                Event::Frame(Frame { fin: false, rsv: 0, opcode: Opcode::Text, data: b"abc".to_vec() }),
                Event::Frame(Frame { fin: true, rsv: 0, opcode: Opcode::Continuation, data: b"d".to_vec() }),
            ]
        );
    }
}

#[test]
fn chain_accessors() {
    let log = new_log();
    let c = chain(xor_rev(&log));
    assert_eq!(c.names(), vec!["x-test-xor", "x-test-reverse"]);
    assert_eq!(c.rsv_bits(), RSV2 | RSV3);
    assert!(!c.is_empty());
    assert!(ExtensionChain::default().is_empty());
    assert_eq!(ExtensionChain::default().rsv_bits(), 0);
}

// ----- negotiation -----

/// An identity extension with a name, for negotiation tests.
struct Named(String);
impl Extension for Named {
    fn name(&self) -> &str {
        &self.0
    }
    fn rsv_bits(&self) -> u8 {
        0
    }
    fn encode(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        Ok(frame)
    }
    fn decode(&mut self, frame: Frame, _: Option<u64>) -> Result<Frame, ProtocolError> {
        Ok(frame)
    }
}

fn param(k: &str, v: Option<&str>) -> ExtensionParam {
    (k.to_string(), v.map(str::to_string))
}

fn offer(name: &str, params: &[(&str, Option<&str>)]) -> ExtensionOffer {
    ExtensionOffer { name: name.into(), params: params.iter().map(|(k, v)| param(k, *v)).collect() }
}

/// Accepts unless told not to or the offer has a `decline` parameter. The response says which
/// factory answered (`by`) and what was accepted before (`seen`).
struct ServerFactory {
    name: &'static str,
    tag: &'static str,
    accepts: bool,
}
impl ServerExtensionFactory for ServerFactory {
    fn name(&self) -> &str {
        self.name
    }
    fn process_request_params(
        &self,
        params: &[ExtensionParam],
        accepted: &[Box<dyn Extension>],
    ) -> Result<(Vec<ExtensionParam>, Box<dyn Extension>), NegotiationError> {
        if !self.accepts || params.iter().any(|(k, _)| k == "decline") {
            return Err(NegotiationError(format!("{} declines", self.tag)));
        }
        let seen: Vec<&str> = accepted.iter().map(|e| e.name()).collect();
        let mut response = vec![param("by", Some(self.tag)), param("seen", Some(&seen.join(",")))];
        response.extend(params.iter().cloned());
        Ok((response, Box::new(Named(self.name.into()))))
    }
}

fn sf(name: &'static str, tag: &'static str, accepts: bool) -> Box<dyn ServerExtensionFactory> {
    Box::new(ServerFactory { name, tag, accepts })
}

#[test]
fn negotiate_server_table() {
    let a = "x-test-a";
    let b = "x-test-b";
    // (offers, factories, expected response as (name, by, seen))
    type Row =
        (Vec<ExtensionOffer>, Vec<Box<dyn ServerExtensionFactory>>, Vec<(&'static str, &'static str, &'static str)>);
    let rows: Vec<(&str, Row)> = vec![
        ("nothing offered", (vec![], vec![sf(a, "a1", true)], vec![])),
        ("no factories", (vec![offer(a, &[])], vec![], vec![])),
        (
            "unknown offer skipped",
            (vec![offer("x-unknown", &[]), offer(a, &[])], vec![sf(a, "a1", true)], vec![(a, "a1", "")]),
        ),
        (
            "first accepting factory wins",
            (vec![offer(a, &[])], vec![sf(a, "a1", false), sf(a, "a2", true), sf(a, "a3", true)], vec![(a, "a2", "")]),
        ),
        ("all factories decline", (vec![offer(a, &[])], vec![sf(a, "a1", false), sf(a, "a2", false)], vec![])),
        (
            "declined offer skipped, next offer of the same name tried",
            (
                vec![offer(a, &[("decline", None)]), offer(a, &[("x", Some("1"))])],
                vec![sf(a, "a1", true)],
                vec![(a, "a1", "")],
            ),
        ),
        (
            "duplicate offers negotiated once",
            (
                vec![offer(a, &[]), offer(a, &[]), offer(b, &[]), offer(a, &[])],
                vec![sf(a, "a1", true), sf(b, "b1", true)],
                vec![(a, "a1", ""), (b, "b1", a)],
            ),
        ),
        (
            "client order, not factory order",
            (
                vec![offer(b, &[]), offer(a, &[])],
                vec![sf(a, "a1", true), sf(b, "b1", true)],
                vec![(b, "b1", ""), (a, "a1", b)],
            ),
        ),
        (
            "declined offer does not stop the others",
            (vec![offer(a, &[]), offer(b, &[])], vec![sf(a, "a1", false), sf(b, "b1", true)], vec![(b, "b1", "")]),
        ),
    ];
    for (name, (offers, factories, want)) in rows {
        let (response, chain) = negotiate_server(&offers, &factories);
        let got: Vec<(String, String, String)> = response
            .iter()
            .map(|o| {
                let get = |k: &str| o.params.iter().find(|p| p.0 == k).and_then(|p| p.1.clone()).unwrap_or_default();
                (o.name.clone(), get("by"), get("seen"))
            })
            .collect();
        let want: Vec<(String, String, String)> =
            want.iter().map(|(n, b, s)| (n.to_string(), b.to_string(), s.to_string())).collect();
        assert_eq!(got, want, "{name}");
        assert_eq!(chain.names(), want.iter().map(|w| w.0.clone()).collect::<Vec<_>>(), "{name}");
    }
    // The accepted offer's own parameters come back (the factory echoes them here).
    let (response, _) =
        negotiate_server(&[offer(a, &[("decline", None)]), offer(a, &[("x", Some("1"))])], &[sf(a, "a1", true)]);
    assert!(response[0].params.contains(&param("x", Some("1"))));
}

/// Accepts unless told not to or the response has a `refuse` parameter; logs each call.
struct ClientFactory {
    name: &'static str,
    tag: &'static str,
    accepts: bool,
    log: Log,
}
impl ClientExtensionFactory for ClientFactory {
    fn name(&self) -> &str {
        self.name
    }
    fn get_request_params(&self) -> Vec<ExtensionParam> {
        vec![param("tag", Some(self.tag))]
    }
    fn process_response_params(
        &self,
        params: &[ExtensionParam],
        accepted: &[Box<dyn Extension>],
    ) -> Result<Box<dyn Extension>, NegotiationError> {
        let seen: Vec<&str> = accepted.iter().map(|e| e.name()).collect();
        if !self.accepts || params.iter().any(|(k, _)| k == "refuse") {
            self.log.borrow_mut().push(format!("{} refused [{}]", self.tag, seen.join(",")));
            return Err(NegotiationError(format!("{} refuses", self.tag)));
        }
        self.log.borrow_mut().push(format!("{} accepted [{}]", self.tag, seen.join(",")));
        Ok(Box::new(Named(self.name.into())))
    }
}

#[test]
fn negotiate_client_table() {
    let a = "x-test-a";
    let b = "x-test-b";
    let log = new_log();
    let cf = |name, tag, accepts| -> Box<dyn ClientExtensionFactory> {
        Box::new(ClientFactory { name, tag, accepts, log: log.clone() })
    };
    type Row = (
        Vec<ExtensionOffer>,
        Vec<Box<dyn ClientExtensionFactory>>,
        Result<Vec<&'static str>, &'static str>,
        Vec<&'static str>,
    );
    let rows: Vec<(&str, Row)> = vec![
        ("empty response", (vec![], vec![cf(a, "a1", true)], Ok(vec![]), vec![])),
        ("accepted", (vec![offer(a, &[])], vec![cf(a, "a1", true)], Ok(vec![a]), vec!["a1 accepted []"])),
        (
            "in response order, each factory sees the earlier ones",
            (
                vec![offer(b, &[]), offer(a, &[])],
                vec![cf(a, "a1", true), cf(b, "b1", true)],
                Ok(vec![b, a]),
                vec!["b1 accepted []", "a1 accepted [x-test-b]"],
            ),
        ),
        (
            "first accepting factory wins",
            (
                vec![offer(a, &[])],
                vec![cf(a, "a1", false), cf(a, "a2", true), cf(a, "a3", true)],
                Ok(vec![a]),
                vec!["a1 refused []", "a2 accepted []"],
            ),
        ),
        ("unexpected extension", (vec![offer("x-unknown", &[])], vec![cf(a, "a1", true)], Err("unexpected"), vec![])),
        ("no factories at all", (vec![offer(a, &[])], vec![], Err("unexpected"), vec![])),
        (
            "refused",
            (vec![offer(a, &[("refuse", None)])], vec![cf(a, "a1", true)], Err("a1 refuses"), vec!["a1 refused []"]),
        ),
        (
            "refused by every factory: the last reason",
            (
                vec![offer(a, &[])],
                vec![cf(a, "a1", false), cf(a, "a2", false)],
                Err("a2 refuses"),
                vec!["a1 refused []", "a2 refused []"],
            ),
        ),
        (
            "one refusal fails the whole response",
            (
                vec![offer(a, &[]), offer(b, &[("refuse", None)])],
                vec![cf(a, "a1", true), cf(b, "b1", true)],
                Err("b1 refuses"),
                vec!["a1 accepted []", "b1 refused [x-test-a]"],
            ),
        ),
    ];
    for (name, (response, factories, want, want_log)) in rows {
        take(&log);
        let got = negotiate_client(&response, &factories);
        match (got, want) {
            (Ok(chain), Ok(names)) => assert_eq!(chain.names(), names, "{name}"),
            (Err(NegotiationError(msg)), Err(needle)) => assert!(msg.contains(needle), "{name}: {msg}"),
            (Ok(chain), Err(_)) => panic!("{name}: accepted {:?}", chain.names()),
            (Err(e), Ok(_)) => panic!("{name}: {e:?}"),
        }
        assert_eq!(take(&log), want_log, "{name}");
    }
}

#[test]
fn client_offers_one_per_factory_in_order() {
    let log = new_log();
    let factories: Vec<Box<dyn ClientExtensionFactory>> = vec![
        Box::new(ClientFactory { name: "x-test-b", tag: "b1", accepts: true, log: log.clone() }),
        Box::new(ClientFactory { name: "x-test-a", tag: "a1", accepts: true, log: log.clone() }),
        Box::new(ClientFactory { name: "x-test-a", tag: "a2", accepts: true, log: log.clone() }),
    ];
    let offers = client_offers(&factories);
    assert_eq!(
        offers,
        vec![
            offer("x-test-b", &[("tag", Some("b1"))]),
            offer("x-test-a", &[("tag", Some("a1"))]),
            offer("x-test-a", &[("tag", Some("a2"))]),
        ]
    );
}

#[test]
fn rsv1_is_free_for_a_third_extension() {
    // An extension owning RSV1 (like permessage-deflate) next to the test ones.
    struct R1;
    impl Extension for R1 {
        fn name(&self) -> &str {
            "x-test-r1"
        }
        fn rsv_bits(&self) -> u8 {
            RSV1
        }
        fn encode(&mut self, mut f: Frame) -> Result<Frame, ProtocolError> {
            if !f.opcode.is_control() {
                f.rsv |= RSV1;
            }
            Ok(f)
        }
        fn decode(&mut self, mut f: Frame, _: Option<u64>) -> Result<Frame, ProtocolError> {
            f.rsv &= !RSV1;
            Ok(f)
        }
    }
    let log = new_log();
    let mut exts = xor_rev(&log);
    exts.push(Box::new(R1));
    let mut conn = with_chain(Role::Server, Config::default(), exts);
    conn.send_binary(b"z", true).unwrap();
    assert_eq!(out_frames(&mut conn)[0].rsv, RSV1 | RSV2 | RSV3);
    let events = feed(&mut conn, &peer_frame_rsv(Role::Server, true, RSV1, BINARY, b"z"));
    assert_eq!(events, vec![binary(b"z")]);
}
