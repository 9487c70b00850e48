//! permessage-deflate parameters (RFC 7692 §7): the configuration, strict parsing of offers and
//! responses, and how both roles negotiate them (for the shared factories of
//! [`crate::extensions::compression_factory`]). The rules follow python-websockets, which follows the RFC.

use crate::extensions::compression_params::{distinct, CompressionParams};
use crate::config::Role;
use crate::extensions::{Extension, NegotiationError};
use crate::extensions::ExtensionParam;

use super::extension::PerMessageDeflate;
use super::NAME;

const SERVER_NO_CONTEXT_TAKEOVER: &str = "server_no_context_takeover";
pub(super) const CLIENT_NO_CONTEXT_TAKEOVER: &str = "client_no_context_takeover";
const SERVER_MAX_WINDOW_BITS: &str = "server_max_window_bits";
const CLIENT_MAX_WINDOW_BITS: &str = "client_max_window_bits";

/// `client_max_window_bits` as a client offers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientBits {
    /// `client_max_window_bits=N`: the client promises to compress with at most 2^N.
    Value(u8),
    /// `client_max_window_bits` without a value: the server may pick the client's window.
    Any,
}

/// What one endpoint asks for. Field meanings are per role: a server always imposes the
/// flags it sets and caps both windows; a client offers exactly these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeflateConfig {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    /// 8–15.
    pub server_max_window_bits: Option<u8>,
    /// 8–15, or `Any` (meaningful in a client offer only; a server treats it as `None`).
    pub client_max_window_bits: Option<ClientBits>,
    /// zlib level 0–9 (6 is zlib's default; 0 stores). 10, miniz_oxide's extra level from
    /// when it compressed, is still accepted and compresses as 9.
    pub level: u8,
    /// 1–9, zlib's name for how much memory compression may use (8 is zlib's default). To
    /// take context over, a connection remembers the last bytes it sent (as far back as zlib
    /// matches: 2^window - 262) in at most 2^(mem_level + 6) bytes (128 B … 32 KiB): as they are
    /// if they fit, else LZ4-packed (JSON packs ~3:1, so 8 reaches all 32 KiB). 9 with window
    /// 15 and context takeover keeps a whole compressor instead (371 KiB, the least CPU).
    /// Compressors themselves always use zlib's memLevel 8. See [`super::compress`],
    /// [`super::history`] and [`super::memory`].
    pub mem_level: u8,
    /// Data messages whose first frame is shorter than this are sent uncompressed.
    pub min_size: usize,
    /// Server only (python-websockets' `require_client_max_window_bits`): decline an offer
    /// without `client_max_window_bits`, so that every client compresses with at most the
    /// window `client_max_window_bits` (which must then be a value) sets; by default such an
    /// offer is accepted and the client keeps its window of up to 15. Ignored by a client.
    pub require_client_max_window_bits: bool,
}

impl Default for DeflateConfig {
    /// python-websockets' bare `ClientPerMessageDeflateFactory()`: no restriction, and the
    /// client lets the server choose its window (`client_max_window_bits` without a value).
    fn default() -> Self {
        DeflateConfig {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: Some(ClientBits::Any),
            level: 6,
            mem_level: 8,
            min_size: 0,
            require_client_max_window_bits: false,
        }
    }
}

impl DeflateConfig {
    /// The default server: no limits, as ws's. Our memory for sending is the history
    /// (`mem_level` 8: 16 KiB packed), not the window, so capping our own window saves little;
    /// between messages we keep 2^(client's window) bytes of what the client sent (32 KiB at
    /// 15): a connection holds 49 472 B, 64 072 B while a message of small frames arrives, plus
    /// its share of the thread's scratch compressors (371 KiB each, one per connection sending
    /// in turns, at most 8), and sends 0.6 % more bytes than ws's default on JSON, fewer than
    /// the reference zlib (tables in [`super::compress`] and [`super::memory`]). Capping the client's
    /// window at 12 bits (python-websockets' choice) would save 28 KiB per connection and cost
    /// the client's messages ~9 % on the wire.
    pub fn server() -> Self {
        DeflateConfig::default()
    }

    /// python-websockets' `enable_client_permessage_deflate`.
    pub fn client() -> Self {
        DeflateConfig::default()
    }
}

/// python-websockets' rule for `require_client_max_window_bits`: requiring the parameter in
/// offers needs a window to set there, a `client_max_window_bits` value. `key` and `bits_key`
/// name the two settings as the caller spells them ([`DeflateConfig::validate`]: the field
/// names; the JS factory, src/wasm/extensions.rs: its camelCase options).
pub fn require_client_bits_setting(
    key: &str,
    bits_key: &str,
    require: bool,
    client_bits: Option<ClientBits>,
) -> Result<(), NegotiationError> {
    if require && !matches!(client_bits, Some(ClientBits::Value(_))) {
        return Err(NegotiationError(format!("{key} needs {bits_key} set to a window (8-15) to require")));
    }
    Ok(())
}

/// The negotiated parameters, as both sides now understand them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Agreement {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    pub server_max_window_bits: Option<u8>,
    pub client_max_window_bits: Option<u8>,
}

impl Agreement {
    /// (window bits, no context takeover) of the side `role` compresses with.
    pub fn sending(&self, role: Role) -> (u8, bool) {
        match role {
            Role::Server => (self.server_max_window_bits.unwrap_or(15), self.server_no_context_takeover),
            Role::Client => (self.client_max_window_bits.unwrap_or(15), self.client_no_context_takeover),
        }
    }
    /// Same for the side `role` decompresses.
    pub fn receiving(&self, role: Role) -> (u8, bool) {
        match role {
            Role::Server => self.sending(Role::Client),
            Role::Client => self.sending(Role::Server),
        }
    }
}

/// One offer or response, read strictly.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Parsed {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    pub server_max_window_bits: Option<u8>,
    pub client_max_window_bits: Option<ClientBits>,
}

fn window_bits(name: &str, value: &str) -> Result<u8, NegotiationError> {
    // 1*DIGIT in 8..=15 (RFC 7692 §7.1.2); "08" or "+9" are not valid spellings.
    match value {
        "8" | "9" | "10" | "11" | "12" | "13" | "14" | "15" => Ok(value.parse().unwrap_or(15)),
        _ => Err(NegotiationError(format!("invalid {name} value: {value:?}"))),
    }
}

/// `response` is true when reading a server's response, where `client_max_window_bits`
/// needs a value (RFC 7692 §7.1.2.2).
pub(super) fn parse(params: &[ExtensionParam], response: bool) -> Result<Parsed, NegotiationError> {
    let mut p = Parsed::default();
    for (name, value) in distinct(params)? {
        let flag = |set: &mut bool| match value {
            None => {
                *set = true;
                Ok(())
            }
            Some(v) => Err(NegotiationError(format!("{name} takes no value, got {v:?}"))),
        };
        match (name, value) {
            (SERVER_NO_CONTEXT_TAKEOVER, _) => flag(&mut p.server_no_context_takeover)?,
            (CLIENT_NO_CONTEXT_TAKEOVER, _) => flag(&mut p.client_no_context_takeover)?,
            (SERVER_MAX_WINDOW_BITS, None) => {
                return Err(NegotiationError(format!("{SERVER_MAX_WINDOW_BITS} needs a value")))
            }
            (SERVER_MAX_WINDOW_BITS, Some(v)) => p.server_max_window_bits = Some(window_bits(name, v)?),
            (CLIENT_MAX_WINDOW_BITS, None) if response => {
                return Err(NegotiationError(format!("{CLIENT_MAX_WINDOW_BITS} in a response needs a value")))
            }
            (CLIENT_MAX_WINDOW_BITS, None) => p.client_max_window_bits = Some(ClientBits::Any),
            (CLIENT_MAX_WINDOW_BITS, Some(v)) => {
                p.client_max_window_bits = Some(ClientBits::Value(window_bits(name, v)?))
            }
            _ => return Err(NegotiationError(format!("unknown parameter {name}"))),
        }
    }
    Ok(p)
}

fn build(a: &Agreement, client_bits: Option<ClientBits>) -> Vec<ExtensionParam> {
    let mut out: Vec<ExtensionParam> = Vec::new();
    if a.server_no_context_takeover {
        out.push((SERVER_NO_CONTEXT_TAKEOVER.into(), None));
    }
    if a.client_no_context_takeover {
        out.push((CLIENT_NO_CONTEXT_TAKEOVER.into(), None));
    }
    if let Some(b) = a.server_max_window_bits {
        out.push((SERVER_MAX_WINDOW_BITS.into(), Some(b.to_string())));
    }
    match client_bits {
        Some(ClientBits::Value(b)) => out.push((CLIENT_MAX_WINDOW_BITS.into(), Some(b.to_string()))),
        Some(ClientBits::Any) => out.push((CLIENT_MAX_WINDOW_BITS.into(), None)),
        None => {}
    }
    out
}

/// The response parameters that state `a` (what a server answers for it).
pub fn response_params(a: &Agreement) -> Vec<ExtensionParam> {
    build(a, a.client_max_window_bits.map(ClientBits::Value))
}

impl CompressionParams for DeflateConfig {
    const NAME: &'static str = NAME;
    const SERVER_DEFAULT: fn() -> Self = DeflateConfig::server;
    type Agreement = Agreement;

    fn extension(&self, role: Role, agreement: Agreement) -> Box<dyn Extension> {
        Box::new(PerMessageDeflate::from_config(role, agreement, self))
    }

    fn validate(&self) -> Result<(), NegotiationError> {
        let bad = |what: &str| Err(NegotiationError(format!("invalid deflate config: {what}")));
        if self.server_max_window_bits.is_some_and(|b| !(8..=15).contains(&b)) {
            return bad("server_max_window_bits out of 8..=15");
        }
        if matches!(self.client_max_window_bits, Some(ClientBits::Value(b)) if !(8..=15).contains(&b)) {
            return bad("client_max_window_bits out of 8..=15");
        }
        if self.level > 10 {
            return bad("level above 10");
        }
        if !(1..=9).contains(&self.mem_level) {
            return bad("mem_level out of 1..=9");
        }
        require_client_bits_setting(
            "require_client_max_window_bits",
            CLIENT_MAX_WINDOW_BITS,
            self.require_client_max_window_bits,
            self.client_max_window_bits,
        )
        .map_err(|e| NegotiationError(format!("invalid deflate config: {}", e.0)))
    }

    fn negotiate(&self, params: &[ExtensionParam]) -> Result<(Vec<ExtensionParam>, Agreement), NegotiationError> {
        let offer = parse(params, false)?;
        // Flags: accept what the client asked for, and impose our own (RFC 7692 §7.1.1:
        // a server may add either flag to its response).
        let server_no_context_takeover = offer.server_no_context_takeover || self.server_no_context_takeover;
        let client_no_context_takeover = offer.client_no_context_takeover || self.client_no_context_takeover;
        // Our window: the lower of the client's limit and ours (§7.1.2.1).
        let server_max_window_bits = match (offer.server_max_window_bits, self.server_max_window_bits) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // The client's window: only if the client offered the parameter may we set it
        // (§7.1.2.2); without it, the client uses up to 15 and we inflate that fine.
        let ours = match self.client_max_window_bits {
            Some(ClientBits::Value(b)) => Some(b),
            _ => None,
        };
        let client_max_window_bits = match (offer.client_max_window_bits, ours) {
            // python-websockets: a server that requires the parameter declines the offer.
            (None, Some(_)) if self.require_client_max_window_bits => {
                return Err(NegotiationError(format!("required {CLIENT_MAX_WINDOW_BITS}")))
            }
            (None, _) => None,
            (Some(ClientBits::Any), b) => b,
            (Some(ClientBits::Value(a)), Some(b)) => Some(a.min(b)),
            // The client limited itself; echoing its value is allowed and makes it explicit.
            (Some(ClientBits::Value(a)), None) => Some(a),
        };
        let agreement = Agreement {
            server_no_context_takeover,
            client_no_context_takeover,
            server_max_window_bits,
            client_max_window_bits,
        };
        Ok((build(&agreement, client_max_window_bits.map(ClientBits::Value)), agreement))
    }

    fn offer(&self) -> Vec<ExtensionParam> {
        let a = Agreement {
            server_no_context_takeover: self.server_no_context_takeover,
            client_no_context_takeover: self.client_no_context_takeover,
            server_max_window_bits: self.server_max_window_bits,
            client_max_window_bits: None,
        };
        build(&a, self.client_max_window_bits)
    }

    fn accept(&self, params: &[ExtensionParam]) -> Result<Agreement, NegotiationError> {
        let r = parse(params, true)?;
        let err = |m: &str| Err(NegotiationError(m.into()));
        if self.server_no_context_takeover && !r.server_no_context_takeover {
            return err("server_no_context_takeover was requested but not accepted");
        }
        // The server may always ask us not to take over context; and we may always choose
        // not to (§7.1.1.2), so our own flag stands either way.
        let client_no_context_takeover = r.client_no_context_takeover || self.client_no_context_takeover;
        let server_max_window_bits = match (self.server_max_window_bits, r.server_max_window_bits) {
            (None, any) => any,
            (Some(_), None) => return err("server_max_window_bits was requested but not accepted"),
            (Some(ours), Some(theirs)) if theirs > ours => {
                return err("server_max_window_bits in the response is above the offered value")
            }
            (Some(_), theirs) => theirs,
        };
        let client_max_window_bits = match (self.client_max_window_bits, r.client_max_window_bits) {
            (None, Some(_)) => return err("client_max_window_bits in the response was not offered"),
            (None, None) => None,
            (Some(ClientBits::Any), Some(ClientBits::Value(b))) => Some(b),
            (Some(ClientBits::Any), _) => None,
            // Without a value in the response we keep the limit we offered ourselves.
            (Some(ClientBits::Value(ours)), None) => Some(ours),
            (Some(ClientBits::Value(ours)), Some(ClientBits::Value(theirs))) if theirs > ours => {
                return err("client_max_window_bits in the response is above the offered value")
            }
            (Some(ClientBits::Value(_)), Some(ClientBits::Value(theirs))) => Some(theirs),
            // parse() rejects a response without a value, so this is unreachable in practice.
            (Some(ClientBits::Value(_)), Some(ClientBits::Any)) => {
                return err("client_max_window_bits in a response needs a value")
            }
        };
        Ok(Agreement {
            server_no_context_takeover: r.server_no_context_takeover,
            client_no_context_takeover,
            server_max_window_bits,
            client_max_window_bits,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(list: &[(&str, Option<&str>)]) -> Vec<ExtensionParam> {
        list.iter().map(|(n, v)| (n.to_string(), v.map(str::to_string))).collect()
    }

    fn requiring(bits: u8) -> DeflateConfig {
        DeflateConfig {
            client_max_window_bits: Some(ClientBits::Value(bits)),
            require_client_max_window_bits: true,
            ..DeflateConfig::server()
        }
    }

    #[test]
    fn require_client_max_window_bits_declines_offers_without_it() {
        let server = requiring(10);
        server.validate().unwrap();
        let e = server.negotiate(&p(&[])).unwrap_err();
        assert_eq!(e.0, "required client_max_window_bits");
        let e = server.negotiate(&p(&[("server_max_window_bits", Some("12"))])).unwrap_err();
        assert_eq!(e.0, "required client_max_window_bits");
        // With the parameter the offer is accepted and the client's window capped as usual.
        let (response, agreement) = server.negotiate(&p(&[("client_max_window_bits", None)])).unwrap();
        assert_eq!(response, p(&[("client_max_window_bits", Some("10"))]));
        assert_eq!(agreement.client_max_window_bits, Some(10));
        let (response, _) = server.negotiate(&p(&[("client_max_window_bits", Some("9"))])).unwrap();
        assert_eq!(response, p(&[("client_max_window_bits", Some("9"))]));
        let (response, _) = server.negotiate(&p(&[("client_max_window_bits", Some("15"))])).unwrap();
        assert_eq!(response, p(&[("client_max_window_bits", Some("10"))]));
        // Without the option, an offer without the parameter is accepted (the client keeps 15).
        let lenient = DeflateConfig { require_client_max_window_bits: false, ..requiring(10) };
        let (response, agreement) = lenient.negotiate(&p(&[])).unwrap();
        assert_eq!((response, agreement.client_max_window_bits), (p(&[]), None));
    }

    #[test]
    fn require_client_max_window_bits_needs_a_window() {
        for bits in [None, Some(ClientBits::Any)] {
            let config = DeflateConfig { client_max_window_bits: bits, ..requiring(10) };
            let e = config.validate().unwrap_err().0;
            assert_eq!(
                e,
                "invalid deflate config: require_client_max_window_bits needs client_max_window_bits set to a window (8-15) to require"
            );
        }
        let e =
            require_client_bits_setting("requireClientMaxWindowBits", "clientMaxWindowBits", true, None).unwrap_err();
        assert!(e.0.starts_with("requireClientMaxWindowBits needs clientMaxWindowBits"), "{}", e.0);
        assert!(require_client_bits_setting("a", "b", false, None).is_ok());
    }
}
