//! XOR masking (RFC 6455 §5.3): payload byte `i` is XORed with `key[i % 4]`.
//!
//! Every received payload goes through here, so it works a block at a time: 16 bytes per step
//! with explicit simd128 on wasm (LLVM does not auto-vectorise the byte loop there), 8 bytes per
//! step with `u64` words elsewhere, and single bytes only for the tail. Blocks start at multiples
//! of 8/16 from the start of the slice, so one key rotated to `offset` fits every block; unaligned
//! loads are fine on both paths (`from_ne_bytes` copies, wasm `v128.load` takes any address).

use core::mem::MaybeUninit;

/// XORs `buf` in place with `key`, where `buf[0]` is payload byte number `offset`
/// (so masking can continue across chunk boundaries: key index = (offset + i) % 4).
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let key = rotate_key(key, offset);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let buf = simd::apply(buf, key);
    apply_words(buf, key);
}

/// Appends `src` XOR `key` to `dst` (one pass: the copy and the unmask are fused).
/// `src[0]` is payload byte number `offset`.
pub fn mask_into(dst: &mut Vec<u8>, src: &[u8], key: [u8; 4], offset: usize) {
    let key = rotate_key(key, offset);
    let (len, added) = (dst.len(), src.len());
    dst.reserve(added);
    // Cannot panic: `reserve` made room for at least `added` more bytes. Indexing, not `get`:
    // the `set_len` below relies on `spare` being exactly `added` long, so a silent shorter
    // slice would be unsound where a panic is only a bug.
    #[allow(clippy::indexing_slicing)]
    let spare = &mut dst.spare_capacity_mut()[..added];
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let (spare, src) = simd::xor_into(spare, src, key);
    xor_words_into(spare, src, key);
    // SAFETY: the capacity was reserved above, and `spare` (which starts at `len`) and `src`
    // have the same length, so the simd blocks (on wasm) plus `xor_words_into`'s words and
    // tail wrote all `added` bytes.
    unsafe { dst.set_len(len + added) };
}

/// The key as seen from payload byte number `offset`, so that index 0 lines up with it.
/// (A shift, not `<[u8]>::rotate_left`, which compiles to memory copies through the stack.)
fn rotate_key(key: [u8; 4], offset: usize) -> [u8; 4] {
    let shift = 8 * (offset & 3) as u32;
    u32::from_le_bytes(key).rotate_right(shift).to_le_bytes()
}

/// Two copies of the key; byte order does not matter since data is loaded in the same order.
fn key_word(k: [u8; 4]) -> u64 {
    u64::from_ne_bytes([k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]])
}

fn load_word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    // Callers pass `chunks_exact(8)` items, so the lengths always match.
    word.copy_from_slice(bytes);
    u64::from_ne_bytes(word)
}

fn apply_words(buf: &mut [u8], key: [u8; 4]) {
    let word = key_word(key);
    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let masked = load_word(chunk) ^ word;
        chunk.copy_from_slice(&masked.to_ne_bytes());
    }
    // The tail starts at a multiple of 8, so the key is still in phase.
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key.get(i & 3).copied().unwrap_or(0);
    }
}

/// Writes `src ^ key` into `dst`, which has the same length.
fn xor_words_into(dst: &mut [MaybeUninit<u8>], src: &[u8], key: [u8; 4]) {
    let word = key_word(key);
    let mut dst_chunks = dst.chunks_exact_mut(8);
    let mut src_chunks = src.chunks_exact(8);
    for (d, s) in (&mut dst_chunks).zip(&mut src_chunks) {
        let masked = (load_word(s) ^ word).to_ne_bytes();
        for (d, b) in d.iter_mut().zip(masked) {
            d.write(b);
        }
    }
    let tail = dst_chunks.into_remainder().iter_mut().zip(src_chunks.remainder());
    for (i, (d, s)) in tail.enumerate() {
        d.write(s ^ key.get(i & 3).copied().unwrap_or(0));
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{u32x4_splat, v128, v128_load, v128_store, v128_xor};
    use core::mem::MaybeUninit;

    /// Four copies of the key, in memory order.
    fn key_vector(key: [u8; 4]) -> v128 {
        u32x4_splat(u32::from_ne_bytes(key))
    }

    /// Masks every whole 16-byte block of `buf` and returns the rest (under 16 bytes, starting
    /// at a multiple of 16, so `key` is still in phase for it).
    pub(super) fn apply(buf: &mut [u8], key: [u8; 4]) -> &mut [u8] {
        let key = key_vector(key);
        let mut blocks = buf.chunks_exact_mut(16);
        for block in &mut blocks {
            let p = block.as_mut_ptr().cast::<v128>();
            // SAFETY: `block` is 16 bytes we borrow mutably, so `p` is valid for a 16-byte
            // read and write; wasm `v128.load`/`v128.store` accept any alignment.
            unsafe { v128_store(p, v128_xor(v128_load(p), key)) };
        }
        blocks.into_remainder()
    }

    /// Writes `src ^ key` for every whole 16-byte block into `dst` (same length as `src`) and
    /// returns the parts left for the word path.
    pub(super) fn xor_into<'d, 's>(
        dst: &'d mut [MaybeUninit<u8>],
        src: &'s [u8],
        key: [u8; 4],
    ) -> (&'d mut [MaybeUninit<u8>], &'s [u8]) {
        let key = key_vector(key);
        let mut dst_blocks = dst.chunks_exact_mut(16);
        let mut src_blocks = src.chunks_exact(16);
        for (d, s) in (&mut dst_blocks).zip(&mut src_blocks) {
            // SAFETY: `s` is 16 readable bytes and `d` 16 writable (possibly uninitialised)
            // bytes; wasm `v128.load`/`v128.store` accept any alignment.
            unsafe {
                let masked = v128_xor(v128_load(s.as_ptr().cast::<v128>()), key);
                v128_store(d.as_mut_ptr().cast::<v128>(), masked);
            }
        }
        (dst_blocks.into_remainder(), src_blocks.remainder())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn reference(buf: &mut [u8], key: [u8; 4], offset: usize) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[(offset + i) % 4];
        }
    }

    /// A `RUSTFLAGS` variable replaces `.cargo/config.toml`'s `+simd128` and would silently
    /// leave wasm on the (half as fast) word path.
    #[cfg(target_arch = "wasm32")]
    #[test]
    #[allow(clippy::assertions_on_constants)] // Constant per build: that is the point.
    fn wasm_builds_use_the_simd_path() {
        assert!(cfg!(target_feature = "simd128"), "built without +simd128");
    }

    #[test]
    fn rotated_key_lines_up_with_the_offset() {
        assert_eq!(rotate_key([1, 2, 3, 4], 0), [1, 2, 3, 4]);
        assert_eq!(rotate_key([1, 2, 3, 4], 1), [2, 3, 4, 1]);
        assert_eq!(rotate_key([1, 2, 3, 4], 6), [3, 4, 1, 2]);
        assert_eq!(rotate_key([1, 2, 3, 4], usize::MAX), [4, 1, 2, 3]);
        for offset in 0..8 {
            let mut rotated = [1, 2, 3, 4];
            rotated.rotate_left(offset % 4);
            assert_eq!(rotate_key([1, 2, 3, 4], offset), rotated, "offset {offset}");
        }
    }

    #[test]
    fn every_block_and_tail_size_matches_the_byte_loop() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let data: Vec<u8> = (0..100u8).map(|i| i.wrapping_mul(31)).collect();
        for offset in 0..4 {
            for len in 0..=data.len() {
                let mut expected = data[..len].to_vec();
                reference(&mut expected, key, offset);
                let mut got = data[..len].to_vec();
                apply_mask(&mut got, key, offset);
                assert_eq!(got, expected, "apply_mask offset {offset} len {len}");
                let mut into = vec![0xAA];
                mask_into(&mut into, &data[..len], key, offset);
                assert_eq!(into[1..], expected[..], "mask_into offset {offset} len {len}");
            }
        }
    }
}
