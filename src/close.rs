//! Close frames (RFC 6455 §5.5.1, §7.4): which codes may travel on the wire, and the payload layout.

use crate::error::ProtocolError;

pub mod codes {
    pub const NORMAL: u16 = 1000;
    pub const GOING_AWAY: u16 = 1001;
    pub const PROTOCOL_ERROR: u16 = 1002;
    pub const UNSUPPORTED_DATA: u16 = 1003;
    /// Never on the wire: "no code was present".
    pub const NO_STATUS: u16 = 1005;
    /// Never on the wire: "the connection dropped without a close frame".
    pub const ABNORMAL: u16 = 1006;
    pub const INVALID_PAYLOAD: u16 = 1007;
    pub const POLICY_VIOLATION: u16 = 1008;
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    pub const MANDATORY_EXTENSION: u16 = 1010;
    pub const INTERNAL_ERROR: u16 = 1011;
    pub const SERVICE_RESTART: u16 = 1012;
    pub const TRY_AGAIN_LATER: u16 = 1013;
    pub const BAD_GATEWAY: u16 = 1014;
    /// Never on the wire: TLS handshake failure.
    pub const TLS_HANDSHAKE: u16 = 1015;
}

/// Most bytes of reason that fit a close frame: 125 control-frame bytes minus the 2-byte code.
pub const MAX_REASON_BYTES: usize = 123;

/// Whether `code` may appear in a close frame: the registered codes 1000–1003 and 1007–1014,
/// and the application/library ranges 3000–4999. 1004–1006, 1015, 0–999 and 1016–2999 may not.
pub fn is_valid_wire_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Parses a received close payload: empty → `None`; otherwise the code and UTF-8 reason.
/// A 1-byte payload or a code not allowed on the wire is a protocol error (1002);
/// a reason that is not UTF-8 is invalid data (1007).
pub fn parse_close_payload(data: &[u8]) -> Result<Option<(u16, String)>, ProtocolError> {
    match data {
        [] => Ok(None),
        [_] => Err(ProtocolError::protocol("close frame with a 1-byte payload")),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !is_valid_wire_code(code) {
                return Err(ProtocolError::protocol(format!("invalid close code {code}")));
            }
            match core::str::from_utf8(reason) {
                Ok(text) => Ok(Some((code, text.to_owned()))),
                Err(_) => Err(ProtocolError::invalid_utf8("close reason is not valid UTF-8")),
            }
        }
    }
}

/// The payload for a close frame we send. The reason is cut at a character boundary to fit.
pub fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    let reason = truncate_utf8(reason, MAX_REASON_BYTES);
    let mut out = Vec::with_capacity(2 + reason.len());
    out.extend_from_slice(&code.to_be_bytes());
    out.extend_from_slice(reason.as_bytes());
    out
}

fn truncate_utf8(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn wire_code_table() {
        let valid = |c: u16| (1000..=1003).contains(&c) || (1007..=1014).contains(&c) || (3000..=4999).contains(&c);
        for code in 0..=u16::MAX {
            assert_eq!(is_valid_wire_code(code), valid(code), "code {code}");
        }
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] {
            assert!(!is_valid_wire_code(code), "{code}");
        }
    }

    #[test]
    fn payload_rules() {
        assert_eq!(parse_close_payload(&[]), Ok(None));
        assert_eq!(parse_close_payload(&[0x03]).unwrap_err().close_code(), 1002);
        assert_eq!(parse_close_payload(&[0x03, 0xE8]), Ok(Some((1000, String::new()))));
        assert_eq!(parse_close_payload(&[0x03, 0xED]).unwrap_err().close_code(), 1002); // 1005
        assert_eq!(parse_close_payload(b"\x0b\xb8ok"), Ok(Some((3000, "ok".into()))));
        assert_eq!(parse_close_payload(b"\x03\xe8\xff").unwrap_err().close_code(), 1007);
    }

    #[test]
    fn long_reason_is_cut_at_a_char_boundary() {
        let reason = "é".repeat(100); // 200 bytes
        let payload = close_payload(1000, &reason);
        assert!(payload.len() <= 125);
        assert!(core::str::from_utf8(&payload[2..]).is_ok());
        assert_eq!(payload.len(), 2 + 122);
    }
}
