//! `utf8::Utf8Validator` against the Autobahn testsuite's 6.x vectors (and the UTF-8 decoder
//! stress test they come from): the verdict, the exact failing byte, and that neither depends
//! on how the bytes are cut into chunks.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use wasmsocket::utf8::{Utf8Error, Utf8Validator};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Valid,
    /// `feed` fails at this byte: the first one after which no valid continuation exists.
    Invalid(u64),
    /// Every byte is a possible prefix, but the stream ends inside a sequence starting here.
    Truncated(u64),
}
use Verdict::*;

/// "κόσμε", the Autobahn 6.3 / 6.4 payload.
const KOSME: &[u8] = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn vectors() -> Vec<(&'static str, Vec<u8>, Verdict)> {
    let mut v: Vec<(&'static str, Vec<u8>, Verdict)> = vec![
        // 6.1 / 6.2 / 6.3: valid messages.
        ("6.1 empty", vec![], Valid),
        ("6.2 mixed", "Hello-µ@ßöäüàá-UTF-8!!".into(), Valid),
        ("6.3 kosme", KOSME.to_vec(), Valid),
        ("ascii", b"Hello, world".to_vec(), Valid),
        // 6.4: fail fast in the middle of a message.
        ("6.4.1 / 6.4.2 above U+10FFFF after kosme", cat(&[KOSME, b"\xf4\x90\x80\x80", b"edited"]), Invalid(12)),
        ("surrogate after kosme", cat(&[KOSME, b"\xed\xa0\x80", b"edited"]), Invalid(12)),
        ("6.4 bare F4 90 after kosme", cat(&[KOSME, b"\xf4\x90"]), Invalid(12)),
        // 6.7 / 6.9: first and last code point of each length.
        ("6.7.1 U+0000", vec![0x00], Valid),
        ("6.7.2 U+0080", vec![0xc2, 0x80], Valid),
        ("6.7.3 U+0800", vec![0xe0, 0xa0, 0x80], Valid),
        ("6.7.4 U+10000", vec![0xf0, 0x90, 0x80, 0x80], Valid),
        ("6.9.1 U+007F", vec![0x7f], Valid),
        ("6.9.2 U+07FF", vec![0xdf, 0xbf], Valid),
        ("6.9.3 U+FFFF", vec![0xef, 0xbf, 0xbf], Valid),
        ("6.9.4 U+10FFFF", vec![0xf4, 0x8f, 0xbf, 0xbf], Valid),
        // 6.8 / 6.10: 5- and 6-byte forms and leads above F4 never start a sequence.
        ("6.8.1 5-byte first", vec![0xf8, 0x88, 0x80, 0x80, 0x80], Invalid(0)),
        ("6.8.2 6-byte first", vec![0xfc, 0x84, 0x80, 0x80, 0x80, 0x80], Invalid(0)),
        ("6.10.1 F7 BF BF BF", vec![0xf7, 0xbf, 0xbf, 0xbf], Invalid(0)),
        ("6.10.2 5-byte last", vec![0xfb, 0xbf, 0xbf, 0xbf, 0xbf], Invalid(0)),
        ("6.10.3 6-byte last", vec![0xfd, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf], Invalid(0)),
        // 6.11: other boundaries.
        ("6.11.1 U+D7FF", vec![0xed, 0x9f, 0xbf], Valid),
        ("6.11.2 U+E000", vec![0xee, 0x80, 0x80], Valid),
        ("6.11.3 U+FFFD", vec![0xef, 0xbf, 0xbd], Valid),
        ("6.11.4 U+10FFFF", vec![0xf4, 0x8f, 0xbf, 0xbf], Valid),
        ("6.11.5 U+110000", vec![0xf4, 0x90, 0x80, 0x80], Invalid(1)),
        // 6.12: unexpected continuation bytes.
        ("6.12.1 80", vec![0x80], Invalid(0)),
        ("6.12.2 BF", vec![0xbf], Invalid(0)),
        ("6.12.3 80 BF", vec![0x80, 0xbf], Invalid(0)),
        ("6.12.4 80 BF 80", vec![0x80, 0xbf, 0x80], Invalid(0)),
        ("6.12.8 all continuation bytes", (0x80..=0xbf).collect(), Invalid(0)),
        ("continuation after ascii", b"abc\x80".to_vec(), Invalid(3)),
        ("continuation after a complete char", vec![0xc2, 0x80, 0x80], Invalid(2)),
        ("5th byte after a 4-byte char", vec![0xf0, 0x90, 0x80, 0x80, 0x80], Invalid(4)),
        // 6.13: lonely start bytes followed by a space.
        ("6.13.1 C0 space", vec![0xc0, 0x20], Invalid(0)),
        ("6.13.1 C2 space", vec![0xc2, 0x20], Invalid(1)),
        ("6.13.1 DF space", vec![0xdf, 0x20], Invalid(1)),
        ("6.13.2 E0 space", vec![0xe0, 0x20], Invalid(1)),
        ("6.13.2 E1 80 space", vec![0xe1, 0x80, 0x20], Invalid(2)),
        ("6.13.3 F0 space", vec![0xf0, 0x20], Invalid(1)),
        ("6.13.3 F1 80 80 space", vec![0xf1, 0x80, 0x80, 0x20], Invalid(3)),
        ("6.13.4 F8 space", vec![0xf8, 0x20], Invalid(0)),
        ("6.13.5 FC space", vec![0xfc, 0x20], Invalid(0)),
        // 6.14: last continuation byte missing.
        ("6.14.1 C0", vec![0xc0], Invalid(0)),
        ("6.14.2 E0 80", vec![0xe0, 0x80], Invalid(1)),
        ("6.14.3 F0 80 80", vec![0xf0, 0x80, 0x80], Invalid(1)),
        ("6.14.4 F8 80 80 80", vec![0xf8, 0x80, 0x80, 0x80], Invalid(0)),
        ("6.14.6 DF", vec![0xdf], Truncated(0)),
        ("6.14.7 EF BF", vec![0xef, 0xbf], Truncated(0)),
        ("6.14.8 F7 BF BF", vec![0xf7, 0xbf, 0xbf], Invalid(0)),
        ("F4 8F BF", vec![0xf4, 0x8f, 0xbf], Truncated(0)),
        ("E0 A0", vec![0xe0, 0xa0], Truncated(0)),
        ("F0 90", vec![0xf0, 0x90], Truncated(0)),
        ("kosme then C2", cat(&[KOSME, b"\xc2"]), Truncated(11)),
        ("kosme then F1 80 80", cat(&[KOSME, b"\xf1\x80\x80"]), Truncated(11)),
        ("cut-off sequence then ascii", vec![0xe2, 0x82, 0x41], Invalid(2)),
        // 6.15: concatenated incomplete sequences.
        ("6.15.1", vec![0xc0, 0xe0, 0x80, 0xf0, 0x80, 0x80, 0xf8, 0x80, 0x80, 0x80, 0xdf, 0xef, 0xbf], Invalid(0)),
        // 6.16: impossible bytes.
        ("6.16.1 FE", vec![0xfe], Invalid(0)),
        ("6.16.2 FF", vec![0xff], Invalid(0)),
        ("6.16.3 FE FE FF FF", vec![0xfe, 0xfe, 0xff, 0xff], Invalid(0)),
        ("F5 after ascii", b"ok\xf5".to_vec(), Invalid(2)),
        // 6.17–6.19: overlong forms.
        ("6.17.1 C0 AF", vec![0xc0, 0xaf], Invalid(0)),
        ("6.17.2 E0 80 AF", vec![0xe0, 0x80, 0xaf], Invalid(1)),
        ("6.17.3 F0 80 80 AF", vec![0xf0, 0x80, 0x80, 0xaf], Invalid(1)),
        ("6.17.4 F8 80 80 80 AF", vec![0xf8, 0x80, 0x80, 0x80, 0xaf], Invalid(0)),
        ("6.17.5 FC 80 80 80 80 AF", vec![0xfc, 0x80, 0x80, 0x80, 0x80, 0xaf], Invalid(0)),
        ("6.18.1 C1 BF", vec![0xc1, 0xbf], Invalid(0)),
        ("6.18.2 E0 9F BF", vec![0xe0, 0x9f, 0xbf], Invalid(1)),
        ("6.18.3 F0 8F BF BF", vec![0xf0, 0x8f, 0xbf, 0xbf], Invalid(1)),
        ("6.19.1 C0 80", vec![0xc0, 0x80], Invalid(0)),
        ("6.19.2 E0 80 80", vec![0xe0, 0x80, 0x80], Invalid(1)),
        ("6.19.3 F0 80 80 80", vec![0xf0, 0x80, 0x80, 0x80], Invalid(1)),
        // 6.20 / 6.21: UTF-16 surrogates, single and paired.
        ("6.20.1 U+D800", vec![0xed, 0xa0, 0x80], Invalid(1)),
        ("6.20.2 U+DB7F", vec![0xed, 0xad, 0xbf], Invalid(1)),
        ("6.20.3 U+DB80", vec![0xed, 0xae, 0x80], Invalid(1)),
        ("6.20.4 U+DBFF", vec![0xed, 0xaf, 0xbf], Invalid(1)),
        ("6.20.5 U+DC00", vec![0xed, 0xb0, 0x80], Invalid(1)),
        ("6.20.6 U+DF80", vec![0xed, 0xbe, 0x80], Invalid(1)),
        ("6.20.7 U+DFFF", vec![0xed, 0xbf, 0xbf], Invalid(1)),
        ("6.21.1 U+D800 U+DC00", vec![0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80], Invalid(1)),
        ("6.21.8 U+DBFF U+DFFF", vec![0xed, 0xaf, 0xbf, 0xed, 0xbf, 0xbf], Invalid(1)),
        // 6.22: noncharacters are valid UTF-8.
        ("6.22.1 U+FFFE", vec![0xef, 0xbf, 0xbe], Valid),
        ("6.22.2 U+FFFF", vec![0xef, 0xbf, 0xbf], Valid),
        ("6.22.3 U+1FFFE", vec![0xf0, 0x9f, 0xbf, 0xbe], Valid),
        ("6.22.34 U+10FFFE", vec![0xf4, 0x8f, 0xbf, 0xbe], Valid),
        ("U+FDD0", vec![0xef, 0xb7, 0x90], Valid),
        // 6.23: U+FFFD and its neighbourhood.
        ("6.23.1 U+FFFD", vec![0xef, 0xbf, 0xbd], Valid),
        ("6.23.7 U+FFFD then U+FFFF", vec![0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbf], Valid),
    ];
    // 6.6: every prefix of "κόσμε": valid at character boundaries, truncated elsewhere.
    let starts = [0, 2, 5, 7, 9, 11];
    for len in 0..=KOSME.len() {
        let last_start = starts.iter().copied().filter(|&s| s <= len).max().unwrap_or(0);
        let verdict = if starts.contains(&len) { Valid } else { Truncated(last_start as u64) };
        v.push(("6.6 kosme prefix", KOSME[..len].to_vec(), verdict));
    }
    // Every byte value alone, and as a second byte after each lead.
    for b in 0..=255u8 {
        let alone = match b {
            0x00..=0x7f => Valid,
            0xc2..=0xf4 => Truncated(0),
            _ => Invalid(0),
        };
        v.push(("single byte", vec![b], alone));
    }
    for (lead, lo, hi, width) in [
        (0xc2u8, 0x80u8, 0xbfu8, 2),
        (0xe0, 0xa0, 0xbf, 3),
        (0xe1, 0x80, 0xbf, 3),
        (0xed, 0x80, 0x9f, 3),
        (0xee, 0x80, 0xbf, 3),
        (0xf0, 0x90, 0xbf, 4),
        (0xf3, 0x80, 0xbf, 4),
        (0xf4, 0x80, 0x8f, 4),
    ] {
        for b in 0..=255u8 {
            let verdict = match b {
                _ if (lo..=hi).contains(&b) && width == 2 => Valid,
                _ if (lo..=hi).contains(&b) => Truncated(0),
                _ => Invalid(1),
            };
            v.push(("lead + second byte", vec![lead, b], verdict));
        }
    }
    v
}

/// Feeds `chunks` one after another; returns the verdict and the index of the chunk whose
/// `feed` failed (`chunks.len()` for a failure at `finish`).
fn run(chunks: &[&[u8]]) -> (Verdict, usize) {
    let mut v = Utf8Validator::new();
    for (i, chunk) in chunks.iter().enumerate() {
        if let Err(Utf8Error { position }) = v.feed(chunk) {
            return (Invalid(position), i);
        }
    }
    match v.finish() {
        Ok(()) => (Valid, chunks.len()),
        Err(Utf8Error { position }) => (Truncated(position), chunks.len()),
    }
}

/// Checks one way of cutting `bytes`: the verdict, and that a failure came from the `feed`
/// whose chunk holds the failing byte (fail fast: not one chunk later).
fn check_chunks(name: &str, bytes: &[u8], chunks: &[&[u8]], expected: Verdict) {
    let (verdict, failed_in) = run(chunks);
    let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
    assert_eq!(verdict, expected, "{name}: {bytes:02X?} in chunks {sizes:?}");
    if let Invalid(pos) = expected {
        let start: usize = sizes[..failed_in].iter().sum();
        let end = start + sizes[failed_in];
        assert!((start..end).contains(&(pos as usize)), "{name}: failed in chunk {failed_in} {sizes:?}, byte {pos}");
    }
}

#[test]
fn vectors_in_one_call() {
    for (name, bytes, expected) in vectors() {
        check_chunks(name, &bytes, &[&bytes], expected);
        // The table itself agrees with the standard library on the whole input.
        assert_eq!(core::str::from_utf8(&bytes).is_ok(), expected == Valid, "{name}: {bytes:02X?}");
    }
}

#[test]
fn vectors_in_every_two_chunk_split() {
    for (name, bytes, expected) in vectors() {
        for cut in 0..=bytes.len() {
            let (a, b) = bytes.split_at(cut);
            check_chunks(name, &bytes, &[a, b], expected);
        }
    }
}

#[test]
fn vectors_byte_at_a_time() {
    for (name, bytes, expected) in vectors() {
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        check_chunks(name, &bytes, &chunks, expected);
        // Empty chunks in between change nothing.
        let with_empties: Vec<&[u8]> = bytes.chunks(1).flat_map(|c| [c, &[][..]]).collect();
        check_chunks(name, &bytes, &with_empties, expected);
    }
}

#[test]
fn vectors_after_a_long_valid_prefix() {
    // Positions count from the first byte, across chunks; a prefix longer than a block of
    // the std validator's ASCII fast path also moves the failing byte off the chunk start.
    let prefix = "é-ascii-".repeat(20).into_bytes();
    for (name, bytes, expected) in vectors() {
        let whole = cat(&[&prefix, &bytes]);
        let shifted = match expected {
            Valid => Valid,
            Invalid(p) => Invalid(p + prefix.len() as u64),
            Truncated(p) => Truncated(p + prefix.len() as u64),
        };
        check_chunks(name, &whole, &[&whole], shifted);
        check_chunks(name, &whole, &[&prefix, &bytes], shifted);
        for cut in [prefix.len() - 1, prefix.len() + 1] {
            let cut = cut.min(whole.len());
            check_chunks(name, &whole, &[&whole[..cut], &whole[cut..]], shifted);
        }
    }
}

#[test]
fn finish_resets_for_the_next_message() {
    let mut v = Utf8Validator::new();
    assert_eq!(v.feed(KOSME), Ok(()));
    assert_eq!(v.feed(&[0xe2, 0x82]), Ok(()));
    assert_eq!(v.finish(), Err(Utf8Error { position: 11 }));
    // A fresh message: positions count from 0 again and nothing is left over.
    assert_eq!(v.feed(&[0xac]), Err(Utf8Error { position: 0 }));
    assert_eq!(v.finish(), Err(Utf8Error { position: 0 }));
    assert_eq!(v.feed("€".as_bytes()), Ok(()));
    assert_eq!(v.finish(), Ok(()));
    assert_eq!(v.finish(), Ok(()));
}

#[test]
fn reset_drops_a_pending_sequence_and_an_error() {
    let mut v = Utf8Validator::new();
    assert_eq!(v.feed(&[0xf0, 0x9f]), Ok(()));
    v.reset();
    assert_eq!(v.feed(b"a"), Ok(()));
    assert_eq!(v.finish(), Ok(()));

    assert_eq!(v.feed(&[0xc0]), Err(Utf8Error { position: 0 }));
    v.reset();
    assert_eq!(v.feed(b"ok"), Ok(()));
    assert_eq!(v.finish(), Ok(()));
}

#[test]
fn an_error_is_sticky() {
    let mut v = Utf8Validator::new();
    assert_eq!(v.feed(b"ab"), Ok(()));
    assert_eq!(v.feed(&[0xed, 0xa0]), Err(Utf8Error { position: 3 }));
    assert_eq!(v.feed(b"more"), Err(Utf8Error { position: 3 }));
    assert_eq!(v.finish(), Err(Utf8Error { position: 3 }));
}

#[test]
fn large_message_in_uneven_chunks() {
    let text = "κόσμε ascii € 𝄞 ".repeat(5000);
    let bytes = text.as_bytes();
    for step in [1, 2, 3, 5, 7, 4096, 65_537] {
        let chunks: Vec<&[u8]> = bytes.chunks(step).collect();
        assert_eq!(run(&chunks), (Valid, chunks.len()), "step {step}");
    }
    let mut bad = bytes.to_vec();
    let at = bad.len() - 3;
    bad[at] = 0xff;
    for step in [1, 3, 4096] {
        let chunks: Vec<&[u8]> = bad.chunks(step).collect();
        assert_eq!(run(&chunks).0, Invalid(at as u64), "step {step}");
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// The definition: the first byte `p` such that `bytes[..=p]` is not a prefix of any valid
    /// UTF-8 (std calls a mere prefix "incomplete": `error_len() == None`). Quadratic; fine here.
    fn first_impossible_byte(bytes: &[u8]) -> Option<usize> {
        (0..bytes.len()).find(|&p| matches!(core::str::from_utf8(&bytes[..=p]), Err(e) if e.error_len().is_some()))
    }

    /// The verdict from std on the whole input. On `Some(n)` the maximal valid prefix ends at
    /// `valid_up_to()`, followed by `n` bytes that start a sequence but cannot finish it: the
    /// culprit is the byte right after those `n`, unless the lead byte cannot start any
    /// sequence (a continuation byte, C0, C1, F5–FF), in which case it is the culprit itself.
    /// On `None` every byte is a possible prefix and only `finish` fails, at `valid_up_to()`.
    fn expected(bytes: &[u8]) -> Verdict {
        match core::str::from_utf8(bytes) {
            Ok(_) => Valid,
            Err(e) => {
                let start = e.valid_up_to();
                match e.error_len() {
                    None => Truncated(start as u64),
                    Some(n) => {
                        let lead_can_start = matches!(bytes[start], 0xc2..=0xf4);
                        Invalid((if lead_can_start { start + n } else { start }) as u64)
                    }
                }
            }
        }
    }

    /// Mostly UTF-8 with some damage: whole characters, arbitrary bytes, and the bytes at the
    /// edges of the valid ranges.
    fn utf8ish() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            4 => any::<char>().prop_map(|c| c.to_string().into_bytes()),
            2 => proptest::sample::select(vec![
                0x00u8, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1,
                0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfe, 0xff,
            ])
            .prop_map(|b| vec![b]),
            1 => any::<u8>().prop_map(|b| vec![b]),
            1 => any::<char>().prop_map(|c| {
                let mut b = c.to_string().into_bytes();
                b.pop();
                b
            }),
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    fn split<'a>(bytes: &'a [u8], cuts: &[prop::sample::Index]) -> Vec<&'a [u8]> {
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut at = 0;
        for cut in cuts.into_iter().chain([bytes.len()]) {
            chunks.push(&bytes[at..cut]);
            at = cut;
        }
        chunks
    }

    fn agrees_with_std(bytes: &[u8], cuts: &[prop::sample::Index]) -> Result<(), TestCaseError> {
        let want = expected(bytes);
        // The valid_up_to/error_len reading above is the definition, restated.
        match want {
            Invalid(p) => prop_assert_eq!(first_impossible_byte(bytes), Some(p as usize)),
            _ => prop_assert_eq!(first_impossible_byte(bytes), None),
        }
        let chunks = split(bytes, cuts);
        let (got, failed_in) = run(&chunks);
        prop_assert_eq!(got, want, "{:02X?} in {} chunks", bytes, chunks.len());
        if let Invalid(p) = want {
            // Fail fast: the failing feed is the one that brought the culprit byte.
            let start: usize = chunks[..failed_in].iter().map(|c| c.len()).sum();
            prop_assert!((start..start + chunks[failed_in].len()).contains(&(p as usize)));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn mostly_utf8_agrees_with_std(
            bytes in utf8ish(),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            agrees_with_std(&bytes, &cuts)?;
        }

        #[test]
        fn arbitrary_bytes_agree_with_std(
            bytes in proptest::collection::vec(any::<u8>(), 0..48),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            agrees_with_std(&bytes, &cuts)?;
        }

        #[test]
        fn valid_text_is_valid_in_any_chunks(
            text in ".{0,40}",
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let chunks = split(text.as_bytes(), &cuts);
            prop_assert_eq!(run(&chunks), (Valid, chunks.len()));
        }
    }
}
