//! Extensions written in JavaScript: the factories and extensions `js/extensions/adapter.mjs`
//! wraps around the user's objects, called through those adapters. Each encode/decode call
//! copies the frame's data into a fresh JS array and the result back.

use js_sys::{Array, Function, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::handles::claim;
use super::invalid;
use crate::error::ProtocolError;
use crate::extensions::{ClientExtensionFactory, Extension, ExtensionParam, NegotiationError, ServerExtensionFactory};
use crate::frame::{Frame, Opcode};
use crate::wasm::records::to_js;

pub(super) fn adapter_of(spec: &JsValue) -> Result<JsValue, JsError> {
    let adapter = Reflect::get(spec, &"adapter".into()).map_err(|_| invalid("`js` entry without adapter"))?;
    if !adapter.is_object() {
        return Err(invalid("`js` entry without adapter"));
    }
    Ok(adapter)
}

fn method(object: &JsValue, name: &str) -> Result<Function, JsError> {
    Reflect::get(object, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| invalid(format!("adapter lacks {name}()")))
}

fn string_prop(object: &JsValue, name: &str) -> Result<String, JsError> {
    Reflect::get(object, &name.into())
        .ok()
        .and_then(|v| v.as_string())
        .ok_or_else(|| invalid(format!("adapter lacks a string {name}")))
}

fn error_message(error: &JsValue) -> String {
    Reflect::get(error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "extension error".to_owned())
}

/// The extensions accepted so far, as JS factories see them: `[{name, params, rsvBits}]`.
fn names(accepted: &[Box<dyn Extension>]) -> JsValue {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Shown<'a> {
        name: &'a str,
        params: Vec<ExtensionParam>,
        rsv_bits: u8,
    }
    let shown: Vec<Shown> = accepted.iter().map(|e| Shown { name: e.name(), params: e.params(), rsv_bits: e.rsv_bits() }).collect();
    to_js(&shown)
}

/// The extension a JS factory returned: a built-in one it got from a built-in factory's
/// `processRequestParams`/`processResponseParams` (`{coreHandle}`), or a JS one.
fn extension_from_js(value: JsValue) -> Result<Box<dyn Extension>, NegotiationError> {
    let handle = Reflect::get(&value, &"coreHandle".into()).ok().and_then(|h| h.as_f64());
    if let Some(handle) = handle {
        return claim(handle as u32).ok_or_else(|| NegotiationError("a built-in extension can serve one connection only: it was already used".into()));
    }
    Ok(Box::new(JsExtension::new(value).map_err(|_| NegotiationError("invalid extension object".into()))?))
}

fn params_from_js(value: JsValue) -> Result<Vec<ExtensionParam>, NegotiationError> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| NegotiationError(format!("extension parameters must be [[name, value|null]]: {e}")))
}

pub(super) struct JsServerFactory {
    name: String,
    process: Function,
    adapter: JsValue,
}

impl JsServerFactory {
    pub(super) fn new(adapter: JsValue) -> Result<Self, JsError> {
        Ok(JsServerFactory {
            name: string_prop(&adapter, "name")?,
            process: method(&adapter, "processRequestParams")?,
            adapter,
        })
    }
}

impl ServerExtensionFactory for JsServerFactory {
    fn name(&self) -> &str {
        &self.name
    }

    fn process_request_params(
        &self,
        params: &[ExtensionParam],
        accepted: &[Box<dyn Extension>],
    ) -> Result<(Vec<ExtensionParam>, Box<dyn Extension>), NegotiationError> {
        let result = self
            .process
            .call2(&self.adapter, &to_js(&params), &names(accepted))
            .map_err(|e| NegotiationError(error_message(&e)))?;
        let pair = Array::from(&result);
        let response = params_from_js(pair.get(0))?;
        Ok((response, extension_from_js(pair.get(1))?))
    }
}

pub(super) struct JsClientFactory {
    name: String,
    request_params: Vec<ExtensionParam>,
    process: Function,
    adapter: JsValue,
}

impl JsClientFactory {
    pub(super) fn new(adapter: JsValue) -> Result<Self, JsError> {
        let get = method(&adapter, "getRequestParams")?;
        let params = get.call0(&adapter).map_err(|e| invalid(error_message(&e)))?;
        Ok(JsClientFactory {
            name: string_prop(&adapter, "name")?,
            request_params: params_from_js(params).map_err(|e| invalid(e.0))?,
            process: method(&adapter, "processResponseParams")?,
            adapter,
        })
    }
}

impl ClientExtensionFactory for JsClientFactory {
    fn name(&self) -> &str {
        &self.name
    }

    fn get_request_params(&self) -> Vec<ExtensionParam> {
        self.request_params.clone()
    }

    fn process_response_params(
        &self,
        params: &[ExtensionParam],
        accepted: &[Box<dyn Extension>],
    ) -> Result<Box<dyn Extension>, NegotiationError> {
        let ext = self
            .process
            .call2(&self.adapter, &to_js(&params), &names(accepted))
            .map_err(|e| NegotiationError(error_message(&e)))?;
        extension_from_js(ext)
    }
}

/// A negotiated extension written in JS. Each call copies the frame's data into a fresh JS
/// array and the result back: two copies per frame per JS extension.
struct JsExtension {
    name: String,
    rsv_bits: u8,
    adapter: JsValue,
    encode: Function,
    decode: Function,
}

impl JsExtension {
    fn new(adapter: JsValue) -> Result<Self, JsError> {
        let rsv_bits = Reflect::get(&adapter, &"rsvBits".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        Ok(JsExtension {
            name: string_prop(&adapter, "name")?,
            rsv_bits: (rsv_bits as u8) & 0b111,
            encode: method(&adapter, "encode")?,
            decode: method(&adapter, "decode")?,
            adapter,
        })
    }

    fn call(&self, f: &Function, frame: Frame, max_size: Option<u64>) -> Result<Frame, ProtocolError> {
        let args = Array::of4(
            &JsValue::from_bool(frame.fin),
            &JsValue::from(frame.opcode as u8),
            &JsValue::from(frame.rsv),
            &Uint8Array::from(frame.data.as_slice()),
        );
        args.push(&max_size.map_or(JsValue::NULL, |m| JsValue::from_f64(m as f64)));
        let result = f.apply(&self.adapter, &args).map_err(|e| js_failure(&e))?;
        let out = Array::from(&result);
        let bad = || ProtocolError::ExtensionFailed(format!("{}: encode/decode must return a Frame", self.name));
        let opcode = out.get(1).as_f64().and_then(|o| Opcode::from_u8(o as u8)).ok_or_else(bad)?;
        let data = out.get(3).dyn_into::<Uint8Array>().map_err(|_| bad())?;
        Ok(Frame {
            fin: out.get(0).as_bool().ok_or_else(bad)?,
            rsv: out.get(2).as_f64().map(|r| r as u8 & 0b111).ok_or_else(bad)?,
            opcode,
            data: data.to_vec(),
        })
    }
}

/// What a JS extension threw: the kind its `closeCode` names, else an extension failure (1011).
fn js_failure(error: &JsValue) -> ProtocolError {
    let code = Reflect::get(error, &"closeCode".into()).ok().and_then(|c| c.as_f64()).map(|c| c as u16);
    match code {
        Some(c @ (1002 | 1007 | 1009 | 1010)) => ProtocolError::from_close_code(c, error_message(error)),
        _ => ProtocolError::ExtensionFailed(error_message(error)),
    }
}

impl Extension for JsExtension {
    fn name(&self) -> &str {
        &self.name
    }

    fn rsv_bits(&self) -> u8 {
        self.rsv_bits
    }

    fn encode(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        self.call(&self.encode, frame, None)
    }

    fn decode(&mut self, frame: Frame, max_size: Option<u64>) -> Result<Frame, ProtocolError> {
        self.call(&self.decode, frame, max_size)
    }
}
