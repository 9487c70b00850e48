//! The built-in factories' options as python-websockets and autobahn spell them (camelCase
//! here), for `extensionCall`'s `deflateOptions` and `bzip2Options`: unknown names throw, the
//! values are checked by the core's rules, and what comes back is the settings each factory
//! keeps.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::{get, ClientBitsSpec, DeflateSpec};
use crate::config::Role;
use crate::extensions::bzip2::{Bzip2Config, ClientPerMessageBzip2Factory, ServerPerMessageBzip2Factory};
use crate::extensions::deflate::{self, ClientBits, ClientPerMessageDeflateFactory, ServerPerMessageDeflateFactory};

const DEFLATE_OPTIONS: [&str; 7] = [
    "serverNoContextTakeover",
    "clientNoContextTakeover",
    "serverMaxWindowBits",
    "clientMaxWindowBits",
    "compressSettings",
    "threshold",
    "requireClientMaxWindowBits",
];
/// Only `ServerPerMessageDeflateFactory` takes these (as in python-websockets).
const DEFLATE_SERVER_OPTIONS: [&str; 1] = ["requireClientMaxWindowBits"];
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
pub(super) fn deflate_options(client: bool, options: &JsValue) -> Result<JsValue, String> {
    let known: Vec<&str> =
        DEFLATE_OPTIONS.into_iter().filter(|k| !client || !DEFLATE_SERVER_OPTIONS.contains(k)).collect();
    let given = keys(options, &DEFLATE_OPTIONS, "option")?;
    if let Some(server_only) = given.iter().find(|k| !known.contains(&k.as_str())) {
        return Err(format!("{server_only} is an option of ServerPerMessageDeflateFactory only"));
    }
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
    let require_client_max_window_bits = flag("requireClientMaxWindowBits")?;
    // Its rule, in the core's params, naming the options as they are spelled here.
    let bits_given = match client_max_window_bits {
        Some(ClientBitsSpec::Value(b)) => Some(ClientBits::Value(b)),
        _ => None,
    };
    deflate::params::require_client_bits_setting(
        "requireClientMaxWindowBits",
        "clientMaxWindowBits",
        require_client_max_window_bits,
        bits_given,
    )
    .map_err(|e| e.0)?;
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
                        "compressSettings.strategy {s} is not supported: this library reuses compressors across \
                         connections and messages and re-levels them with Z_DEFAULT_STRATEGY (0), the only one accepted"
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
        require_client_max_window_bits: Some(require_client_max_window_bits),
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
    if !client {
        set("requireClientMaxWindowBits", require_client_max_window_bits.into());
    }
    Ok(out.into())
}

const BZIP2_OPTIONS: [&str; 5] =
    ["level", "serverMaxCompressLevel", "clientMaxCompressLevel", "acceptClientMaxCompressLevel", "smallDecompress"];

/// The bzip2 factories' options (`ServerPerMessageBzip2Factory` / `ClientPerMessageBzip2Factory`),
/// camelCase: unknown keys throw as deflate's do; the values' rules are the core's
/// ([`crate::extensions::bzip2::params`]), which name the option. Returns the settings the factory keeps.
pub(super) fn bzip2_options(role: Role, options: &JsValue) -> Result<JsValue, String> {
    use crate::extensions::bzip2::params::{client_cap_setting, level_setting};
    keys(options, &BZIP2_OPTIONS, "option")?;
    let number = |key: &str| value::<f64>(options, key, "a number or null");
    let flag = |key: &str| value::<bool>(options, key, "a boolean");
    let defaults = Bzip2Config::default();
    let mut c = defaults.clone();
    if let Some(l) = number("level")? {
        c.level = level_setting("level", l).map_err(|e| e.0)?;
    }
    if let Some(l) = number("serverMaxCompressLevel")? {
        c.server_max_compress_level = Some(level_setting("serverMaxCompressLevel", l).map_err(|e| e.0)?);
    }
    if let Some(l) = number("clientMaxCompressLevel")? {
        c.client_max_compress_level = Some(client_cap_setting("clientMaxCompressLevel", role, l).map_err(|e| e.0)?);
    }
    c.accept_client_max_compress_level =
        flag("acceptClientMaxCompressLevel")?.unwrap_or(defaults.accept_client_max_compress_level);
    c.small_decompress = flag("smallDecompress")?.unwrap_or(defaults.small_decompress);
    let checked = match role {
        Role::Server => ServerPerMessageBzip2Factory::new(c.clone()).map(drop),
        Role::Client => ClientPerMessageBzip2Factory::new(c.clone()).map(drop),
    };
    checked.map_err(|e| e.0)?;
    let out = Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&out, &k.into(), &v);
    };
    set("level", c.level.into());
    set("serverMaxCompressLevel", c.server_max_compress_level.map_or(JsValue::NULL, JsValue::from));
    set("clientMaxCompressLevel", c.client_max_compress_level.map_or(JsValue::NULL, JsValue::from));
    set("acceptClientMaxCompressLevel", c.accept_client_max_compress_level.into());
    set("smallDecompress", c.small_decompress.into());
    Ok(out.into())
}
