//! Extension factories handed over from JS (`Connection.setExtensions`): the built-in ones,
//! described by plain objects, and extensions written in JavaScript, reached through the
//! adapters `js/extensions/adapter.mjs` makes around the user's objects.
//!
//! Spec objects, each with a `kind`:
//! - `permessage-deflate`: the options of `DeflateConfig` in camelCase (unset ones take the
//!   role's default: python-websockets' `enable_server/client_permessage_deflate`).
//! - `permessage-deflate-pinned` (server): accept exactly `offer` as autobahn's OfferAccept
//!   `accept` says; how autobahn's `perMessageCompressionAccept` picks a response itself.
//! - `permessage-bzip2`: `Bzip2Config`'s options in camelCase (autobahn's names for the offer:
//!   `acceptMaxCompressLevel`, `requestMaxCompressLevel`).
//! - `permessage-bzip2-pinned` (server): as the deflate one, with a bzip2 OfferAccept.
//! - `js`: `adapter` is an object with `name` and `processRequestParams(params, acceptedNames)`
//!   (server) or `getRequestParams()` / `processResponseParams(params, acceptedNames)` (client),
//!   which return or make extension adapters with `name`, `rsvBits`,
//!   `encode(fin, opcode, rsv, data)` and `decode(fin, opcode, rsv, data, maxSize)` returning
//!   `[fin, opcode, rsv, data]`.
//!
//! A JS exception in negotiation declines the offer (server) or fails the handshake (client);
//! in encode/decode it fails the connection with its numeric `closeCode` if it has one of
//! 1002/1007/1009/1010, else 1011.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::extensions::bzip2::{self, Bzip2Config, ClientPerMessageBzip2Factory, PerMessageBzip2, ServerPerMessageBzip2Factory};
use crate::config::Role;
use crate::extensions::deflate::{self, ClientBits, ClientPerMessageDeflateFactory, DeflateConfig, PerMessageDeflate, ServerPerMessageDeflateFactory};
use crate::error::ProtocolError;
use crate::extensions::{ClientExtensionFactory, Extension, NegotiationError, PinnedServerFactory, ServerExtensionFactory};
use crate::frame::{Frame, Opcode};
use crate::extensions::ExtensionParam;

use super::to_js;

/// `clientMaxWindowBits`: a number, or `true` for "offer without a value".
#[derive(Deserialize, Clone, Copy)]
#[serde(untagged)]
enum ClientBitsSpec {
    Value(u8),
    Flag(bool),
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct DeflateSpec {
    kind: String,
    /// `"bare"`: python-websockets' bare factory (no window limits) under unset options;
    /// otherwise the role's `compression="deflate"` defaults (`DeflateConfig::server()`/`client()`).
    preset: Option<String>,
    /// zlib's memLevel (1-9).
    mem_level: Option<u8>,
    server_no_context_takeover: Option<bool>,
    client_no_context_takeover: Option<bool>,
    server_max_window_bits: Option<u8>,
    client_max_window_bits: Option<ClientBitsSpec>,
    level: Option<u8>,
    threshold: Option<usize>,
}

impl DeflateSpec {
    fn config(self, role: Role) -> Result<DeflateConfig, JsError> {
        let mut c = match (self.preset.as_deref(), role) {
            (Some("bare"), _) => DeflateConfig::default(),
            (None, Role::Server) => DeflateConfig::server(),
            (None, Role::Client) => DeflateConfig::client(),
            (Some(other), _) => return Err(invalid(format!("unknown deflate preset {other:?}"))),
        };
        c.server_no_context_takeover = self.server_no_context_takeover.unwrap_or(c.server_no_context_takeover);
        c.client_no_context_takeover = self.client_no_context_takeover.unwrap_or(c.client_no_context_takeover);
        if let Some(bits) = self.server_max_window_bits {
            c.server_max_window_bits = Some(bits);
        }
        match self.client_max_window_bits {
            Some(ClientBitsSpec::Value(bits)) => c.client_max_window_bits = Some(ClientBits::Value(bits)),
            Some(ClientBitsSpec::Flag(true)) => c.client_max_window_bits = Some(ClientBits::Any),
            Some(ClientBitsSpec::Flag(false)) => c.client_max_window_bits = None,
            None => {}
        }
        c.level = self.level.unwrap_or(c.level);
        c.min_size = self.threshold.unwrap_or(c.min_size);
        c.mem_level = self.mem_level.unwrap_or(c.mem_level);
        Ok(c)
    }
}

/// autobahn's `PerMessageDeflateOfferAccept` for `offer`: the core reads the offer, checks the
/// accept and derives the response and agreement ([`crate::extensions::deflate::autobahn`]).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PinnedDeflateSpec {
    #[allow(dead_code)]
    kind: String,
    offer: Vec<ExtensionParam>,
    accept: deflate::autobahn::OfferAccept,
    #[serde(default)]
    level: Option<u8>,
    #[serde(default)]
    threshold: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct Bzip2Spec {
    kind: String,
    level: Option<u8>,
    server_max_compress_level: Option<u8>,
    client_max_compress_level: Option<u8>,
    /// Client: offer the `client_max_compress_level` flag (autobahn's `acceptMaxCompressLevel`).
    accept_max_compress_level: Option<bool>,
    /// Client: ask for `server_max_compress_level=N` (autobahn's `requestMaxCompressLevel`).
    request_max_compress_level: Option<u8>,
    small_decompress: Option<bool>,
}

impl Bzip2Spec {
    fn config(self) -> Bzip2Config {
        let mut c = Bzip2Config::default();
        c.level = self.level.unwrap_or(c.level);
        c.server_max_compress_level = self.server_max_compress_level.or(self.request_max_compress_level);
        c.client_max_compress_level = self.client_max_compress_level;
        c.accept_client_max_compress_level = self.accept_max_compress_level.unwrap_or(c.accept_client_max_compress_level);
        c.small_decompress = self.small_decompress.unwrap_or(c.small_decompress);
        c
    }
}

/// autobahn's `PerMessageBzip2OfferAccept` for `offer`, as the deflate one.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PinnedBzip2Spec {
    #[allow(dead_code)]
    kind: String,
    offer: Vec<ExtensionParam>,
    accept: bzip2::autobahn::OfferAccept,
}

fn invalid(what: impl std::fmt::Display) -> JsError {
    JsError::new(&format!("invalid extension: {what}"))
}

fn kind_of(spec: &JsValue) -> Result<String, JsError> {
    Reflect::get(spec, &"kind".into())
        .ok()
        .and_then(|k| k.as_string())
        .ok_or_else(|| invalid("each entry needs a string `kind`"))
}

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(invalid)
}

pub fn server_factories(specs: &Array) -> Result<Vec<Box<dyn ServerExtensionFactory>>, JsError> {
    let mut out: Vec<Box<dyn ServerExtensionFactory>> = Vec::new();
    for spec in specs.iter() {
        match kind_of(&spec)?.as_str() {
            "permessage-deflate" => {
                let config = from_js::<DeflateSpec>(spec)?.config(Role::Server)?;
                let factory = ServerPerMessageDeflateFactory::new(config).map_err(|e| invalid(e.0))?;
                out.push(Box::new(factory));
            }
            "permessage-deflate-pinned" => {
                let p: PinnedDeflateSpec = from_js(spec)?;
                let offer = deflate::autobahn::Offer::parse(&p.offer).map_err(|e| invalid(e.0))?;
                p.accept.check(&offer).map_err(|e| invalid(e.0))?;
                let (agreement, response) = (p.accept.agreement(&offer), p.accept.response(&offer));
                let defaults = DeflateConfig::server();
                let (level, threshold) = (p.level.unwrap_or(defaults.level), p.threshold.unwrap_or(defaults.min_size));
                let mem_level = p.accept.mem_level.unwrap_or(defaults.mem_level);
                let max_message_size = p.accept.max_message_size;
                if level > 9 {
                    return Err(invalid("deflate level is 0-9"));
                }
                out.push(Box::new(PinnedServerFactory {
                    name: deflate::NAME.to_owned(),
                    offer: p.offer,
                    response,
                    make: move || -> Box<dyn Extension> {
                        let mut e = PerMessageDeflate::with_mem_level(Role::Server, agreement, level, mem_level, threshold);
                        e.set_max_message_size(max_message_size);
                        Box::new(e)
                    },
                }));
            }
            "permessage-bzip2" => {
                let factory = ServerPerMessageBzip2Factory::new(from_js::<Bzip2Spec>(spec)?.config()).map_err(|e| invalid(e.0))?;
                out.push(Box::new(factory));
            }
            "permessage-bzip2-pinned" => {
                let p: PinnedBzip2Spec = from_js(spec)?;
                let offer = bzip2::autobahn::Offer::parse(&p.offer).map_err(|e| invalid(e.0))?;
                p.accept.check(&offer).map_err(|e| invalid(e.0))?;
                let ((level, agreement), response) = (p.accept.agreement(&offer), p.accept.response(&offer));
                out.push(Box::new(PinnedServerFactory {
                    name: bzip2::NAME.to_owned(),
                    offer: p.offer,
                    response,
                    make: move || -> Box<dyn Extension> { Box::new(PerMessageBzip2::new(Role::Server, agreement, level, false)) },
                }));
            }
            "js" => out.push(Box::new(JsServerFactory::new(adapter_of(&spec)?)?)),
            other => return Err(invalid(format!("unknown kind {other:?}"))),
        }
    }
    Ok(out)
}

pub fn client_factories(specs: &Array) -> Result<Vec<Box<dyn ClientExtensionFactory>>, JsError> {
    let mut out: Vec<Box<dyn ClientExtensionFactory>> = Vec::new();
    for spec in specs.iter() {
        match kind_of(&spec)?.as_str() {
            "permessage-deflate" => {
                let config = from_js::<DeflateSpec>(spec)?.config(Role::Client)?;
                let factory = ClientPerMessageDeflateFactory::new(config).map_err(|e| invalid(e.0))?;
                out.push(Box::new(factory));
            }
            "permessage-bzip2" => {
                let factory = ClientPerMessageBzip2Factory::new(from_js::<Bzip2Spec>(spec)?.config()).map_err(|e| invalid(e.0))?;
                out.push(Box::new(factory));
            }
            "js" => out.push(Box::new(JsClientFactory::new(adapter_of(&spec)?)?)),
            other => return Err(invalid(format!("unknown kind {other:?} for a client"))),
        }
    }
    Ok(out)
}

// ----- extensions written in JavaScript -----

fn adapter_of(spec: &JsValue) -> Result<JsValue, JsError> {
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
        return DETACHED
            .with(|d| d.borrow_mut().1.remove(&(handle as u32)))
            .ok_or_else(|| NegotiationError("a built-in extension can serve one connection only: it was already used".into()));
    }
    Ok(Box::new(JsExtension::new(value).map_err(|_| NegotiationError("invalid extension object".into()))?))
}

fn params_from_js(value: JsValue) -> Result<Vec<ExtensionParam>, NegotiationError> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| NegotiationError(format!("extension parameters must be [[name, value|null]]: {e}")))
}

struct JsServerFactory {
    name: String,
    process: Function,
    adapter: JsValue,
}

impl JsServerFactory {
    fn new(adapter: JsValue) -> Result<Self, JsError> {
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

struct JsClientFactory {
    name: String,
    request_params: Vec<ExtensionParam>,
    process: Function,
    adapter: JsValue,
}

impl JsClientFactory {
    fn new(adapter: JsValue) -> Result<Self, JsError> {
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

// ----- the built-in factories called from JavaScript -----
//
// python-websockets lets code call a factory's negotiation itself (to wrap or delegate). The
// built-in factories (js/extensions/deflate.mjs, bzip2.mjs) do that through `extensionCall`:
// the core negotiates as it would in a handshake and keeps the extension it made here, under
// a handle, until a JS factory returns it (the adapter hands the core `{coreHandle}`) or JS
// drops it (`release`).

/// The last handle given, and the extensions not yet claimed.
type Detached = (u32, HashMap<u32, Box<dyn Extension>>);

thread_local! {
    static DETACHED: RefCell<Detached> = RefCell::new((0, HashMap::new()));
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

fn get(args: &JsValue, name: &str) -> JsValue {
    Reflect::get(args, &name.into()).unwrap_or(JsValue::UNDEFINED)
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
/// returns the settings), `processRequest` (`{spec, params, accepted}`), `requestParams`
/// (`{spec}`), `processResponse` (`{spec, params, accepted}`), `release` (`{handle}`).
/// Negotiation answers `{response, params, handle}` or `{declined: why}`.
#[wasm_bindgen(js_name = extensionCall)]
pub fn extension_call(op: &str, args: JsValue) -> Result<JsValue, JsError> {
    match op {
        "deflateOptions" => {
            let role = get(&args, "role").as_string().unwrap_or_default();
            deflate_options(role == "client", &get(&args, "options")).map_err(|e| JsError::new(&e))
        }
        "processRequest" => {
            let factories = server_factories(&Array::of1(&get(&args, "spec")))?;
            let params: Vec<ExtensionParam> = from_js(get(&args, "params"))?;
            let accepted = accepted_from(&args)?;
            Ok(match factories[0].process_request_params(&params, &accepted) {
                Ok((response, extension)) => negotiated(&response, extension),
                Err(e) => declined(e),
            })
        }
        "requestParams" => Ok(to_js(&client_factories(&Array::of1(&get(&args, "spec")))?[0].get_request_params())),
        "processResponse" => {
            let factories = client_factories(&Array::of1(&get(&args, "spec")))?;
            let params: Vec<ExtensionParam> = from_js(get(&args, "params"))?;
            let accepted = accepted_from(&args)?;
            Ok(match factories[0].process_response_params(&params, &accepted) {
                Ok(extension) => negotiated(&params, extension),
                Err(e) => declined(e),
            })
        }
        "release" => {
            if let Some(handle) = get(&args, "handle").as_f64() {
                DETACHED.with(|d| d.borrow_mut().1.remove(&(handle as u32)));
            }
            Ok(JsValue::UNDEFINED)
        }
        other => Err(JsError::new(&format!("extensionCall: unknown op {other:?}"))),
    }
}

const DEFLATE_OPTIONS: [&str; 6] = [
    "serverNoContextTakeover",
    "clientNoContextTakeover",
    "serverMaxWindowBits",
    "clientMaxWindowBits",
    "compressSettings",
    "threshold",
];
const COMPRESS_SETTINGS: [&str; 6] = ["level", "memLevel", "strategy", "method", "wbits", "zdict"];

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The keys of `object` (an object, or undefined/null: none), each known or an error naming it.
fn keys(object: &JsValue, known: &[&str], what: &str) -> Result<Vec<String>, String> {
    if object.is_undefined() || object.is_null() {
        return Ok(Vec::new());
    }
    if !object.is_object() || Array::is_array(object) {
        return Err(format!("{what} must be an object"));
    }
    let mut out = Vec::new();
    for key in Object::keys(object.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !known.contains(&key.as_str()) {
            let hint = camel(&key);
            return Err(if key.contains('_') && known.contains(&hint.as_str()) {
                format!("unknown {what} {key}: this library spells it {hint}")
            } else {
                format!("unknown {what} {key} (known: {})", known.join(", "))
            });
        }
        out.push(key);
    }
    Ok(out)
}

/// One option's value: `Ok(None)` when unset or null.
fn value<T: serde::de::DeserializeOwned>(object: &JsValue, key: &str, expect: &str) -> Result<Option<T>, String> {
    let v = get(object, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    serde_wasm_bindgen::from_value(v).map(Some).map_err(|_| format!("{key} must be {expect}"))
}

/// python-websockets' `ServerPerMessageDeflateFactory` / `ClientPerMessageDeflateFactory`
/// options in camelCase, checked; `compressSettings` as zlib's `compressobj` takes them.
/// Returns the settings the factory keeps (its core spec without `kind`).
fn deflate_options(client: bool, options: &JsValue) -> Result<JsValue, String> {
    keys(options, &DEFLATE_OPTIONS, "option")?;
    let bits = |key: &str| -> Result<Option<u8>, String> {
        match value::<u8>(options, key, "8-15 or null")? {
            Some(b) if !(8..=15).contains(&b) => Err(format!("{key} must be 8-15 or null, got {b}")),
            b => Ok(b),
        }
    };
    let flag = |key: &str| value::<bool>(options, key, "a boolean").map(|b| b.unwrap_or(false));
    let server_no_context_takeover = flag("serverNoContextTakeover")?;
    let client_no_context_takeover = flag("clientNoContextTakeover")?;
    let server_max_window_bits = bits("serverMaxWindowBits")?;
    // A client offers `client_max_window_bits` without a value unless told otherwise
    // (python-websockets' default `client_max_window_bits=True`); a server never takes `true`.
    let raw = get(options, "clientMaxWindowBits");
    let client_max_window_bits = match raw.as_bool() {
        Some(true) if client => Some(ClientBitsSpec::Flag(true)),
        Some(false) => Some(ClientBitsSpec::Flag(false)),
        _ if raw.is_undefined() && client => Some(ClientBitsSpec::Flag(true)),
        _ => bits("clientMaxWindowBits").map_err(|e| if client { e.replace("or null", ", true or null") } else { e })?.map(ClientBitsSpec::Value),
    };
    let threshold = value::<usize>(options, "threshold", "a byte count")?.unwrap_or(0);
    let settings = get(options, "compressSettings");
    let mut level = 6u8;
    let mut mem_level = 8u8;
    for key in keys(&settings, &COMPRESS_SETTINGS, "compressSettings key")? {
        match key.as_str() {
            "level" => match value::<i8>(&settings, "level", "-1-9")? {
                None | Some(-1) => level = 6,
                Some(l @ 0..=9) => level = l as u8,
                Some(l) => return Err(format!("compressSettings.level must be -1-9 (zlib's range), got {l}")),
            },
            "memLevel" => match value::<u8>(&settings, "memLevel", "1-9")? {
                None => {}
                Some(m @ 1..=9) => mem_level = m,
                Some(m) => return Err(format!("compressSettings.memLevel must be 1-9, got {m}")),
            },
            "strategy" => match value::<i32>(&settings, "strategy", "a zlib strategy number")? {
                None | Some(0) => {}
                Some(s @ 1..=4) => {
                    return Err(format!(
                        "compressSettings.strategy {s} is not supported: the deflate backend (miniz_oxide) takes a strategy only \
                         when a compressor is built, and this library reuses compressors across connections and messages \
                         (re-levelling them resets the strategy to Z_DEFAULT_STRATEGY, 0, the only one accepted)"
                    ))
                }
                Some(s) => return Err(format!("compressSettings.strategy must be a zlib strategy (0-4), got {s}")),
            },
            "method" => match value::<i32>(&settings, "method", "8 (Z_DEFLATED)")? {
                None | Some(8) => {}
                Some(m) => return Err(format!("compressSettings.method must be 8 (Z_DEFLATED, zlib's only method), got {m}")),
            },
            "wbits" => {
                return Err(format!(
                    "compressSettings must not include wbits: set {} instead",
                    if client { "clientMaxWindowBits" } else { "serverMaxWindowBits" }
                ))
            }
            _ => return Err("compressSettings.zdict is not supported: permessage-deflate has no way to give the peer the dictionary".into()),
        }
    }
    let spec = DeflateSpec {
        kind: deflate::NAME.to_owned(),
        preset: Some("bare".to_owned()),
        mem_level: Some(mem_level),
        server_no_context_takeover: Some(server_no_context_takeover),
        client_no_context_takeover: Some(client_no_context_takeover),
        server_max_window_bits,
        client_max_window_bits,
        level: Some(level),
        threshold: Some(threshold),
    };
    let config = spec.config(if client { Role::Client } else { Role::Server }).map_err(|_| "invalid settings".to_owned())?;
    let checked = if client { ClientPerMessageDeflateFactory::new(config).map(|_| ()) } else { ServerPerMessageDeflateFactory::new(config).map(|_| ()) };
    checked.map_err(|e| e.0)?;
    let out = Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&out, &k.into(), &v);
    };
    set("serverNoContextTakeover", server_no_context_takeover.into());
    set("clientNoContextTakeover", client_no_context_takeover.into());
    set("serverMaxWindowBits", server_max_window_bits.map_or(JsValue::NULL, JsValue::from));
    set("clientMaxWindowBits", match client_max_window_bits {
        Some(ClientBitsSpec::Value(b)) => JsValue::from(b),
        Some(ClientBitsSpec::Flag(true)) => JsValue::TRUE,
        _ => JsValue::NULL,
    });
    set("level", level.into());
    set("memLevel", mem_level.into());
    set("threshold", JsValue::from(threshold as f64));
    Ok(out.into())
}
