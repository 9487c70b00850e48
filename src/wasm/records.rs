//! The objects JS gets besides bytes: the detail of an event (request, response, refusal,
//! handshake failure, close) and the connection's close record, each failure with its kind's
//! `WS_ERR_*` name (`error_codes.rs`).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{batch, error_codes};
use crate::connection::{CloseFrame, Connection, Event};
use crate::handshake::{HandshakeError, HttpError};

pub(super) fn to_js<T: Serialize>(value: &T) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&serializer).unwrap_or(JsValue::UNDEFINED)
}

/// The object behind the current batch's `index`-th event (request, response, error, close).
#[wasm_bindgen(js_name = eventDetail)]
pub fn event_detail(index: usize) -> JsValue {
    batch::with_event(index, |event| match event {
        Some(Event::Request(r) | Event::HttpRequest(r)) => to_js(r),
        Some(Event::Rejected(e)) => to_js(&RejectedInfo::new(e)),
        Some(Event::Open(r)) => to_js(r),
        Some(Event::HandshakeFailed(e)) => to_js(&HandshakeFailureInfo::new(e)),
        Some(Event::Close(c)) => to_js(c),
        _ => JsValue::UNDEFINED,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CloseInfo<'a> {
    was_clean: bool,
    sent: Option<&'a CloseFrame>,
    received: Option<&'a CloseFrame>,
    failure: Option<FailureInfo<'a>>,
}

/// Why we failed the connection: the close code sent, its reason, and the kind's `WS_ERR_*`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FailureInfo<'a> {
    code: u16,
    reason: &'a str,
    error_code: &'static str,
}

/// A `rejected` event's detail: the refusal the core answered a request with.
#[derive(Serialize)]
struct RejectedInfo<'a> {
    status: u16,
    reason: &'a str,
    headers: &'a [(String, String)],
    code: &'static str,
}

impl<'a> RejectedInfo<'a> {
    fn new(err: &'a HttpError) -> Self {
        RejectedInfo { status: err.status, reason: &err.reason, headers: &err.headers, code: error_codes::refusal_code(err) }
    }
}

/// A `handshake-failed` event's detail: the server's status (its refusal, or the 101 whose
/// extensions were refused), the message, and the kind's `WS_ERR_HANDSHAKE_*`.
#[derive(Serialize)]
struct HandshakeFailureInfo {
    status: Option<u16>,
    message: String,
    code: &'static str,
}

impl HandshakeFailureInfo {
    fn new(err: &HandshakeError) -> Self {
        HandshakeFailureInfo { status: err.status(), message: err.to_string(), code: error_codes::handshake_code(err) }
    }
}

impl<'a> CloseInfo<'a> {
    pub(super) fn of(conn: &'a Connection) -> Self {
        CloseInfo {
            was_clean: conn.was_clean(),
            sent: conn.close_sent(),
            received: conn.close_received(),
            failure: conn.failure().map(|f| FailureInfo {
                code: f.close_code(),
                reason: f.reason(),
                error_code: error_codes::failure_code(f),
            }),
        }
    }
}
