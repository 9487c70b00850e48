//! The numbers JS and the core share — event kinds, status bits, opcodes — defined here once
//! and handed to JS by `constants()` when the module loads.

use wasm_bindgen::prelude::*;

use crate::connection::{Connection, Event, State};

/// Event kinds in the records (`[kind, flags, dataPtr, dataLen]`).
pub mod kind {
    pub const TEXT: u32 = 1;
    pub const BINARY: u32 = 2;
    pub const FRAME: u32 = 3;
    pub const PING: u32 = 4;
    pub const PONG: u32 = 5;
    pub const CLOSE: u32 = 6;
    pub const REQUEST: u32 = 7;
    pub const HTTP_REQUEST: u32 = 8;
    pub const REJECTED: u32 = 9;
    pub const OPEN: u32 = 10;
    pub const HANDSHAKE_FAILED: u32 = 11;
    pub const ALL: &[(&str, u32)] = &[
        ("TEXT", TEXT),
        ("BINARY", BINARY),
        ("FRAME", FRAME),
        ("PING", PING),
        ("PONG", PONG),
        ("CLOSE", CLOSE),
        ("REQUEST", REQUEST),
        ("HTTP_REQUEST", HTTP_REQUEST),
        ("REJECTED", REJECTED),
        ("OPEN", OPEN),
        ("HANDSHAKE_FAILED", HANDSHAKE_FAILED),
    ];
}

/// Bits of the status every call returns (also in the header). The connection's `State` is
/// the two bits at `STATE_SHIFT`.
pub mod status {
    /// The call left bytes to write (at the header's output address).
    pub const OUTPUT: u32 = 1;
    pub const CLOSE_EXPECTED: u32 = 2;
    pub const CLOSE_TRANSPORT: u32 = 4;
    pub const CLOSE_SENT: u32 = 8;
    pub const CLOSE_RECEIVED: u32 = 16;
    pub const FAILED: u32 = 32;
    pub const WAS_CLEAN: u32 = 64;
    /// Something waits for `resume()` (a close or failure held behind this call's events).
    pub const HELD: u32 = 128;
    /// The call produced events (records at the header's address).
    pub const EVENTS: u32 = 256;
    /// Data frames go out unmasked and untransformed: `sendHeaderOnly` applies.
    pub const HEADER_ONLY: u32 = 512;
    /// A new data message may be sent now (`Connection::can_start_message`): a prepared
    /// message's shared frames can be written without a `sendPrepared` call.
    pub const MESSAGE_START: u32 = 1024;
    pub const STATE_SHIFT: u32 = 12;
    pub const STATE_MASK: u32 = 3;
    pub const ALL: &[(&str, u32)] = &[
        ("OUTPUT", OUTPUT),
        ("CLOSE_EXPECTED", CLOSE_EXPECTED),
        ("CLOSE_TRANSPORT", CLOSE_TRANSPORT),
        ("CLOSE_SENT", CLOSE_SENT),
        ("CLOSE_RECEIVED", CLOSE_RECEIVED),
        ("FAILED", FAILED),
        ("WAS_CLEAN", WAS_CLEAN),
        ("HELD", HELD),
        ("EVENTS", EVENTS),
        ("HEADER_ONLY", HEADER_ONLY),
        ("MESSAGE_START", MESSAGE_START),
        ("STATE_SHIFT", STATE_SHIFT),
        ("STATE_MASK", STATE_MASK),
    ];
}

/// `State` as the number in the status bits (autobahn's CONNECTING/OPEN/CLOSING/CLOSED).
pub mod state {
    pub const ALL: &[(&str, u32)] = &[("CONNECTING", 0), ("OPEN", 1), ("CLOSING", 2), ("CLOSED", 3)];
}

/// Data opcodes JS may send.
pub mod opcode {
    pub const ALL: &[(&str, u32)] = &[("CONTINUATION", 0), ("TEXT", 1), ("BINARY", 2)];
}

/// Record layout and header layout, so JS never hard-codes them.
pub mod layout {
    use super::super::batch::{header, HEADER_WORDS, RECORD_WORDS};
    pub const ALL: &[(&str, u32)] = &[
        ("RECORD_WORDS", RECORD_WORDS as u32),
        ("HEADER_WORDS", HEADER_WORDS as u32),
        ("STATUS", header::STATUS as u32),
        ("OUTPUT_PTR", header::OUTPUT_PTR as u32),
        ("OUTPUT_LEN", header::OUTPUT_LEN as u32),
        ("RECORDS_PTR", header::RECORDS_PTR as u32),
        ("EVENT_COUNT", header::EVENT_COUNT as u32),
    ];
}

/// The connection's status bits, apart from `OUTPUT` and `EVENTS` (which the batch adds).
pub fn status_bits(c: &Connection) -> u32 {
    let flags = [
        (c.close_expected(), status::CLOSE_EXPECTED),
        (c.should_close_transport(), status::CLOSE_TRANSPORT),
        (c.close_sent().is_some(), status::CLOSE_SENT),
        (c.close_received().is_some(), status::CLOSE_RECEIVED),
        (c.failure().is_some(), status::FAILED),
        (c.was_clean(), status::WAS_CLEAN),
        (c.has_held(), status::HELD),
        (c.can_send_header_only(), status::HEADER_ONLY),
        (c.can_start_message(), status::MESSAGE_START),
    ];
    let state = match c.state() {
        State::Connecting => 0,
        State::Open => 1,
        State::Closing => 2,
        State::Closed => 3,
    };
    flags.iter().fold(state << status::STATE_SHIFT, |bits, &(on, bit)| if on { bits | bit } else { bits })
}

/// An event's record: `[kind, flags, dataPtr, dataLen]`. Handshake events carry no bytes
/// (their object comes from `eventDetail`).
pub fn record(event: &Event) -> [u32; 4] {
    let (kind, flags, data): (u32, u32, &[u8]) = match event {
        Event::Message { is_binary: false, data } => (kind::TEXT, 0, data),
        Event::Message { is_binary: true, data } => (kind::BINARY, 0, data),
        Event::Frame(f) => (kind::FRAME, f.fin as u32 | (f.rsv as u32) << 1 | (f.opcode as u32) << 4, &f.data),
        Event::Ping(data) => (kind::PING, 0, data),
        Event::Pong(data) => (kind::PONG, 0, data),
        Event::Close(c) => (kind::CLOSE, c.code as u32, c.reason.as_bytes()),
        Event::Request(_) => (kind::REQUEST, 0, &[]),
        Event::HttpRequest(_) => (kind::HTTP_REQUEST, 0, &[]),
        Event::Rejected(e) => (kind::REJECTED, e.status as u32, &[]),
        Event::Open(_) => (kind::OPEN, 0, &[]),
        Event::HandshakeFailed(e) => (kind::HANDSHAKE_FAILED, e.status().unwrap_or(0) as u32, &[]),
    };
    [kind, flags, data.as_ptr() as u32, data.len() as u32]
}

fn table(entries: &[(&str, u32)]) -> js_sys::Object {
    let object = js_sys::Object::new();
    for &(name, value) in entries {
        // Setting a plain property on a fresh object cannot fail.
        let _ = js_sys::Reflect::set(&object, &name.into(), &value.into());
    }
    object
}

/// `{kind, status, state, opcode, layout}`: the tables above, for JS to read once at load.
#[wasm_bindgen]
pub fn constants() -> JsValue {
    let all = js_sys::Object::new();
    for (name, entries) in [
        ("kind", kind::ALL),
        ("status", status::ALL),
        ("state", state::ALL),
        ("opcode", opcode::ALL),
        ("layout", layout::ALL),
    ] {
        let _ = js_sys::Reflect::set(&all, &name.into(), &table(entries));
    }
    all.into()
}
