//! autobahn's per-message compression objects for permessage-deflate (`compress_deflate.py`):
//! what `PerMessageDeflateOffer.parse` and `PerMessageDeflateResponse.parse` read, and the
//! rules of `PerMessageDeflateOfferAccept` / `PerMessageDeflateResponseAccept`. The JS classes
//! (js/extensions/pmce.mjs) and the negotiation both use these, so the rules live here once.
//! autobahn is stricter than the RFC in one place: windows are 9–15 (zlib cannot do 8).

use serde::{Deserialize, Serialize};

use crate::extensions::compression_params::{self, SendTune};
use crate::extensions::{ExtensionParam, NegotiationError};

use super::params::{parse, Agreement, ClientBits};

type Result<T> = core::result::Result<T, NegotiationError>;

fn fail<T>(what: String) -> Result<T> {
    Err(NegotiationError(what))
}

/// autobahn's `WINDOW_SIZE_PERMISSIBLE_VALUES`.
fn bits(name: &str, value: u8) -> Result<u8> {
    if (9..=15).contains(&value) {
        Ok(value)
    } else {
        fail(format!("invalid value {value} for {name}: permissible values are 9-15"))
    }
}

fn optional_bits(name: &str, value: u8) -> Result<u8> {
    if value == 0 { Ok(0) } else { bits(name, value) }
}

fn mem_level(value: Option<u8>) -> Result<()> {
    match value {
        Some(m) if !(1..=9).contains(&m) => fail(format!("invalid value {m} for memLevel: permissible values are 1-9")),
        _ => Ok(()),
    }
}

/// A client's offer, as autobahn's `PerMessageDeflateOffer` holds it (0: no window request).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    pub accept_no_context_takeover: bool,
    pub accept_max_window_bits: bool,
    pub request_no_context_takeover: bool,
    pub request_max_window_bits: u8,
}

impl Offer {
    /// autobahn's parse: `acceptNoContextTakeover` is always true (RFC 7692 §7.1.1.2 lets a
    /// server ask any client for it), `acceptMaxWindowBits` iff `client_max_window_bits` is
    /// there (its value, a limit the client keeps anyway, is only checked).
    pub fn parse(params: &[ExtensionParam]) -> Result<Offer> {
        let p = parse(params, false)?;
        if let Some(ClientBits::Value(b)) = p.client_max_window_bits {
            bits("client_max_window_bits", b)?;
        }
        let offer = Offer {
            accept_no_context_takeover: true,
            accept_max_window_bits: p.client_max_window_bits.is_some(),
            request_no_context_takeover: p.server_no_context_takeover,
            request_max_window_bits: p.server_max_window_bits.unwrap_or(0),
        };
        offer.check()?;
        Ok(offer)
    }

    /// The constructor's rule.
    pub fn check(&self) -> Result<()> {
        optional_bits("requestMaxWindowBits", self.request_max_window_bits).map(drop)
    }
}

/// The server's answer to an [`Offer`] (`PerMessageDeflateOfferAccept`).
#[derive(Deserialize, Clone, Copy, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct OfferAccept {
    pub request_no_context_takeover: bool,
    pub request_max_window_bits: u8,
    /// Overrides our own context takeover; cannot undo the client's request.
    pub no_context_takeover: Option<bool>,
    /// Overrides our own window; at most the client's request.
    pub window_bits: Option<u8>,
    pub mem_level: Option<u8>,
    /// autobahn's `max_message_size`: at most this many bytes decompressed per message.
    #[serde(deserialize_with = "compression_params::max_message_size")]
    pub max_message_size: Option<u64>,
}

impl OfferAccept {
    /// The constructor's rules, which keep the response truthful.
    pub fn check(&self, offer: &Offer) -> Result<()> {
        if self.request_no_context_takeover && !offer.accept_no_context_takeover {
            return fail("requestNoContextTakeover: the offer does not accept client_no_context_takeover".into());
        }
        if optional_bits("requestMaxWindowBits", self.request_max_window_bits)? != 0 && !offer.accept_max_window_bits {
            return fail("requestMaxWindowBits: the offer does not accept client_max_window_bits".into());
        }
        if offer.request_no_context_takeover && self.no_context_takeover == Some(false) {
            return fail("noContextTakeover false: the client requested server_no_context_takeover".into());
        }
        if let Some(w) = self.window_bits {
            if bits("windowBits", w)? > offer.request_max_window_bits && offer.request_max_window_bits != 0 {
                return fail(format!("windowBits {w}: the client requested at most {}", offer.request_max_window_bits));
            }
        }
        mem_level(self.mem_level)
    }

    /// autobahn's `get_extension_string`, as parameters.
    pub fn response(&self, offer: &Offer) -> Vec<ExtensionParam> {
        let flag = |name: &str| (name.to_owned(), None);
        let value = |name: &str, v: u8| (name.to_owned(), Some(v.to_string()));
        let mut out = Vec::new();
        if offer.request_no_context_takeover {
            out.push(flag("server_no_context_takeover"));
        }
        if offer.request_max_window_bits != 0 {
            out.push(value("server_max_window_bits", offer.request_max_window_bits));
        }
        if self.request_no_context_takeover {
            out.push(flag("client_no_context_takeover"));
        }
        if self.request_max_window_bits != 0 {
            out.push(value("client_max_window_bits", self.request_max_window_bits));
        }
        out
    }

    /// autobahn's `PerMessageDeflate.create_from_offer_accept`.
    pub fn agreement(&self, offer: &Offer) -> Agreement {
        let nonzero = |b: u8| (b != 0).then_some(b);
        Agreement {
            server_no_context_takeover: self.no_context_takeover.unwrap_or(offer.request_no_context_takeover),
            client_no_context_takeover: self.request_no_context_takeover,
            server_max_window_bits: self.window_bits.or(nonzero(offer.request_max_window_bits)),
            client_max_window_bits: nonzero(self.request_max_window_bits),
        }
    }
}

/// A server's response, as autobahn's `PerMessageDeflateResponse` holds it (0: not given).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub client_max_window_bits: u8,
    pub client_no_context_takeover: bool,
    pub server_max_window_bits: u8,
    pub server_no_context_takeover: bool,
}

impl Response {
    /// autobahn's parse: the RFC's rules, windows 9–15.
    pub fn parse(params: &[ExtensionParam]) -> Result<Response> {
        let r = Response::negotiated(params)?;
        optional_bits("client_max_window_bits", r.client_max_window_bits)?;
        optional_bits("server_max_window_bits", r.server_max_window_bits)?;
        Ok(r)
    }

    /// A response the core already accepted (its window may be 8), for `extensionsInUse`.
    pub fn negotiated(params: &[ExtensionParam]) -> Result<Response> {
        let p = parse(params, true)?;
        Ok(Response {
            client_max_window_bits: match p.client_max_window_bits {
                Some(ClientBits::Value(b)) => b,
                _ => 0,
            },
            client_no_context_takeover: p.client_no_context_takeover,
            server_max_window_bits: p.server_max_window_bits.unwrap_or(0),
            server_no_context_takeover: p.server_no_context_takeover,
        })
    }
}

/// The client's answer to a [`Response`] (`PerMessageDeflateResponseAccept`).
#[derive(Deserialize, Clone, Copy, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ResponseAccept {
    /// Overrides our context takeover; cannot undo the server's request.
    pub no_context_takeover: Option<bool>,
    /// Overrides our window; at most the server's limit.
    pub window_bits: Option<u8>,
    pub mem_level: Option<u8>,
    /// autobahn's `max_message_size`: at most this many bytes decompressed per message.
    #[serde(deserialize_with = "compression_params::max_message_size")]
    pub max_message_size: Option<u64>,
}

impl ResponseAccept {
    /// The constructor's rules.
    pub fn check(&self, response: &Response) -> Result<()> {
        if response.client_no_context_takeover && self.no_context_takeover == Some(false) {
            return fail("noContextTakeover false: the server requested client_no_context_takeover".into());
        }
        if let Some(w) = self.window_bits {
            if bits("windowBits", w)? > response.client_max_window_bits && response.client_max_window_bits != 0 {
                return fail(format!("windowBits {w}: the server allows at most {}", response.client_max_window_bits));
            }
        }
        mem_level(self.mem_level)
    }

    /// How the client compresses: autobahn's `PerMessageDeflate.create_from_response_accept`.
    pub fn tune(&self, response: &Response) -> Result<SendTune> {
        self.check(response)?;
        let window = match response.client_max_window_bits {
            0 => 15,
            b => b,
        };
        Ok(SendTune::Deflate {
            no_context_takeover: self.no_context_takeover.unwrap_or(response.client_no_context_takeover),
            window_bits: self.window_bits.unwrap_or(window),
            mem_level: self.mem_level,
            max_message_size: self.max_message_size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(list: &[(&str, Option<&str>)]) -> Vec<ExtensionParam> {
        list.iter().map(|(n, v)| (n.to_string(), v.map(str::to_string))).collect()
    }

    #[test]
    fn browsers_offer_accepts_client_no_context_takeover() {
        let offer = Offer::parse(&params(&[("client_max_window_bits", None)])).unwrap();
        assert!(offer.accept_no_context_takeover && offer.accept_max_window_bits);
        let accept = OfferAccept { request_no_context_takeover: true, ..Default::default() };
        accept.check(&offer).unwrap();
        assert_eq!(accept.response(&offer), params(&[("client_no_context_takeover", None)]));
    }

    #[test]
    fn refuses_what_autobahn_refuses() {
        assert!(Offer::parse(&params(&[("server_max_window_bits", Some("8"))])).is_err());
        let offer = Offer::parse(&params(&[("server_no_context_takeover", None), ("server_max_window_bits", Some("10"))])).unwrap();
        let keep = OfferAccept { no_context_takeover: Some(false), ..Default::default() };
        assert!(keep.check(&offer).is_err());
        let wide = OfferAccept { window_bits: Some(11), ..Default::default() };
        assert!(wide.check(&offer).is_err());
        let client_bits = OfferAccept { request_max_window_bits: 10, ..Default::default() };
        assert!(client_bits.check(&offer).is_err(), "the offer had no client_max_window_bits");
    }
}
