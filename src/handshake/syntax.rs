//! RFC 7230 §3.2 lexical rules shared by both roles: tokens, header values, token lists.
//! Everything that goes on the wire from user code passes through here, so a CR or LF can
//! never smuggle a header or a second response into the stream.

use super::error::{invalid, HandshakeError};

/// `tchar` (RFC 7230 §3.2.6): visible ASCII except the delimiters `"(),/:;<=>?@[\]{}`.
pub(crate) fn is_tchar(b: u8) -> bool {
    matches!(b, b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~')
        || b.is_ascii_alphanumeric()
}

/// `token = 1*tchar`.
pub(crate) fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(is_tchar)
}

/// Optional whitespace (RFC 7230 §3.2.3): space and horizontal tab.
pub(crate) fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

pub(crate) fn trim_ows(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

/// A header field we write: the name must be a token, the value must not break the line.
pub(crate) fn check_header(name: &str, value: &str) -> Result<(), HandshakeError> {
    if !is_token(name) {
        return Err(invalid(format!("invalid header name {name:?}: not an HTTP token")));
    }
    check_header_value(name, value)
}

/// CR and LF would end the field (header injection); NUL is rejected by most parsers.
pub(crate) fn check_header_value(name: &str, value: &str) -> Result<(), HandshakeError> {
    match value.bytes().find(|b| matches!(b, b'\r' | b'\n' | b'\0')) {
        Some(bad) => Err(invalid(format!("invalid value for header {name}: contains byte 0x{bad:02x}"))),
        None => Ok(()),
    }
}

/// Appends `name: value\r\n`; callers have validated both.
pub(crate) fn push_header(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Values of every header line named `name` (case-insensitive), in order.
pub(crate) fn header_values<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
}

/// Whether the comma-separated token lists in `values` contain `token` (case-insensitive),
/// as `Connection: keep-alive, Upgrade` must contain `upgrade`.
pub(crate) fn list_contains(values: &[&str], token: &str) -> bool {
    values.iter().flat_map(|v| v.split(',')).any(|item| trim_ows(item).eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn tchar_table() {
        let delimiters = b"\"(),/:;<=>?@[\\]{}";
        for b in 0u8..=255 {
            let expected = (0x21..0x7F).contains(&b) && !delimiters.contains(&b);
            assert_eq!(is_tchar(b), expected, "byte 0x{b:02x}");
        }
        assert!(is_token("permessage-deflate"));
        assert!(!is_token(""));
        assert!(!is_token("a b"));
    }

    #[test]
    fn header_checks() {
        assert!(check_header("X-Ok", "any value \t with tabs").is_ok());
        assert!(check_header("Bad Name", "v").unwrap_err().to_string().contains("invalid header name"));
        assert!(check_header("", "v").is_err());
        for bad in ["a\rb", "a\nb", "a\0b"] {
            assert!(check_header("X", bad).unwrap_err().to_string().contains("contains byte"), "{bad:?}");
        }
    }

    #[test]
    fn token_lists() {
        assert!(list_contains(&["keep-alive, Upgrade"], "upgrade"));
        assert!(list_contains(&["keep-alive", " UPGRADE "], "upgrade"));
        assert!(!list_contains(&["upgrades"], "upgrade"));
        assert!(!list_contains(&[], "upgrade"));
    }
}
