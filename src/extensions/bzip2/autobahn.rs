//! autobahn's per-message compression objects for permessage-bzip2 (`compress_bzip2.py`):
//! what `PerMessageBzip2Offer.parse` / `PerMessageBzip2Response.parse` read and the rules of
//! `PerMessageBzip2OfferAccept` / `PerMessageBzip2ResponseAccept`, kept here once for the JS
//! classes and the negotiation. Levels are 1–9 (0 in an offer or response: not given).
//! Both accepts also take `maxMessageSize`, as autobahn's deflate accepts do (autobahn's bzip2
//! ones have none): at most this many bytes decompressed per message on that connection.

use serde::{Deserialize, Serialize};

use crate::extensions::compression_params::{self, SendTune};
use crate::extensions::{ExtensionParam, NegotiationError};

use super::params::{parse, valid_level, Agreement};
use super::MAX_LEVEL;

type Result<T> = core::result::Result<T, NegotiationError>;

fn level(name: &str, value: u8) -> Result<u8> {
    if valid_level(value) {
        Ok(value)
    } else {
        Err(NegotiationError(format!("invalid value {value} for {name}: permissible values are 1-9")))
    }
}

fn optional_level(name: &str, value: u8) -> Result<u8> {
    if value == 0 { Ok(0) } else { level(name, value) }
}

/// A client's offer (`PerMessageBzip2Offer`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    pub accept_max_compress_level: bool,
    pub request_max_compress_level: u8,
}

impl Offer {
    pub fn parse(params: &[ExtensionParam]) -> Result<Offer> {
        let p = parse(params, false)?;
        Ok(Offer {
            accept_max_compress_level: p.client_accepts_cap,
            request_max_compress_level: p.server_max_compress_level.unwrap_or(0),
        })
    }

    /// The constructor's rule.
    pub fn check(&self) -> Result<()> {
        optional_level("requestMaxCompressLevel", self.request_max_compress_level).map(drop)
    }
}

/// The server's answer to an [`Offer`] (`PerMessageBzip2OfferAccept`).
#[derive(Deserialize, Clone, Copy, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct OfferAccept {
    pub request_max_compress_level: u8,
    /// Overrides our level; at most the client's request.
    pub compress_level: Option<u8>,
    /// At most this many bytes decompressed per message (1009 beyond); None: the connection's limit only.
    #[serde(deserialize_with = "compression_params::max_message_size")]
    pub max_message_size: Option<u64>,
}

impl OfferAccept {
    pub fn check(&self, offer: &Offer) -> Result<()> {
        if optional_level("requestMaxCompressLevel", self.request_max_compress_level)? != 0 && !offer.accept_max_compress_level {
            return Err(NegotiationError("requestMaxCompressLevel: the offer does not accept client_max_compress_level".into()));
        }
        if let Some(l) = self.compress_level {
            if level("compressLevel", l)? > offer.request_max_compress_level && offer.request_max_compress_level != 0 {
                return Err(NegotiationError(format!("compressLevel {l}: the client requested at most {}", offer.request_max_compress_level)));
            }
        }
        Ok(())
    }

    /// autobahn's `get_extension_string`, as parameters.
    pub fn response(&self, offer: &Offer) -> Vec<ExtensionParam> {
        let mut out = Vec::new();
        if offer.request_max_compress_level != 0 {
            out.push(("server_max_compress_level".into(), Some(offer.request_max_compress_level.to_string())));
        }
        if self.request_max_compress_level != 0 {
            out.push(("client_max_compress_level".into(), Some(self.request_max_compress_level.to_string())));
        }
        out
    }

    /// autobahn's `create_from_offer_accept`: our level and the caps.
    pub fn agreement(&self, offer: &Offer) -> (u8, Agreement) {
        let nonzero = |l: u8| (l != 0).then_some(l);
        let ours = self.compress_level.or(nonzero(offer.request_max_compress_level)).unwrap_or(MAX_LEVEL);
        let agreement = Agreement {
            server_max_compress_level: nonzero(offer.request_max_compress_level),
            client_max_compress_level: nonzero(self.request_max_compress_level),
        };
        (ours, agreement)
    }
}

/// A server's response (`PerMessageBzip2Response`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub client_max_compress_level: u8,
    pub server_max_compress_level: u8,
}

impl Response {
    pub fn parse(params: &[ExtensionParam]) -> Result<Response> {
        let p = parse(params, true)?;
        Ok(Response {
            client_max_compress_level: p.client_max_compress_level.unwrap_or(0),
            server_max_compress_level: p.server_max_compress_level.unwrap_or(0),
        })
    }
}

/// The client's answer to a [`Response`] (`PerMessageBzip2ResponseAccept`).
#[derive(Deserialize, Clone, Copy, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ResponseAccept {
    /// Overrides our level; at most the server's cap.
    pub compress_level: Option<u8>,
    /// As [`OfferAccept::max_message_size`], for what the client receives.
    #[serde(deserialize_with = "compression_params::max_message_size")]
    pub max_message_size: Option<u64>,
}

impl ResponseAccept {
    pub fn check(&self, response: &Response) -> Result<()> {
        if let Some(l) = self.compress_level {
            if level("compressLevel", l)? > response.client_max_compress_level && response.client_max_compress_level != 0 {
                return Err(NegotiationError(format!("compressLevel {l}: the server allows at most {}", response.client_max_compress_level)));
            }
        }
        Ok(())
    }

    /// autobahn's `create_from_response_accept`: the level the client compresses with.
    pub fn tune(&self, response: &Response) -> Result<SendTune> {
        self.check(response)?;
        let cap = match response.client_max_compress_level {
            0 => MAX_LEVEL,
            l => l,
        };
        Ok(SendTune::Bzip2 { level: self.compress_level.unwrap_or(cap), max_message_size: self.max_message_size })
    }
}
