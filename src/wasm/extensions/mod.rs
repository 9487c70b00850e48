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
//!
//! Here: the specs of the built-in extensions and the factories made from them; `js.rs`: the
//! extensions written in JS; `handles.rs`: the built-in factories called from JS
//! (`extensionCall`); `factory_options.rs`: the factories' options as python-websockets and
//! autobahn spell them, read and checked.

mod factory_options;
mod handles;
mod js;

use js_sys::{Array, Reflect};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::config::Role;
use crate::extensions::bzip2::{self, Bzip2Config, ClientPerMessageBzip2Factory, PerMessageBzip2, ServerPerMessageBzip2Factory};
use crate::extensions::deflate::{
    self, ClientBits, ClientPerMessageDeflateFactory, DeflateConfig, PerMessageDeflate, ServerPerMessageDeflateFactory,
};
use crate::extensions::{ClientExtensionFactory, Extension, ExtensionParam, PinnedServerFactory, ServerExtensionFactory};
use js::{adapter_of, JsClientFactory, JsServerFactory};

/// `clientMaxWindowBits`: a number, or `true` for "offer without a value".
#[derive(Deserialize, Clone, Copy)]
#[serde(untagged)]
pub(super) enum ClientBitsSpec {
    Value(u8),
    Flag(bool),
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub(super) struct DeflateSpec {
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
    /// Server: python-websockets' `require_client_max_window_bits`.
    require_client_max_window_bits: Option<bool>,
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
        c.require_client_max_window_bits =
            self.require_client_max_window_bits.unwrap_or(c.require_client_max_window_bits);
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

pub(super) fn invalid(what: impl std::fmt::Display) -> JsError {
    JsError::new(&format!("invalid extension: {what}"))
}

fn kind_of(spec: &JsValue) -> Result<String, JsError> {
    Reflect::get(spec, &"kind".into())
        .ok()
        .and_then(|k| k.as_string())
        .ok_or_else(|| invalid("each entry needs a string `kind`"))
}

/// `args[name]`, or undefined.
pub(super) fn get(args: &JsValue, name: &str) -> JsValue {
    Reflect::get(args, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

pub(super) fn from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, JsError> {
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
                let max_message_size = p.accept.max_message_size;
                out.push(Box::new(PinnedServerFactory {
                    name: bzip2::NAME.to_owned(),
                    offer: p.offer,
                    response,
                    make: move || -> Box<dyn Extension> {
                        let mut e = PerMessageBzip2::new(Role::Server, agreement, level, false);
                        e.set_max_message_size(max_message_size);
                        Box::new(e)
                    },
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
