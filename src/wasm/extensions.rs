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

use js_sys::{Array, Function, Reflect, Uint8Array};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::bzip2::{self, Bzip2Config, ClientPerMessageBzip2Factory, PerMessageBzip2, ServerPerMessageBzip2Factory};
use crate::config::Role;
use crate::deflate::{self, ClientBits, ClientPerMessageDeflateFactory, DeflateConfig, PerMessageDeflate, ServerPerMessageDeflateFactory};
use crate::error::ProtocolError;
use crate::extension::{ClientExtensionFactory, Extension, NegotiationError, PinnedServerFactory, ServerExtensionFactory};
use crate::frame::{Frame, Opcode};
use crate::handshake::ExtensionParam;

use super::to_js;

/// `clientMaxWindowBits`: a number, or `true` for "offer without a value".
#[derive(Deserialize)]
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
/// accept and derives the response and agreement ([`crate::deflate::autobahn`]).
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
                if level > 9 {
                    return Err(invalid("deflate level is 0-9"));
                }
                out.push(Box::new(PinnedServerFactory {
                    name: deflate::NAME.to_owned(),
                    offer: p.offer,
                    response,
                    make: move || -> Box<dyn Extension> {
                        Box::new(PerMessageDeflate::with_mem_level(Role::Server, agreement, level, mem_level, threshold))
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

fn names(accepted: &[Box<dyn Extension>]) -> JsValue {
    accepted.iter().map(|e| JsValue::from_str(e.name())).collect::<Array>().into()
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
        let ext = JsExtension::new(pair.get(1)).map_err(|_| NegotiationError("invalid extension object".into()))?;
        Ok((response, Box::new(ext)))
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
        Ok(Box::new(JsExtension::new(ext).map_err(|_| NegotiationError("invalid extension object".into()))?))
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

    fn call(&self, f: &Function, frame: Frame, max_size: Option<u64>, default_code: u16) -> Result<Frame, ProtocolError> {
        let args = Array::of4(
            &JsValue::from_bool(frame.fin),
            &JsValue::from(frame.opcode as u8),
            &JsValue::from(frame.rsv),
            &Uint8Array::from(frame.data.as_slice()),
        );
        args.push(&max_size.map_or(JsValue::NULL, |m| JsValue::from_f64(m as f64)));
        let result = f.apply(&self.adapter, &args).map_err(|e| js_failure(&e, default_code))?;
        let out = Array::from(&result);
        let bad = || ProtocolError::new(1011, format!("{}: encode/decode must return a Frame", self.name));
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

fn js_failure(error: &JsValue, default_code: u16) -> ProtocolError {
    let code = Reflect::get(error, &"closeCode".into()).ok().and_then(|c| c.as_f64()).map(|c| c as u16);
    let code = match code {
        Some(c @ (1002 | 1007 | 1009 | 1010 | 1011)) => c,
        _ => default_code,
    };
    ProtocolError::new(code, error_message(error))
}

impl Extension for JsExtension {
    fn name(&self) -> &str {
        &self.name
    }

    fn rsv_bits(&self) -> u8 {
        self.rsv_bits
    }

    fn encode(&mut self, frame: Frame) -> Result<Frame, ProtocolError> {
        self.call(&self.encode, frame, None, 1011)
    }

    fn decode(&mut self, frame: Frame, max_size: Option<u64>) -> Result<Frame, ProtocolError> {
        self.call(&self.decode, frame, max_size, 1011)
    }
}
