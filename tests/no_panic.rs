//! Robustness: arbitrary and mutated byte streams, in arbitrary chunkings, never panic a
//! connection (either role, several configs), and leave it in a consistent state.
//! Native only: proptest and the time-bounded mutation loop need std's clock and threads.
#![cfg(not(target_arch = "wasm32"))]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use std::time::{Duration, Instant};

use common::Rng;
use common::*;
use proptest::prelude::*;
use wasmsocket::close::is_valid_wire_code;
use wasmsocket::config::{Config, Role};
use wasmsocket::connection::{Connection, Event, SendError, State};
use wasmsocket::error::ProtocolError;
use wasmsocket::extensions::{Extension, ExtensionChain};
use wasmsocket::frame::{Frame, RSV1};

/// Owns RSV1: flips the bytes of frames carrying it; fails (1007) on a decoded 0xEE first byte;
/// doubles frames carrying RSV1 whose first byte is 0xDD (an expanding decoder).
struct Flip;
impl Extension for Flip {
    fn name(&self) -> &str {
        "x-test-flip"
    }
    fn rsv_bits(&self) -> u8 {
        RSV1
    }
    fn encode(&mut self, mut frame: Frame) -> Result<Frame, ProtocolError> {
        if !frame.opcode.is_control() {
            frame.data.iter_mut().for_each(|b| *b ^= 0xFF);
            frame.rsv |= RSV1;
        }
        Ok(frame)
    }
    fn decode(&mut self, mut frame: Frame, max_size: Option<u64>) -> Result<Frame, ProtocolError> {
        if frame.rsv & RSV1 != 0 {
            frame.data.iter_mut().for_each(|b| *b ^= 0xFF);
            frame.rsv &= !RSV1;
            if frame.data.first() == Some(&0xDD) {
                let doubled = frame.data.len() as u64 * 2;
                if max_size.is_some_and(|m| doubled > m) {
                    return Err(ProtocolError::too_big("expanded past the budget"));
                }
                frame.data = frame.data.repeat(2);
            }
        }
        if frame.data.first() == Some(&0xEE) {
            return Err(ProtocolError::invalid_extension_data("0xEE"));
        }
        Ok(frame)
    }
}

/// The configs every input runs under: (name, config, with the Flip extension).
fn configs() -> Vec<(&'static str, Config, bool)> {
    let d = Config::default;
    vec![
        ("default", d(), false),
        ("tiny limits", Config { max_frame_payload_size: 3, max_message_payload_size: 5, ..d() }, false),
        ("frames", Config { deliver_frames: true, max_message_payload_size: 40, ..d() }, false),
        ("unlimited", Config { max_frame_payload_size: 0, max_message_payload_size: 0, ..d() }, false),
        (
            "lenient",
            Config {
                utf8_validate_incoming: false,
                require_masked_client_frames: false,
                accept_masked_server_frames: true,
                echo_close_code_reason: true,
                auto_pong: false,
                ..d()
            },
            false,
        ),
        ("drop", Config { fail_by_drop: true, mask_server_frames: true, auto_fragment_size: 2, ..d() }, false),
        ("extension", Config { max_message_payload_size: 50, ..d() }, true),
        ("extension frames", Config { deliver_frames: true, max_frame_payload_size: 20, ..d() }, true),
    ]
}

fn build(role: Role, config: &Config, ext: bool) -> Connection {
    let chain = if ext { ExtensionChain::new(vec![Box::new(Flip)]) } else { ExtensionChain::default() };
    Connection::new_open(role, config.clone(), SEED, chain)
}

/// State invariants that hold after any call.
fn check_state(conn: &Connection, ctx: &str) {
    let state = conn.state();
    assert_ne!(state, State::Connecting, "{ctx}");
    if state == State::Open {
        assert!(conn.failure().is_none() && conn.close_sent().is_none() && conn.close_received().is_none(), "{ctx}");
        assert!(!conn.should_close_transport() && !conn.close_expected(), "{ctx}");
    }
    if conn.failure().is_some() {
        assert!(matches!(state, State::Closing | State::Closed), "{ctx}");
        assert!(!conn.was_clean(), "{ctx}");
        assert!(!conn.receiving_message(), "{ctx}");
        if conn.role() == Role::Server || conn.config().fail_by_drop {
            assert!(conn.should_close_transport(), "{ctx}");
        }
    }
    if conn.close_received().is_some() || conn.close_sent().is_some() {
        assert_ne!(state, State::Open, "{ctx}");
    }
    if conn.close_received().is_some() {
        assert!(!conn.receiving_message(), "{ctx}");
        if conn.role() == Role::Server {
            assert!(conn.should_close_transport(), "{ctx}");
        }
    }
    if let Some(f) = conn.failure() {
        assert!(f.close_code() >= 1000, "{ctx}: {f:?}");
    }
}

/// Feeds `input` in chunks (sizes cycled), checking the state after each, then checks the
/// events, the output, that nothing is processed after the end, and EOF.
fn run(role: Role, config: &Config, ext: bool, input: &[u8], sizes: &[usize], ctx: &str) {
    let mut conn = build(role, config, ext);
    conn.receive_data(&[]);
    let mut events = Vec::new();
    let mut output = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < input.len() {
        let n = sizes[i % sizes.len()].max(1).min(input.len() - pos);
        i += 1;
        if i % 3 == 0 {
            conn.input_space(n).copy_from_slice(&input[pos..pos + n]);
            conn.commit_input(n);
        } else {
            conn.receive_data(&input[pos..pos + n]);
        }
        pos += n;
        check_state(&conn, ctx);
        events.extend(conn.take_events());
        output.extend(conn.take_output());
    }
    check_events(&conn, &events, ctx);
    check_output(&conn, &output, ctx);

    // After the end (failure or close received), input is ignored and sends are refused.
    if conn.failure().is_some() || conn.close_received().is_some() {
        let more = [peer_frame(role, true, TEXT, b"x"), peer_frame(role, true, PING, b"")].concat();
        conn.receive_data(&more);
        assert!(conn.take_events().is_empty(), "{ctx}");
        assert!(conn.output().is_empty(), "{ctx}");
        assert!(matches!(conn.send_text(b"x", true), Err(SendError::NotOpen(_))), "{ctx}");
        assert!(matches!(conn.send_ping(b""), Err(SendError::NotOpen(_))), "{ctx}");
    }
    conn.receive_eof();
    assert_eq!(conn.state(), State::Closed, "{ctx}");
    assert!(!conn.close_expected(), "{ctx}");
    assert!(conn.should_close_transport(), "{ctx}");
    assert!(!conn.receiving_message(), "{ctx}");
    check_state(&conn, ctx);
    assert!(conn.take_events().is_empty(), "{ctx}");
}

fn check_events(conn: &Connection, events: &[Event], ctx: &str) {
    let validate = conn.config().utf8_validate_incoming;
    for (i, e) in events.iter().enumerate() {
        match e {
            Event::Message { is_binary: false, data } if validate => {
                assert!(std::str::from_utf8(data).is_ok(), "{ctx}: invalid text delivered")
            }
            Event::Message { .. } => assert!(!conn.config().deliver_frames, "{ctx}"),
            Event::Frame(f) => {
                assert!(conn.config().deliver_frames, "{ctx}");
                assert!(!f.opcode.is_control(), "{ctx}");
            }
            Event::Ping(p) | Event::Pong(p) => assert!(p.len() <= 125, "{ctx}"),
            Event::Close(c) => {
                assert!(c.code == 1005 || is_valid_wire_code(c.code), "{ctx}: {c:?}");
                assert!(c.reason.len() <= 123, "{ctx}");
                assert_eq!(i + 1, events.len(), "{ctx}: events after the close");
            }
            other => panic!("{ctx}: unexpected event {other:?}"),
        }
    }
}

fn check_output(conn: &Connection, output: &[u8], ctx: &str) {
    let frames = decode_frames(output);
    let masks = conn.config().masks_outgoing(conn.role());
    let mut closes = 0;
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(f.mask.is_some(), masks, "{ctx}");
        assert!(f.opcode >= 8, "{ctx}: we only answer with control frames here");
        assert!(f.fin && f.payload.len() <= 125, "{ctx}");
        if f.opcode == CLOSE {
            closes += 1;
            assert_eq!(i + 1, frames.len(), "{ctx}: frames after our close");
            if let Some((code, _)) = f.close() {
                assert!(is_valid_wire_code(code), "{ctx}: we sent close code {code}");
            } else {
                assert!(f.payload.is_empty(), "{ctx}");
            }
        }
    }
    assert!(closes <= 1, "{ctx}");
    assert_eq!(closes == 1, conn.close_sent().is_some(), "{ctx}");
    if conn.config().fail_by_drop && conn.failure().is_some() && conn.close_received().is_none() {
        assert_eq!(closes, 0, "{ctx}");
    }
}

fn run_all_configs(input: &[u8], sizes: &[usize]) {
    for role in ROLES {
        for (name, config, ext) in configs() {
            run(role, &config, ext, input, sizes, &format!("{role:?} {name}"));
        }
    }
}

// ----- proptest -----

/// One frame with mostly-sane fields: (fin, rsv, opcode, correctly masked for the role, payload).
fn frame_spec() -> impl Strategy<Value = (bool, u8, u8, bool, Vec<u8>)> {
    let rsv = prop_oneof![8 => Just(0u8), 1 => 0u8..8];
    let opcode = prop_oneof![
        4 => Just(TEXT),
        3 => Just(BINARY),
        4 => Just(CONT),
        2 => Just(PING),
        1 => Just(PONG),
        1 => Just(CLOSE),
        1 => 0u8..16,
    ];
    let masked_right = prop_oneof![9 => Just(true), 1 => Just(false)];
    let payload = prop_oneof![
        3 => proptest::collection::vec(any::<u8>(), 0..24),
        3 => "\\PC{0,12}".prop_map(String::into_bytes),
        1 => (any::<u16>(), "\\PC{0,8}").prop_map(|(c, r)| close_payload(c, r.as_bytes())),
        1 => (1000u16..1016, proptest::collection::vec(any::<u8>(), 0..4)).prop_map(|(c, r)| close_payload(c, &r)),
        1 => proptest::collection::vec(any::<u8>(), 120..130),
        1 => Just(vec![0xEE, 1]),
        1 => Just(vec![0xDD; 30]),
    ];
    (any::<bool>(), rsv, opcode, masked_right, payload)
}

fn serialize(role: Role, frames: &[(bool, u8, u8, bool, Vec<u8>)], tail: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (fin, rsv, op, masked_right, payload) in frames {
        let masked = (role == Role::Server) == *masked_right;
        out.extend(frame_bytes(*fin, *rsv, *op, masked.then_some(KEY), payload));
    }
    out.extend_from_slice(tail);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(
        input in proptest::collection::vec(any::<u8>(), 0..600),
        sizes in proptest::collection::vec(1usize..80, 1..12),
    ) {
        run_all_configs(&input, &sizes);
    }

    #[test]
    fn arbitrary_frame_sequences_never_panic(
        frames in proptest::collection::vec(frame_spec(), 0..24),
        tail in proptest::collection::vec(any::<u8>(), 0..16),
        sizes in proptest::collection::vec(1usize..64, 1..8),
    ) {
        for role in ROLES {
            let input = serialize(role, &frames, &tail);
            for (name, config, ext) in configs() {
                run(role, &config, ext, &input, &sizes, &format!("{role:?} {name}"));
            }
        }
    }

    #[test]
    fn chunking_never_changes_the_outcome(
        frames in proptest::collection::vec(frame_spec(), 0..16),
        sizes in proptest::collection::vec(1usize..32, 1..8),
    ) {
        for role in ROLES {
            let input = serialize(role, &frames, &[]);
            for (_, config, ext) in configs() {
                let outcome = |sizes: &mut dyn FnMut() -> usize| {
                    let mut conn = build(role, &config, ext);
                    let (events, output) = feed_chunked(&mut conn, &input, sizes);
                    (format!("{events:?}"), output, conn.failure().cloned(), conn.state())
                };
                let whole = outcome(&mut || usize::MAX);
                let mut i = 0;
                let chunked = outcome(&mut || { i += 1; sizes[i % sizes.len()] });
                prop_assert_eq!(whole, chunked);
            }
        }
    }
}

// ----- deterministic mutation fuzzing -----

fn mutate(rng: &mut Rng, input: &mut Vec<u8>) {
    for _ in 0..=rng.below(6) {
        let len = input.len().max(1);
        match rng.below(8) {
            0 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] ^= 1 << rng.below(8);
            }
            1 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] = rng.next_u64() as u8;
            }
            2 => {
                let at = rng.below(len);
                let n = rng.below(8) + 1;
                let bytes = rng.bytes(n);
                input.splice(at.min(input.len())..at.min(input.len()), bytes);
            }
            3 if !input.is_empty() => {
                let at = rng.below(input.len());
                let n = rng.below(16).min(input.len() - at);
                input.drain(at..at + n);
            }
            4 if !input.is_empty() => {
                // Duplicate a range (repeats frames or parts of them).
                let at = rng.below(input.len());
                let n = (rng.below(64) + 1).min(input.len() - at);
                let copy = input[at..at + n].to_vec();
                input.splice(at..at, copy);
            }
            5 if !input.is_empty() => {
                // Boundary values, likely to land on lengths and opcodes.
                let i = rng.below(input.len());
                input[i] = [0x00, 0x7D, 0x7E, 0x7F, 0x80, 0xFE, 0xFF, 0x88, 0x8A, 0x09][rng.below(10)];
            }
            6 => input.truncate(rng.below(len)),
            _ => {
                let n = rng.below(20);
                let tail = rng.bytes(n);
                input.extend(tail);
            }
        }
    }
}

#[test]
fn mutation_fuzzer_never_panics() {
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut rng = Rng::new(0x5EED_F022);
    let mut bases = Vec::new();
    for role in ROLES {
        bases.push((role, scripted_stream(role, 600)));
        // A text message split inside characters, then a close with a reason.
        let mut s = peer_frame(role, false, TEXT, &"ü€𝄞".as_bytes()[..3]);
        s.extend(peer_frame(role, true, CONT, &"ü€𝄞".as_bytes()[3..]));
        s.extend(peer_frame(role, true, CLOSE, &close_payload(3000, "raison".as_bytes())));
        bases.push((role, s));
        // Frames for the extension's RSV1.
        let mut s = peer_frame_rsv(role, true, RSV1, BINARY, &[0x22, 0x22, 0x22]);
        s.extend(peer_frame_rsv(role, false, RSV1, TEXT, &[0x9E, 0x9E]));
        s.extend(peer_frame_rsv(role, true, RSV1, CONT, &[0x22; 12]));
        bases.push((role, s));
    }
    let configs = configs();
    let mut iterations = 0u32;
    while iterations < 50_000 && Instant::now() < deadline {
        let (role, base) = &bases[rng.below(bases.len())];
        let mut input = base.clone();
        mutate(&mut rng, &mut input);
        let (name, config, ext) = &configs[rng.below(configs.len())];
        let count = 1 + rng.below(6);
        let max = if rng.below(2) == 0 { 8 } else { 400 };
        let sizes: Vec<usize> = (0..count).map(|_| 1 + rng.below(max)).collect();
        run(*role, config, *ext, &input, &sizes, &format!("iteration {iterations} {role:?} {name}"));
        iterations += 1;
    }
    eprintln!("mutation fuzzer: {iterations} iterations");
    assert!(iterations >= 100, "only {iterations} iterations ran");
}

#[test]
fn known_valid_streams_pass_the_checks() {
    // The checker itself: the unmutated scripted stream must satisfy it in every config.
    for role in ROLES {
        let s = scripted_stream(role, 1000);
        for (name, config, ext) in configs() {
            run(role, &config, ext, &s, &[1, 7, 300], &format!("{role:?} {name}"));
        }
        let mut conn = build(role, &Config::default(), false);
        let events = feed(&mut conn, &s);
        assert!(matches!(events.last(), Some(Event::Close(_))));
        assert_eq!(conn.failure(), None);
    }
}
