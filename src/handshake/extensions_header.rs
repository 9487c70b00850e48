//! The `Sec-WebSocket-Extensions` header (RFC 6455 §9.1) in both directions.
//!
//! ```text
//! Sec-WebSocket-Extensions = 1#extension             ; RFC 7230 #rule: OWS, empty elements
//! extension = token *( OWS ";" OWS param )
//! param     = token [ OWS "=" OWS ( token / quoted-string ) ]   ; unquoted value must be a token
//! ```
//! Several offers of one extension stay separate and in order: they are alternatives the
//! server picks from (RFC 7692 §5).

use super::syntax::{is_ows, is_tchar, is_token};
use crate::extensions::{ExtensionOffer, ExtensionParam};

/// Parses the values of every `Sec-WebSocket-Extensions` header line, in order.
/// No lines gives an empty list; lines present but holding no extension are an error.
pub fn parse_extensions(header_values: &[&str]) -> Result<Vec<ExtensionOffer>, String> {
    let mut offers = Vec::new();
    for (index, line) in header_values.iter().enumerate() {
        let mut parser = Parser { text: line.as_bytes(), pos: 0 };
        parser.list(&mut offers).map_err(|msg| match header_values.len() {
            1 => msg,
            _ => format!("{msg} (header line {})", index + 1),
        })?;
    }
    if offers.is_empty() && !header_values.is_empty() {
        return Err("no extension in header (expected at least one)".into());
    }
    Ok(offers)
}

/// Serialises offers into one header value. A value that is not a token is written as a
/// quoted-string; note that parsing rejects such values again, as RFC 6455 §9.1 requires.
pub fn format_extensions(offers: &[ExtensionOffer]) -> String {
    let mut out = String::new();
    for (i, offer) in offers.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&offer.name);
        for (name, value) in &offer.params {
            out.push_str("; ");
            out.push_str(name);
            if let Some(value) = value {
                out.push('=');
                push_value(&mut out, value);
            }
        }
    }
    out
}

fn push_value(out: &mut String, value: &str) {
    if is_token(value) {
        out.push_str(value);
        return;
    }
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// A cursor over one header line. Positions in messages are 0-based byte offsets.
struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_ows(&mut self) {
        while self.peek().is_some_and(is_ows) {
            self.pos += 1;
        }
    }

    /// "found 'x' at position 4" or "found end of header".
    fn found(&self) -> String {
        match self.peek() {
            None => "found end of header".into(),
            Some(b) if b.is_ascii_graphic() => format!("found '{}' at position {}", b as char, self.pos),
            Some(b) => format!("found byte 0x{b:02x} at position {}", self.pos),
        }
    }

    /// `#extension`: the caller checks that the whole header held at least one.
    fn list(&mut self, offers: &mut Vec<ExtensionOffer>) -> Result<(), String> {
        loop {
            self.skip_ows();
            match self.peek() {
                None => return Ok(()),
                // An empty list element (`a, , b`): RFC 7230 §7 says to accept and ignore it.
                Some(b',') => self.pos += 1,
                Some(_) => offers.push(self.extension()?),
            }
        }
    }

    /// `token *( ";" param )`, leaving the cursor on the `,` or the end that follows.
    fn extension(&mut self) -> Result<ExtensionOffer, String> {
        let name = self.token("extension name (a token)")?;
        let mut params = Vec::new();
        loop {
            self.skip_ows();
            match self.peek() {
                None | Some(b',') => return Ok(ExtensionOffer { name, params }),
                Some(b';') => {
                    self.pos += 1;
                    self.skip_ows();
                    params.push(self.param()?);
                }
                Some(_) => return Err(format!("expected ';' or ',' after extension {name}, {}", self.found())),
            }
        }
    }

    fn param(&mut self) -> Result<ExtensionParam, String> {
        let name = self.token("parameter name (a token)")?;
        let save = self.pos;
        self.skip_ows();
        if self.peek() != Some(b'=') {
            self.pos = save;
            return Ok((name, None));
        }
        self.pos += 1;
        self.skip_ows();
        let value = if self.peek() == Some(b'"') {
            let start = self.pos;
            let raw = self.quoted_string()?;
            // RFC 6455 §9.1: "the value MUST conform to the token ABNF" once unquoted.
            match String::from_utf8(raw) {
                Ok(value) if is_token(&value) => value,
                _ => {
                    return Err(format!(
                        "quoted value of parameter {name} at position {start} is not a token after unquoting"
                    ))
                }
            }
        } else {
            self.token(&format!("value of parameter {name} (a token or quoted string)"))?
        };
        Ok((name, Some(value)))
    }

    fn token(&mut self, what: &str) -> Result<String, String> {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.pos += 1;
        }
        match self.text.get(start..self.pos) {
            // tchar is ASCII, so the slice is UTF-8.
            Some(bytes) if !bytes.is_empty() => Ok(String::from_utf8_lossy(bytes).into_owned()),
            _ => Err(format!("expected {what}, {}", self.found())),
        }
    }

    /// `DQUOTE *( qdtext / quoted-pair ) DQUOTE` (RFC 7230 §3.2.6), returning the unescaped bytes.
    fn quoted_string(&mut self) -> Result<Vec<u8>, String> {
        let start = self.pos;
        self.pos += 1; // the opening quote
        let mut value = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(format!("unterminated quoted string starting at position {start}"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(value);
                }
                b'\\' => {
                    self.pos += 1;
                    match self.peek() {
                        Some(escaped) if escaped == b'\t' || (escaped >= b' ' && escaped != 0x7F) => {
                            value.push(escaped);
                            self.pos += 1;
                        }
                        Some(_) => return Err(format!("invalid escaped character in quoted string, {}", self.found())),
                        None => return Err(format!("unterminated quoted string starting at position {start}")),
                    }
                }
                // qdtext: HTAB, SP, visible ASCII except '"' and '\', and obs-text.
                b'\t' | b' '..=b'~' | 0x80..=0xFF => {
                    value.push(b);
                    self.pos += 1;
                }
                _ => return Err(format!("invalid character in quoted string, {}", self.found())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn offer(name: &str, params: &[(&str, Option<&str>)]) -> ExtensionOffer {
        ExtensionOffer::new(name, params)
    }

    #[test]
    fn permessage_deflate_offer() {
        let parsed = parse_extensions(&[
            "permessage-deflate; client_max_window_bits; server_max_window_bits=\"10\", permessage-deflate",
        ]);
        assert_eq!(
            parsed,
            Ok(vec![
                offer(
                    "permessage-deflate",
                    &[("client_max_window_bits", None), ("server_max_window_bits", Some("10"))]
                ),
                offer("permessage-deflate", &[]),
            ])
        );
    }

    #[test]
    fn escapes_are_removed() {
        assert_eq!(parse_extensions(&[r#"x; a="\1\0""#]), Ok(vec![offer("x", &[("a", Some("10"))])]));
    }

    #[test]
    fn errors_name_the_place() {
        assert_eq!(
            parse_extensions(&["a; =1"]).unwrap_err(),
            "expected parameter name (a token), found '=' at position 3"
        );
        assert_eq!(
            parse_extensions(&["a b"]).unwrap_err(),
            "expected ';' or ',' after extension a, found 'b' at position 2"
        );
        assert_eq!(
            parse_extensions(&["a", "b;"]).unwrap_err(),
            "expected parameter name (a token), found end of header (header line 2)"
        );
        assert!(parse_extensions(&["a; b=\"x"])
            .unwrap_err()
            .contains("unterminated quoted string starting at position 5"));
        assert!(parse_extensions(&["a; b=\"x y\""]).unwrap_err().contains("not a token"));
        assert!(parse_extensions(&[""]).unwrap_err().contains("no extension"));
    }

    #[test]
    fn format_quotes_only_non_tokens() {
        let offers = [offer("a", &[("p", None), ("q", Some("v"))]), offer("b", &[("r", Some("x \"y\\"))])];
        assert_eq!(format_extensions(&offers), r#"a; p; q=v, b; r="x \"y\\""#);
        assert_eq!(format_extensions(&[]), "");
    }
}
