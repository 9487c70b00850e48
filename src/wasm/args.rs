//! What JS passes in, read or refused with a `WS_ERR_INVALID_ARGUMENT` error, and the JS
//! `Error`s the calls throw, each with its kind's `code` (`error_codes.rs`).

use wasm_bindgen::prelude::*;

use super::error_codes;
use crate::config::{Config, Role};
use crate::connection::SendError;
use crate::frame::Opcode;
use crate::handshake::HandshakeError;

/// A JS `Error` whose `code` JS code can test (`WS_ERR_*`) and whose message is for people.
fn js_error(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    // Setting a property on a fresh Error cannot fail.
    let _ = js_sys::Reflect::set(&error, &"code".into(), &code.into());
    error.into()
}

pub(super) fn usage_error(message: &str) -> JsValue {
    js_error("WS_ERR_INVALID_ARGUMENT", message)
}

pub(super) fn parse_role(role: &str) -> Result<Role, JsValue> {
    match role {
        "server" => Ok(Role::Server),
        "client" => Ok(Role::Client),
        other => Err(usage_error(&format!("role must be \"server\" or \"client\", not {other:?}"))),
    }
}

pub(super) fn parse_config(options: JsValue) -> Result<Config, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(Config::default());
    }
    serde_wasm_bindgen::from_value(options).map_err(|e| usage_error(&format!("invalid options: {e}")))
}

pub(super) fn parse_seed(seed: &[u8]) -> Result<[u8; 32], JsValue> {
    seed.try_into().map_err(|_| usage_error("seed must be 32 random bytes"))
}

pub(super) fn data_opcode(opcode: u8) -> Result<Opcode, JsValue> {
    match Opcode::from_u8(opcode) {
        Some(op) if !op.is_control() => Ok(op),
        _ => Err(usage_error(&format!("{opcode} is not a data opcode"))),
    }
}

pub(super) fn parse_headers(headers: JsValue) -> Result<Vec<(String, String)>, JsValue> {
    if headers.is_undefined() || headers.is_null() {
        return Ok(Vec::new());
    }
    serde_wasm_bindgen::from_value(headers).map_err(|e| usage_error(&format!("headers must be [[name, value]]: {e}")))
}

pub(super) fn send_error(err: SendError) -> JsValue {
    js_error(error_codes::send_code(&err), &err.to_string())
}

pub(super) fn handshake_error(err: HandshakeError) -> JsValue {
    js_error(error_codes::handshake_code(&err), &err.to_string())
}
