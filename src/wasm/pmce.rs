//! autobahn's PMCE classes (js/extensions/pmce.mjs) ask the core to read offers and responses
//! and to check accepts ([`crate::extensions::deflate::autobahn`],
//! [`crate::extensions::bzip2::autobahn`]), so their rules are written once. Errors are
//! `NegotiationError`s (JS `Error`s with the core's message).

use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use crate::extensions::bzip2::autobahn as bz;
use crate::extensions::deflate::autobahn as df;
use crate::extensions::{ExtensionParam, NegotiationError};

use super::records::to_js;

fn read<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    // A serde error shows as a JS Error's toString(): "Error: ...".
    serde_wasm_bindgen::from_value(value).map_err(|e| {
        let e = e.to_string();
        JsError::new(&format!("invalid {what}: {}", e.strip_prefix("Error: ").unwrap_or(&e)))
    })
}

fn negotiation(e: NegotiationError) -> JsError {
    JsError::new(&e.0)
}

/// `what`: `offer`, `response` or `negotiated` (a response the core accepted); `params`: `[[name, value|null]]`. Returns the fields of
/// autobahn's `PerMessage*Offer` / `PerMessage*Response` in camelCase.
#[wasm_bindgen(js_name = pmceParse)]
pub fn pmce_parse(name: &str, what: &str, params: JsValue) -> Result<JsValue, JsError> {
    let params: Vec<ExtensionParam> = read(params, "parameters")?;
    let fields = match (name, what) {
        (crate::extensions::deflate::NAME, "offer") => to_js(&df::Offer::parse(&params).map_err(negotiation)?),
        (crate::extensions::deflate::NAME, "response") => to_js(&df::Response::parse(&params).map_err(negotiation)?),
        (crate::extensions::deflate::NAME, "negotiated") => to_js(&df::Response::negotiated(&params).map_err(negotiation)?),
        (crate::extensions::bzip2::NAME, "offer") => to_js(&bz::Offer::parse(&params).map_err(negotiation)?),
        (crate::extensions::bzip2::NAME, "response" | "negotiated") => to_js(&bz::Response::parse(&params).map_err(negotiation)?),
        _ => return Err(JsError::new(&format!("no {what} parser for {name}"))),
    };
    Ok(fields)
}

/// Checks a constructor's arguments: `what` is `offer` (`base`: the offer's fields),
/// `offerAccept` (`base`: the offer, `accept`: its fields) or `responseAccept` (`base`: the response).
#[wasm_bindgen(js_name = pmceCheck)]
pub fn pmce_check(name: &str, what: &str, base: JsValue, accept: JsValue) -> Result<(), JsError> {
    let checked = match (name, what) {
        (crate::extensions::deflate::NAME, "offer") => read::<df::Offer>(base, "offer")?.check(),
        (crate::extensions::deflate::NAME, "offerAccept") => read::<df::OfferAccept>(accept, "accept")?.check(&read(base, "offer")?),
        (crate::extensions::deflate::NAME, "responseAccept") => read::<df::ResponseAccept>(accept, "accept")?.check(&read(base, "response")?),
        (crate::extensions::bzip2::NAME, "offer") => read::<bz::Offer>(base, "offer")?.check(),
        (crate::extensions::bzip2::NAME, "offerAccept") => read::<bz::OfferAccept>(accept, "accept")?.check(&read(base, "offer")?),
        (crate::extensions::bzip2::NAME, "responseAccept") => read::<bz::ResponseAccept>(accept, "accept")?.check(&read(base, "response")?),
        _ => return Err(JsError::new(&format!("no {what} check for {name}"))),
    };
    checked.map_err(negotiation)
}
