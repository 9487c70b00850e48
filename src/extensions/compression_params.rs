//! What the parameters of a per-message compression extension (permessage-deflate,
//! permessage-bzip2) supply to the shared factories
//! ([`crate::extensions::compression_factory`]), and the strict reading both apply to offers
//! and responses.

use crate::config::Role;
use crate::extensions::{Extension, NegotiationError};
use crate::extensions::ExtensionParam;

/// An extension's configuration, which knows how to negotiate it in either role.
pub trait CompressionParams: Sized {
    /// The registered extension name.
    const NAME: &'static str;
    /// The configuration of a default server factory (a default client's is `Default`).
    const SERVER_DEFAULT: fn() -> Self;
    /// The negotiated parameters, as both sides understand them.
    type Agreement;

    /// Refuses a configuration out of range, before any handshake.
    fn validate(&self) -> Result<(), NegotiationError>;
    /// Server: the response parameters and agreement for one offer, or why it is declined.
    fn negotiate(&self, offer: &[ExtensionParam]) -> Result<(Vec<ExtensionParam>, Self::Agreement), NegotiationError>;
    /// Client: the parameters offered.
    fn offer(&self) -> Vec<ExtensionParam>;
    /// Client: the agreement a response establishes, or why the response is unacceptable.
    fn accept(&self, response: &[ExtensionParam]) -> Result<Self::Agreement, NegotiationError>;
    /// The extension one side runs under `agreement`.
    fn extension(&self, role: Role, agreement: Self::Agreement) -> Box<dyn Extension>;
}

/// The parameters as (name, value), once each: a repeated name makes the whole offer or
/// response unreadable (RFC 7692 §7, which bzip2 follows).
pub fn distinct(params: &[ExtensionParam]) -> Result<Vec<(&str, Option<&str>)>, NegotiationError> {
    let mut out: Vec<(&str, Option<&str>)> = Vec::with_capacity(params.len());
    for (name, value) in params {
        if out.iter().any(|(seen, _)| seen == name) {
            return Err(NegotiationError(format!("duplicate parameter {name}")));
        }
        out.push((name, value.as_deref()));
    }
    Ok(out)
}

/// Client: how autobahn's `perMessageCompressionAccept` (a ResponseAccept) has us compress,
/// applied after the handshake and before any message is sent.
/// Either also sets the extension's `max_message_size` for what the client receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendTune {
    Deflate { no_context_takeover: bool, window_bits: u8, mem_level: Option<u8>, max_message_size: Option<u64> },
    Bzip2 { level: u8, max_message_size: Option<u64> },
}

impl SendTune {
    /// autobahn's `max_message_size` of the accept (None: only the connection's limit).
    pub fn max_message_size(&self) -> Option<u64> {
        match *self {
            SendTune::Deflate { max_message_size, .. } | SendTune::Bzip2 { max_message_size, .. } => max_message_size,
        }
    }
}

/// The rule of autobahn's `max_message_size` (the accepts of both compressions): a byte count,
/// a whole number from 0 to 2^53 (what a JS number holds exactly), or null for none. As a
/// `deserialize_with` for the accepts' `maxMessageSize`, whose errors name it.
pub fn max_message_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_option(MaxMessageSize)
}

struct MaxMessageSize;

const RULE: &str = "maxMessageSize as a byte count (a whole number from 0) or null";

impl<'de> serde::de::Visitor<'de> for MaxMessageSize {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        f.write_str(RULE)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_f64(self)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        u64::try_from(v).map(Some).map_err(|_| E::custom(format!("expected {RULE}, got {v}")))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&v) {
            Ok(Some(v as u64))
        } else {
            Err(E::custom(format!("expected {RULE}, got {v}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::value::{Error, F64Deserializer, I64Deserializer, StrDeserializer, UnitDeserializer};
    use serde::de::IntoDeserializer;

    #[test]
    fn max_message_size_names_itself() {
        assert_eq!(max_message_size(IntoDeserializer::<Error>::into_deserializer(1000u64)), Ok(Some(1000)));
        assert_eq!(max_message_size(UnitDeserializer::<Error>::new()), Ok(None));
        assert_eq!(max_message_size(F64Deserializer::<Error>::new(0.0)), Ok(Some(0)));
        for bad in [-1.0, 1.5, f64::INFINITY] {
            let e = max_message_size(F64Deserializer::<Error>::new(bad)).unwrap_err().to_string();
            assert!(e.starts_with("expected maxMessageSize as a byte count"), "{e}");
        }
        let e = max_message_size(I64Deserializer::<Error>::new(-1)).unwrap_err().to_string();
        assert!(e.ends_with("got -1"), "{e}");
        let e = max_message_size(StrDeserializer::<Error>::new("x")).unwrap_err().to_string();
        assert!(e.contains("expected maxMessageSize as a byte count"), "{e}");
    }
}
