//! XOR masking (RFC 6455 §5.3). STUB: to be implemented (word-wise + explicit simd128).

/// XORs `buf` in place with `key`, where `buf[0]` is payload byte number `offset`
/// (so masking can continue across chunk boundaries: key index = (offset + i) % 4).
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[(offset + i) & 3];
    }
}

/// Appends `src` XOR `key` to `dst` (one pass: the copy and the unmask are fused).
/// `src[0]` is payload byte number `offset`.
pub fn mask_into(dst: &mut Vec<u8>, src: &[u8], key: [u8; 4], offset: usize) {
    let start = dst.len();
    dst.extend_from_slice(src);
    apply_mask(&mut dst[start..], key, offset);
}
