//! `mask::apply_mask` / `mask::mask_into` against a byte-at-a-time reference, over every key
//! phase, the sizes around the 8/16-byte block boundaries, and unaligned slices.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use wasmsocket::mask::{apply_mask, mask_into};

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// RFC 6455 §5.3, literally: octet i is XORed with octet i MOD 4 of the key. (2^64 is a
/// multiple of 4, so a wrapping offset keeps the phase.)
fn reference(data: &[u8], key: [u8; 4], offset: usize) -> Vec<u8> {
    data.iter().enumerate().map(|(i, b)| b ^ key[offset.wrapping_add(i) % 4]).collect()
}

/// Deterministic, non-repeating-looking bytes (a small LCG), so a wrong key phase shows.
fn data(len: usize) -> Vec<u8> {
    let mut x = 0x1234_5678u32;
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect()
}

fn check(src: &[u8], key: [u8; 4], offset: usize) {
    let expected = reference(src, key, offset);
    let mut in_place = src.to_vec();
    apply_mask(&mut in_place, key, offset);
    assert_eq!(in_place, expected, "apply_mask len {} offset {offset}", src.len());
    let mut appended = Vec::new();
    mask_into(&mut appended, src, key, offset);
    assert_eq!(appended, expected, "mask_into len {} offset {offset}", src.len());
}

#[test]
fn rfc_example_masked_hello() {
    // RFC 6455 §5.7: "Hello" masked with 37 fa 21 3d.
    let wire = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
    let mut buf = *b"Hello";
    apply_mask(&mut buf, KEY, 0);
    assert_eq!(buf, wire);
    let mut out = Vec::new();
    mask_into(&mut out, &wire, KEY, 0);
    assert_eq!(out, b"Hello");
}

#[test]
fn rfc_example_in_chunks_keeps_the_key_phase() {
    let wire = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
    for cut in 0..=wire.len() {
        let (a, b) = wire.split_at(cut);
        let mut out = Vec::new();
        mask_into(&mut out, a, KEY, 0);
        mask_into(&mut out, b, KEY, cut);
        assert_eq!(out, b"Hello", "cut {cut}");
        let mut buf = wire;
        let (a, b) = buf.split_at_mut(cut);
        apply_mask(a, KEY, 0);
        apply_mask(b, KEY, cut);
        assert_eq!(&buf, b"Hello", "cut {cut}");
    }
}

#[test]
fn every_offset_and_small_length() {
    let src = data(70);
    for offset in 0..8 {
        for len in 0..=70 {
            check(&src[..len], KEY, offset);
        }
    }
}

#[test]
fn large_sizes() {
    for len in [1000, 4096, 4097, 65_535, 65_536 + 13, 1 << 20] {
        let src = data(len);
        for offset in [0, 1, 3, 5, usize::MAX] {
            check(&src, KEY, offset);
        }
    }
}

#[test]
fn unaligned_sub_slices() {
    // Start and end at every alignment, so the blocks never sit on 8/16-byte boundaries.
    let src = data(300);
    for start in 0..17 {
        for end in [start, start + 1, start + 15, start + 16, start + 17, 200, 283 + start % 17, 300] {
            let end = end.max(start);
            let expected = reference(&src[start..end], [9, 8, 7, 6], start);
            let mut buf = src.clone();
            apply_mask(&mut buf[start..end], [9, 8, 7, 6], start);
            assert_eq!(buf[start..end], expected[..], "{start}..{end}");
            assert_eq!(buf[..start], src[..start], "bytes before {start} untouched");
            assert_eq!(buf[end..], src[end..], "bytes after {end} untouched");
            let mut out = vec![0u8; start % 5];
            mask_into(&mut out, &src[start..end], [9, 8, 7, 6], start);
            assert_eq!(out[start % 5..], expected[..], "mask_into {start}..{end}");
        }
    }
}

#[test]
fn mask_into_appends_after_existing_content() {
    let src = data(100);
    for existing in [0, 1, 7, 8, 15, 16, 33] {
        for cap_slack in [0, 3, 200] {
            let prefix: Vec<u8> = (0..existing as u8).collect();
            let mut dst = Vec::with_capacity(existing + cap_slack);
            dst.extend_from_slice(&prefix);
            mask_into(&mut dst, &src, KEY, 2);
            assert_eq!(dst.len(), existing + src.len());
            assert_eq!(dst[..existing], prefix[..]);
            assert_eq!(dst[existing..], reference(&src, KEY, 2)[..]);
        }
    }
}

#[test]
fn masking_twice_is_identity() {
    let src = data(1000);
    for offset in 0..4 {
        let mut buf = src.clone();
        apply_mask(&mut buf, [0xde, 0xad, 0xbe, 0xef], offset);
        assert_ne!(buf, src);
        apply_mask(&mut buf, [0xde, 0xad, 0xbe, 0xef], offset);
        assert_eq!(buf, src);

        let mut once = Vec::new();
        mask_into(&mut once, &src, [0xde, 0xad, 0xbe, 0xef], offset);
        let mut twice = Vec::new();
        mask_into(&mut twice, &once, [0xde, 0xad, 0xbe, 0xef], offset);
        assert_eq!(twice, src);
    }
}

#[test]
fn zero_key_changes_nothing() {
    let src = data(77);
    let mut buf = src.clone();
    apply_mask(&mut buf, [0; 4], 3);
    assert_eq!(buf, src);
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn matches_reference(
            src in proptest::collection::vec(any::<u8>(), 0..600),
            key in any::<[u8; 4]>(),
            offset in any::<usize>(),
            start in 0usize..17,
            existing in 0usize..20,
        ) {
            let start = start.min(src.len());
            let src = &src[start..];
            let expected = reference(src, key, offset);
            let mut buf = src.to_vec();
            apply_mask(&mut buf, key, offset);
            prop_assert_eq!(&buf, &expected);
            let mut dst = vec![0x55; existing];
            mask_into(&mut dst, src, key, offset);
            prop_assert_eq!(&dst[existing..], &expected[..]);
        }

        #[test]
        fn chunked_equals_whole(
            src in proptest::collection::vec(any::<u8>(), 0..300),
            key in any::<[u8; 4]>(),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..5),
        ) {
            let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(src.len() + 1)).collect();
            cuts.sort_unstable();
            let mut out = Vec::new();
            let mut at = 0;
            for cut in cuts.into_iter().chain([src.len()]) {
                mask_into(&mut out, &src[at..cut], key, at);
                at = cut;
            }
            prop_assert_eq!(out, reference(&src, key, 0));
        }
    }
}
