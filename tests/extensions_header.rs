//! The `Sec-WebSocket-Extensions` grammar (RFC 6455 §9.1 over RFC 7230 lists): accepted
//! forms, refused forms with their messages, and format → parse round trips.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use wasmsocket::handshake::{format_extensions, parse_extensions, ExtensionOffer};

fn offer(name: &str, params: &[(&str, Option<&str>)]) -> ExtensionOffer {
    ExtensionOffer::new(name, params)
}

#[test]
fn accepted_forms() {
    let pmd = "permessage-deflate";
    // (what, header lines, expected offers)
    let rows: Vec<(&str, Vec<&str>, Vec<ExtensionOffer>)> = vec![
        ("no header", vec![], vec![]),
        ("bare token", vec!["x-webkit-deflate-frame"], vec![offer("x-webkit-deflate-frame", &[])]),
        ("all tchars", vec!["!#$%&'*+-.^_`|~09AZaz"], vec![offer("!#$%&'*+-.^_`|~09AZaz", &[])]),
        ("param without value", vec!["pmd; server_no_context_takeover"], vec![offer("pmd", &[("server_no_context_takeover", None)])]),
        ("token value", vec!["pmd; client_max_window_bits=10"], vec![offer("pmd", &[("client_max_window_bits", Some("10"))])]),
        ("quoted value", vec!["pmd; client_max_window_bits=\"10\""], vec![offer("pmd", &[("client_max_window_bits", Some("10"))])]),
        ("escaped value", vec![r#"pmd; a="\1\0\-x""#], vec![offer("pmd", &[("a", Some("10-x"))])]),
        ("escaped punctuation", vec![r#"a; b="\!""#], vec![offer("a", &[("b", Some("!"))])]),
        (
            "several offers of one extension",
            vec!["permessage-deflate; client_max_window_bits=10, permessage-deflate; client_max_window_bits, permessage-deflate"],
            vec![
                offer(pmd, &[("client_max_window_bits", Some("10"))]),
                offer(pmd, &[("client_max_window_bits", None)]),
                offer(pmd, &[]),
            ],
        ),
        ("several header lines", vec!["a; x=1", "b", "a"], vec![offer("a", &[("x", Some("1"))]), offer("b", &[]), offer("a", &[])]),
        ("whitespace everywhere", vec!["  a \t;\t x \t= \"1\" ; y ,\tb  "], vec![offer("a", &[("x", Some("1")), ("y", None)]), offer("b", &[])]),
        ("empty list elements", vec![", a, , b,,"], vec![offer("a", &[]), offer("b", &[])]),
        ("empty element lines", vec!["a", ", ,"], vec![offer("a", &[])]),
        ("repeated params kept", vec!["a; p=1; p=2"], vec![offer("a", &[("p", Some("1")), ("p", Some("2"))])]),
    ];
    for (what, lines, expected) in rows {
        assert_eq!(parse_extensions(&lines), Ok(expected), "{what}");
    }
}

#[test]
fn refused_forms() {
    // (what, header lines, exact message or substring)
    let rows: &[(&str, &[&str], &str)] = &[
        ("empty header", &[""], "no extension in header (expected at least one)"),
        ("only commas", &[" , ,"], "no extension"),
        ("leading junk", &["=a"], "expected extension name (a token), found '=' at position 0"),
        ("leading semicolon", &["; a"], "expected extension name (a token), found ';' at position 0"),
        ("quoted name", &["\"a\""], "expected extension name (a token), found '\"' at position 0"),
        ("trailing junk", &["a; b=c d"], "expected ';' or ',' after extension a, found 'd' at position 7"),
        ("space inside name", &["perm essage"], "expected ';' or ',' after extension perm, found 'e' at position 5"),
        ("trailing semicolon", &["a;"], "expected parameter name (a token), found end of header"),
        ("missing value", &["a; b="], "expected value of parameter b (a token or quoted string), found end of header"),
        (
            "missing value before comma",
            &["a; b=, c"],
            "expected value of parameter b (a token or quoted string), found ',' at position 5",
        ),
        ("double equals", &["a; b==1"], "found '=' at position 5"),
        ("slash in token", &["a/b"], "found '/' at position 1"),
        (
            "quoted non-token",
            &["a; b=\"1 0\""],
            "quoted value of parameter b at position 5 is not a token after unquoting",
        ),
        ("quoted empty", &["a; b=\"\""], "is not a token after unquoting"),
        ("quoted comma", &["a; b=\"1,0\""], "is not a token"),
        ("quoted non-ASCII", &["a; b=\"é\""], "is not a token"),
        ("unterminated quote", &["a; b=\"10"], "unterminated quoted string starting at position 5"),
        ("escape at end", &["a; b=\"10\\"], "unterminated quoted string starting at position 5"),
        (
            "control char in quote",
            &["a; b=\"1\u{1}\""],
            "invalid character in quoted string, found byte 0x01 at position 7",
        ),
        ("control char outside", &["a\u{7f}"], "found byte 0x7f at position 1"),
        ("non-ASCII outside", &["é"], "found byte 0xc3 at position 0"),
        ("error on second line", &["a", "b c"], "found 'c' at position 2 (header line 2)"),
    ];
    for (what, lines, message) in rows {
        let err = parse_extensions(lines).expect_err(what);
        assert!(err.contains(message), "{what}: {err:?} does not contain {message:?}");
    }
}

#[test]
fn format_rows() {
    // (offers, formatted)
    let rows: Vec<(Vec<ExtensionOffer>, &str)> = vec![
        (vec![], ""),
        (vec![offer("a", &[])], "a"),
        (vec![offer("a", &[("p", None), ("q", Some("v"))]), offer("b", &[])], "a; p; q=v, b"),
        (vec![offer("a", &[("q", Some("1 0"))])], "a; q=\"1 0\""),
        (vec![offer("a", &[("q", Some(""))])], "a; q=\"\""),
        (vec![offer("a", &[("q", Some("x\"y\\z"))])], r#"a; q="x\"y\\z""#),
    ];
    for (offers, formatted) in rows {
        assert_eq!(format_extensions(&offers), formatted);
    }
}

#[test]
fn format_then_parse_round_trips() {
    let offers = vec![
        offer("permessage-deflate", &[("client_max_window_bits", None), ("server_max_window_bits", Some("10"))]),
        offer("permessage-deflate", &[]),
        offer("x-foo", &[("a", Some("b")), ("a", None)]),
    ];
    assert_eq!(parse_extensions(&[&format_extensions(&offers)]), Ok(offers));
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    const TOKEN: &str = "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}";

    fn offers() -> impl Strategy<Value = Vec<ExtensionOffer>> {
        let param = (TOKEN, proptest::option::of(TOKEN));
        let one =
            (TOKEN, proptest::collection::vec(param, 0..4)).prop_map(|(name, params)| ExtensionOffer { name, params });
        proptest::collection::vec(one, 1..5)
    }

    proptest! {
        #[test]
        fn format_parse_round_trip(offers in offers(), split in any::<usize>()) {
            prop_assert_eq!(parse_extensions(&[&format_extensions(&offers)]), Ok(offers.clone()));
            // Splitting the offers over two header lines changes nothing.
            let at = split % (offers.len() + 1);
            let (a, b) = (format_extensions(&offers[..at]), format_extensions(&offers[at..]));
            let lines: Vec<&str> = [a.as_str(), b.as_str()].into_iter().filter(|l| !l.is_empty()).collect();
            prop_assert_eq!(parse_extensions(&lines), Ok(offers));
        }

        #[test]
        fn parse_never_panics(lines in proptest::collection::vec(".*", 0..4)) {
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            let _ = parse_extensions(&refs);
        }

        #[test]
        fn parse_never_panics_on_grammar_soup(lines in proptest::collection::vec("[a-z;=,\" \t\\\\\u{1}é]{0,24}", 1..3)) {
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            if let Ok(offers) = parse_extensions(&refs) {
                // Whatever parses formats to something that parses to the same offers.
                prop_assert_eq!(parse_extensions(&[&format_extensions(&offers)]), Ok(offers));
            }
        }
    }
}
