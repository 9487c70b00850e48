//! The built-in factories called from JavaScript (`extensionCall`).
//!
//! python-websockets lets code call a factory's negotiation itself (to wrap or delegate). The
//! built-in factories (js/extensions/deflate.mjs, bzip2.mjs) do that through `extensionCall`:
//! the core negotiates as it would in a handshake and keeps the extension it made here, under
//! a handle, until a JS factory returns it (the adapter hands the core `{coreHandle}`) or JS
//! drops it (`release`).

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Object, Reflect};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::factory_options::{bzip2_options, deflate_options};
use crate::config::Role;
use super::{client_factories, from_js, get, server_factories};
use crate::error::ProtocolError;
use crate::extensions::{Extension, ExtensionParam, NegotiationError};
use crate::frame::Frame;
use crate::wasm::records::to_js;

/// The last handle given, and the extensions not yet claimed.
type Detached = (u32, HashMap<u32, Box<dyn Extension>>);

thread_local! {
    static DETACHED: RefCell<Detached> = RefCell::new((0, HashMap::new()));
}

/// The extension under `handle`, which is then no longer held here.
pub(super) fn claim(handle: u32) -> Option<Box<dyn Extension>> {
    DETACHED.with(|d| d.borrow_mut().1.remove(&handle))
}

fn detach(extension: Box<dyn Extension>) -> u32 {
    DETACHED.with(|d| {
        let mut d = d.borrow_mut();
        d.0 = d.0.wrapping_add(1);
        let id = d.0;
        d.1.insert(id, extension);
        id
    })
}

/// Stands for an extension JS says was accepted before (`{name, rsvBits}`).
struct Accepted {
    name: String,
    rsv_bits: u8,
}

impl Extension for Accepted {
    fn name(&self) -> &str {
        &self.name
    }
    fn rsv_bits(&self) -> u8 {
        self.rsv_bits
    }
    fn encode(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        Ok(frame)
    }
    fn decode(&mut self, frame: Frame, _max_size: Option<u64>) -> Result<Frame, ProtocolError> {
        Ok(frame)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AcceptedSpec {
    name: String,
    #[serde(default)]
    rsv_bits: u8,
}

fn accepted_from(args: &JsValue) -> Result<Vec<Box<dyn Extension>>, JsError> {
    let list: Vec<AcceptedSpec> = from_js(get(args, "accepted"))?;
    Ok(list.into_iter().map(|a| Box::new(Accepted { name: a.name, rsv_bits: a.rsv_bits & 0b111 }) as Box<dyn Extension>).collect())
}

fn negotiated(response: &[ExtensionParam], extension: Box<dyn Extension>) -> JsValue {
    let out = Object::new();
    let params = extension.params();
    let _ = Reflect::set(&out, &"response".into(), &to_js(&response));
    let _ = Reflect::set(&out, &"params".into(), &to_js(&params));
    let _ = Reflect::set(&out, &"handle".into(), &JsValue::from(detach(extension)));
    out.into()
}

fn declined(e: NegotiationError) -> JsValue {
    let out = Object::new();
    let _ = Reflect::set(&out, &"declined".into(), &JsValue::from_str(&e.0));
    out.into()
}

/// `op`: `deflateOptions` (`{role, options}`: python-websockets' factory options, checked;
/// returns the settings), `bzip2Options` (the same for the bzip2 factories), `processRequest`
/// (`{spec, params, accepted}`), `requestParams` (`{spec}`), `processResponse`
/// (`{spec, params, accepted}`), `release` (`{handle}`).
/// Negotiation answers `{response, params, handle}` or `{declined: why}`.
#[wasm_bindgen(js_name = extensionCall)]
pub fn extension_call(op: &str, args: JsValue) -> Result<JsValue, JsError> {
    match op {
        "deflateOptions" => {
            let role = get(&args, "role").as_string().unwrap_or_default();
            deflate_options(role == "client", &get(&args, "options")).map_err(|e| JsError::new(&e))
        }
        "bzip2Options" => {
            let role =
                if get(&args, "role").as_string().as_deref() == Some("client") { Role::Client } else { Role::Server };
            bzip2_options(role, &get(&args, "options")).map_err(|e| JsError::new(&e))
        }
        "processRequest" => {
            let factories = server_factories(&Array::of1(&get(&args, "spec")))?;
            let params: Vec<ExtensionParam> = from_js(get(&args, "params"))?;
            let accepted = accepted_from(&args)?;
            let factory = factories.first().ok_or_else(|| JsError::new("processRequest: no factory"))?;
            Ok(match factory.process_request_params(&params, &accepted) {
                Ok((response, extension)) => negotiated(&response, extension),
                Err(e) => declined(e),
            })
        }
        "requestParams" => {
            let factories = client_factories(&Array::of1(&get(&args, "spec")))?;
            let factory = factories.first().ok_or_else(|| JsError::new("requestParams: no factory"))?;
            Ok(to_js(&factory.get_request_params()))
        }
        "processResponse" => {
            let factories = client_factories(&Array::of1(&get(&args, "spec")))?;
            let params: Vec<ExtensionParam> = from_js(get(&args, "params"))?;
            let accepted = accepted_from(&args)?;
            let factory = factories.first().ok_or_else(|| JsError::new("processResponse: no factory"))?;
            Ok(match factory.process_response_params(&params, &accepted) {
                Ok(extension) => negotiated(&params, extension),
                Err(e) => declined(e),
            })
        }
        "release" => {
            if let Some(handle) = get(&args, "handle").as_f64() {
                claim(handle as u32);
            }
            Ok(JsValue::UNDEFINED)
        }
        other => Err(JsError::new(&format!("extensionCall: unknown op {other:?}"))),
    }
}
