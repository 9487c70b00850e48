//! permessage-bzip2 parameters (Autobahn's `compress_bzip2.py`): the configuration, strict
//! parsing of offers and responses, and how both roles negotiate them (for the shared factories
//! of [`crate::extensions::compression_factory`]). A response the client did not ask for fails the handshake.
//!
//! A level is bzip2's block size in units of 100 kB (1–9). It barely changes the ratio of
//! WebSocket-sized messages but sets the memory of both ends: the compressor needs about
//! 8 bytes per block byte, the decompressor 4 (2.5 in small mode), see [`super::memory`].

use crate::extensions::compression_params::{distinct, CompressionParams};
use crate::config::Role;
use crate::extensions::{Extension, NegotiationError};
use crate::extensions::ExtensionParam;

use super::extension::PerMessageBzip2;
use super::{MAX_LEVEL, NAME};

const SERVER_MAX_COMPRESS_LEVEL: &str = "server_max_compress_level";
const CLIENT_MAX_COMPRESS_LEVEL: &str = "client_max_compress_level";

/// What one endpoint asks for. Some fields only mean something in one role (marked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bzip2Config {
    /// The level we compress with, 1–9, lowered to any cap the peer sets. Autobahn's
    /// default is 9 (`PerMessageBzip2.DEFAULT_COMPRESS_LEVEL`), and so is ours. A message sent
    /// in one frame uses only the block size it needs, so small messages stay cheap anyway.
    pub level: u8,
    /// Both roles: the highest level the server may compress with, 1–9.
    /// Client: offered as `server_max_compress_level=N`.
    /// Server: caps its own level; the level is stated in the response whenever this is set
    /// or the client asked for a cap.
    pub server_max_compress_level: Option<u8>,
    /// Server only: the cap put on a client that offered the `client_max_compress_level`
    /// flag, sent as `client_max_compress_level=N`. Ignored by a client.
    pub client_max_compress_level: Option<u8>,
    /// Client only: offer the `client_max_compress_level` flag, letting the server cap our
    /// level (Autobahn's offer does by default). Ignored by a server.
    pub accept_client_max_compress_level: bool,
    /// Decompress with bzip2's small mode: 2.5 instead of 4 bytes per block byte while a
    /// message is received, at about half the decompression speed.
    pub small_decompress: bool,
}

impl Default for Bzip2Config {
    /// Autobahn's defaults: level 9, no caps, the client accepts a cap.
    fn default() -> Self {
        Bzip2Config {
            level: MAX_LEVEL,
            server_max_compress_level: None,
            client_max_compress_level: None,
            accept_client_max_compress_level: true,
            small_decompress: false,
        }
    }
}

impl Bzip2Config {
    pub fn server() -> Self {
        Bzip2Config::default()
    }

    pub fn client() -> Self {
        Bzip2Config::default()
    }
}

pub(super) fn valid_level(level: u8) -> bool {
    (1..=MAX_LEVEL).contains(&level)
}

// The rules of the settings, written once: [`Bzip2Config::validate`] applies them to a config
// and the JS factories (`ServerPerMessageBzip2Factory`, src/wasm/extensions.rs) to their raw
// options. `key` is the setting as the caller spells it (a field name here, the camelCase
// option in JS), and every error names it.

/// A level setting: an integer 1–9. A JS number arrives as it was given (`f64`).
pub fn level_setting(key: &str, value: f64) -> Result<u8, NegotiationError> {
    if value.fract() == 0.0 && (1.0..=f64::from(MAX_LEVEL)).contains(&value) {
        Ok(value as u8)
    } else {
        Err(NegotiationError(format!("{key} must be an integer 1-9, got {value}")))
    }
}

/// The cap put on a client's level (`client_max_compress_level=N` in a response): only a
/// server sets it; a client lets the server cap it or not (`accept_client_max_compress_level`).
pub fn client_cap_setting(key: &str, role: Role, value: f64) -> Result<u8, NegotiationError> {
    match role {
        Role::Server => level_setting(key, value),
        Role::Client => {
            Err(NegotiationError(format!("{key} is a server setting (a client's level is capped by the server)")))
        }
    }
}

/// The negotiated caps, as both sides now understand them (`None`: uncapped, i.e. 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Agreement {
    pub server_max_compress_level: Option<u8>,
    pub client_max_compress_level: Option<u8>,
}

impl Agreement {
    /// The highest level the side `role` may compress with.
    pub fn max_level(&self, role: Role) -> u8 {
        let cap = match role {
            Role::Server => self.server_max_compress_level,
            Role::Client => self.client_max_compress_level,
        };
        cap.unwrap_or(MAX_LEVEL)
    }

    /// The highest level the peer of `role` may compress with: the biggest block it may send.
    pub fn peer_max_level(&self, role: Role) -> u8 {
        match role {
            Role::Server => self.max_level(Role::Client),
            Role::Client => self.max_level(Role::Server),
        }
    }
}

/// One offer or response, read strictly.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Parsed {
    pub server_max_compress_level: Option<u8>,
    /// Response only.
    pub client_max_compress_level: Option<u8>,
    /// Offer only: the `client_max_compress_level` flag.
    pub client_accepts_cap: bool,
}

fn level(name: &str, value: &str) -> Result<u8, NegotiationError> {
    // One digit 1–9; "09", "+9" or " 9" are not valid spellings.
    match value.as_bytes() {
        [d @ b'1'..=b'9'] => Ok(d - b'0'),
        _ => Err(NegotiationError(format!("invalid {name} value: {value:?}"))),
    }
}

/// `response` is true when reading a server's response, where `client_max_compress_level`
/// needs a value; in an offer it is a flag without one.
pub(super) fn parse(params: &[ExtensionParam], response: bool) -> Result<Parsed, NegotiationError> {
    let mut p = Parsed::default();
    for (name, value) in distinct(params)? {
        match (name, value) {
            (SERVER_MAX_COMPRESS_LEVEL, None) => {
                return Err(NegotiationError(format!("{SERVER_MAX_COMPRESS_LEVEL} needs a value")))
            }
            (SERVER_MAX_COMPRESS_LEVEL, Some(v)) => p.server_max_compress_level = Some(level(name, v)?),
            (CLIENT_MAX_COMPRESS_LEVEL, Some(v)) if response => p.client_max_compress_level = Some(level(name, v)?),
            (CLIENT_MAX_COMPRESS_LEVEL, None) if response => {
                return Err(NegotiationError(format!("{CLIENT_MAX_COMPRESS_LEVEL} in a response needs a value")))
            }
            (CLIENT_MAX_COMPRESS_LEVEL, None) => p.client_accepts_cap = true,
            (CLIENT_MAX_COMPRESS_LEVEL, Some(v)) => {
                return Err(NegotiationError(format!(
                    "{CLIENT_MAX_COMPRESS_LEVEL} in an offer takes no value, got {v:?}"
                )))
            }
            _ => return Err(NegotiationError(format!("unknown parameter {name}"))),
        }
    }
    Ok(p)
}

fn build(server_level: Option<u8>, client_level: Option<u8>) -> Vec<ExtensionParam> {
    let mut out: Vec<ExtensionParam> = Vec::new();
    if let Some(l) = server_level {
        out.push((SERVER_MAX_COMPRESS_LEVEL.into(), Some(l.to_string())));
    }
    if let Some(l) = client_level {
        out.push((CLIENT_MAX_COMPRESS_LEVEL.into(), Some(l.to_string())));
    }
    out
}

fn min_cap(a: Option<u8>, b: Option<u8>) -> Option<u8> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl CompressionParams for Bzip2Config {
    const NAME: &'static str = NAME;
    const SERVER_DEFAULT: fn() -> Self = Bzip2Config::server;
    type Agreement = Agreement;

    fn extension(&self, role: Role, agreement: Agreement) -> Box<dyn Extension> {
        Box::new(PerMessageBzip2::new(role, agreement, self.level, self.small_decompress))
    }

    fn validate(&self) -> Result<(), NegotiationError> {
        let invalid = |e: NegotiationError| NegotiationError(format!("invalid bzip2 config: {}", e.0));
        level_setting("level", self.level.into()).map_err(invalid)?;
        for (key, cap) in [
            (SERVER_MAX_COMPRESS_LEVEL, self.server_max_compress_level),
            (CLIENT_MAX_COMPRESS_LEVEL, self.client_max_compress_level),
        ] {
            if let Some(l) = cap {
                level_setting(key, l.into()).map_err(invalid)?;
            }
        }
        Ok(())
    }

    fn negotiate(&self, params: &[ExtensionParam]) -> Result<(Vec<ExtensionParam>, Agreement), NegotiationError> {
        let offer = parse(params, false)?;
        // Our level: the lowest of the client's request, our cap and our level, stated only
        // if someone capped it (Autobahn states it exactly when the client asked).
        let capped = min_cap(offer.server_max_compress_level, self.server_max_compress_level);
        let server_max_compress_level = capped.map(|cap| cap.min(self.level));
        // The client's level may be capped only if it offered the flag.
        let client_max_compress_level = self.client_max_compress_level.filter(|_| offer.client_accepts_cap);
        let agreement = Agreement { server_max_compress_level, client_max_compress_level };
        Ok((build(server_max_compress_level, client_max_compress_level), agreement))
    }

    /// Autobahn's order: the flag first, then the request.
    fn offer(&self) -> Vec<ExtensionParam> {
        let mut out: Vec<ExtensionParam> = Vec::new();
        if self.accept_client_max_compress_level {
            out.push((CLIENT_MAX_COMPRESS_LEVEL.into(), None));
        }
        if let Some(l) = self.server_max_compress_level {
            out.push((SERVER_MAX_COMPRESS_LEVEL.into(), Some(l.to_string())));
        }
        out
    }

    fn accept(&self, params: &[ExtensionParam]) -> Result<Agreement, NegotiationError> {
        let r = parse(params, true)?;
        let err = |m: &str| Err(NegotiationError(m.into()));
        let server_max_compress_level = match (self.server_max_compress_level, r.server_max_compress_level) {
            (None, theirs) => theirs,
            (Some(_), None) => return err("server_max_compress_level was requested but not accepted"),
            (Some(ours), Some(theirs)) if theirs > ours => {
                return err("server_max_compress_level in the response is above the requested value")
            }
            (Some(_), theirs) => theirs,
        };
        if r.client_max_compress_level.is_some() && !self.accept_client_max_compress_level {
            return err("client_max_compress_level in the response was not offered");
        }
        Ok(Agreement { server_max_compress_level, client_max_compress_level: r.client_max_compress_level })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_name_the_offending_key() {
        assert_eq!(level_setting("level", 9.0), Ok(9));
        for bad in [0.0, 10.0, 1.5, -1.0, f64::NAN] {
            let e = level_setting("serverMaxCompressLevel", bad).unwrap_err().0;
            assert!(e.starts_with("serverMaxCompressLevel must be an integer 1-9, got "), "{e}");
        }
        assert_eq!(client_cap_setting("clientMaxCompressLevel", Role::Server, 2.0), Ok(2));
        let e = client_cap_setting("clientMaxCompressLevel", Role::Client, 2.0).unwrap_err().0;
        assert!(e.starts_with("clientMaxCompressLevel is a server setting"), "{e}");
    }

    #[test]
    fn validate_names_the_field() {
        let e = Bzip2Config { server_max_compress_level: Some(0), ..Bzip2Config::server() }.validate().unwrap_err().0;
        assert_eq!(e, "invalid bzip2 config: server_max_compress_level must be an integer 1-9, got 0");
        let e = Bzip2Config { level: 10, ..Bzip2Config::client() }.validate().unwrap_err().0;
        assert_eq!(e, "invalid bzip2 config: level must be an integer 1-9, got 10");
        assert!(Bzip2Config { client_max_compress_level: Some(9), ..Bzip2Config::server() }.validate().is_ok());
    }
}
