//! The Sec-WebSocket-Extensions parser (src/handshake/extensions_header.rs). The input is one
//! or more header lines separated by '\n'. Whatever parses must be well-formed (tokens only,
//! at least one offer) and survive format_extensions -> parse_extensions unchanged, both as
//! one joined line and line by line; parsing never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmsocket::handshake::{format_extensions, parse_extensions, ExtensionOffer};

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn check_offers(offers: &[ExtensionOffer]) {
    for offer in offers {
        assert!(is_token(&offer.name), "name {:?}", offer.name);
        for (name, value) in &offer.params {
            assert!(is_token(name), "param {name:?}");
            if let Some(value) = value {
                // RFC 6455 §9.1: a value is a token, even when it was quoted.
                assert!(is_token(value), "value {value:?}");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.split('\n').collect();
    let parsed = parse_extensions(&lines);
    // Each line alone: an error in one line must make the whole list an error.
    let per_line: Vec<_> = lines.iter().map(|l| parse_extensions(&[l])).collect();
    let Ok(offers) = parsed else {
        assert!(
            per_line.iter().any(|r| r.is_err()) || per_line.iter().all(|r| r.as_ref().is_ok_and(|o| o.is_empty())),
            "whole list failed but every line parsed: {lines:?}"
        );
        return;
    };
    assert!(!offers.is_empty());
    check_offers(&offers);
    // The concatenation of the lines' offers is the whole list's.
    let mut joined = Vec::new();
    // A line without any extension (only commas/whitespace) fails alone but not within the list.
    for offers_of_line in per_line.iter().flatten() {
        joined.extend(offers_of_line.iter().cloned());
    }
    assert_eq!(joined, offers);

    let formatted = format_extensions(&offers);
    assert_eq!(parse_extensions(&[&formatted]).as_ref(), Ok(&offers), "reparse of {formatted:?}");
    // Formatting is canonical: format(parse(format(x))) == format(x).
    assert_eq!(format_extensions(&parse_extensions(&[&formatted]).unwrap_or_default()), formatted);
    // One offer per line.
    let singles: Vec<String> = offers.iter().map(|o| format_extensions(std::slice::from_ref(o))).collect();
    let single_refs: Vec<&str> = singles.iter().map(String::as_str).collect();
    assert_eq!(parse_extensions(&single_refs), Ok(offers));
});
