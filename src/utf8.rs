//! Incremental, fail-fast UTF-8 validation of text messages that arrive in pieces.
//!
//! A text message that is not UTF-8 fails the connection (RFC 6455 §8.1), and peers (and the
//! Autobahn 6.4.x cases) expect that to happen at the first byte that cannot be valid, not at
//! the end of the message. The standard library's validator already works that way: it rejects
//! a sequence at its first impossible byte (`error_len() == Some`, which covers overlong forms,
//! surrogates and values above U+10FFFF from the second byte on) and calls a sequence that is
//! merely cut off "incomplete" (`error_len() == None`). So between chunks we only keep the
//! ≤ 3 bytes of a cut-off sequence, complete it from the next chunk, and validate the rest of
//! that chunk in one call: no allocation, and no byte is looked at twice.

/// Validates a byte stream fed in arbitrary chunks. `feed` fails as soon as the bytes seen so
/// far can no longer be the prefix of valid UTF-8 (not at the end of the message).
#[derive(Clone, Debug, Default)]
pub struct Utf8Validator {
    /// The start of a sequence cut off by the end of the last chunk (`pending_len` ≤ 3 bytes;
    /// the fourth slot lets the whole sequence be checked in place once it is complete).
    pending: [u8; 4],
    pending_len: u8,
    /// Bytes fed since the last reset: the stream offset of the next chunk's first byte.
    fed: u64,
    /// Once the stream is invalid it stays so, until `finish` or `reset`.
    error: Option<Utf8Error>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utf8Error {
    /// Offset, counted from the first byte fed since the last reset, of the first byte that
    /// made the stream invalid (for `finish`: the offset where the truncated sequence starts).
    pub position: u64,
}

impl core::fmt::Display for Utf8Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "invalid UTF-8 at byte {}", self.position)
    }
}

impl std::error::Error for Utf8Error {}

impl Utf8Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Validates the next chunk. After an error, every call returns that same error until
    /// `finish` or `reset`.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Utf8Error> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let result = self.validate(chunk);
        self.fed += chunk.len() as u64;
        self.error = result.err();
        result
    }

    /// Ends the stream: fails if it ends inside a multi-byte sequence (or had already failed).
    /// Resets the validator.
    pub fn finish(&mut self) -> Result<(), Utf8Error> {
        let result = match self.error {
            Some(err) => Err(err),
            // The truncated sequence started `pending_len` bytes before the end.
            None if self.pending_len > 0 => {
                Err(Utf8Error { position: self.fed.saturating_sub(self.pending_len.into()) })
            }
            None => Ok(()),
        };
        self.reset();
        result
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// `chunk` starts at stream offset `self.fed`.
    fn validate(&mut self, chunk: &[u8]) -> Result<(), Utf8Error> {
        let rest = match self.complete_pending(chunk)? {
            Some(rest) => rest,
            // The whole chunk went into a still-incomplete sequence.
            None => return Ok(()),
        };
        let rest_offset = self.fed + (chunk.len() - rest.len()) as u64;
        // The bulk of every chunk: SIMD-validated, same error semantics as std.
        match simdutf8::compat::from_utf8(rest) {
            Ok(_) => Ok(()),
            Err(e) => match e.error_len() {
                Some(len) => Err(Utf8Error { position: rest_offset + culprit(rest, e.valid_up_to(), len) as u64 }),
                None => {
                    // Cut off at the end of the chunk: std guarantees at most 3 bytes here.
                    let tail = rest.get(e.valid_up_to()..).unwrap_or_default();
                    for (slot, &b) in self.pending.iter_mut().zip(tail) {
                        *slot = b;
                    }
                    self.pending_len = tail.len() as u8;
                    Ok(())
                }
            },
        }
    }

    /// Continues the cut-off sequence, if any, with the start of `chunk`. Returns the part of
    /// `chunk` after it, or `None` when the chunk ended before the sequence did.
    // Indexes `pending` ([u8; 4]) below `total` = `have` + `take` ≤ the sequence width ≤ 4.
    #[allow(clippy::indexing_slicing)]
    fn complete_pending<'c>(&mut self, chunk: &'c [u8]) -> Result<Option<&'c [u8]>, Utf8Error> {
        let have = usize::from(self.pending_len);
        if have == 0 {
            return Ok(Some(chunk));
        }
        // `pending` starts with a lead byte std accepted, so the width is 2 to 4 and need ≥ 1.
        let need = sequence_width(self.pending[0]).saturating_sub(have);
        let take = need.min(chunk.len());
        let (head, rest) = chunk.split_at(take);
        let total = have + take;
        self.pending[have..total].copy_from_slice(head);
        match core::str::from_utf8(&self.pending[..total]) {
            Ok(_) => {
                self.pending_len = 0;
                Ok(Some(rest))
            }
            // The pending bytes were valid so far, so the culprit is one of `head`'s.
            Err(e) if e.error_len().is_some() => {
                let start = self.fed.saturating_sub(have as u64);
                let at = culprit(&self.pending[..total], e.valid_up_to(), e.error_len().unwrap_or(0));
                Err(Utf8Error { position: start + at as u64 })
            }
            Err(_) => {
                self.pending_len = total as u8;
                Ok(None)
            }
        }
    }
}

/// Bytes in the sequence a lead byte starts (0 if it cannot start one; 1 for ASCII).
fn sequence_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 0,
    }
}

/// Index in `bytes` of the first byte that made an error certain, given the error's
/// `valid_up_to()` (`start`) and `error_len()` (`len`, the maximal prefix of a well-formed
/// sequence): the byte right after that prefix is the one that could not continue it, unless
/// the first byte can start no sequence at all (a continuation byte, C0, C1, F5–FF): then it
/// is the culprit itself.
fn culprit(bytes: &[u8], start: usize, len: usize) -> usize {
    let lead_ok = bytes.get(start).is_some_and(|&b| sequence_width(b) > 1);
    if lead_ok { start + len } else { start }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn impossible_prefix_fails_in_the_chunk_that_ends_with_it() {
        let mut v = Utf8Validator::new();
        assert_eq!(v.feed(&[0xF4]), Ok(()));
        assert_eq!(v.feed(&[0x90]), Err(Utf8Error { position: 1 }));

        let mut v = Utf8Validator::new();
        assert_eq!(v.feed(b"ab"), Ok(()));
        assert_eq!(v.feed(&[0xED, 0xA0]), Err(Utf8Error { position: 3 }));
    }

    #[test]
    fn pending_sequence_completes_across_three_chunks() {
        let euro_then_bad = [0xE2, 0x82, 0xAC, 0x80];
        let mut v = Utf8Validator::new();
        assert_eq!(v.feed(&euro_then_bad[..1]), Ok(()));
        assert_eq!(v.feed(&euro_then_bad[1..2]), Ok(()));
        assert_eq!(v.pending_len, 2);
        assert_eq!(v.feed(&euro_then_bad[2..]), Err(Utf8Error { position: 3 }));
    }

    #[test]
    fn errors_stick_until_finish() {
        let mut v = Utf8Validator::new();
        assert_eq!(v.feed(&[0xFF]), Err(Utf8Error { position: 0 }));
        assert_eq!(v.feed(b"fine"), Err(Utf8Error { position: 0 }));
        assert_eq!(v.finish(), Err(Utf8Error { position: 0 }));
        assert_eq!(v.feed(b"fine"), Ok(()));
        assert_eq!(v.finish(), Ok(()));
    }

    #[test]
    fn culprit_table() {
        for (bytes, at) in [
            (&[0x80][..], 0),
            (&[0xC0, 0x80], 0),
            (&[0xC2, 0x41], 1),
            (&[0xE0, 0x80], 1),
            (&[0xE2, 0x82, 0x41], 2),
            (&[0xF0, 0x90, 0x80, 0x41], 3),
            (&[0x41, 0xF5], 1),
        ] {
            // The SIMD validator must report exactly what std does.
            let std_err = core::str::from_utf8(bytes).unwrap_err();
            let simd_err = simdutf8::compat::from_utf8(bytes).unwrap_err();
            assert_eq!((simd_err.valid_up_to(), simd_err.error_len()), (std_err.valid_up_to(), std_err.error_len()));
            assert_eq!(culprit(bytes, std_err.valid_up_to(), std_err.error_len().unwrap_or(0)), at, "{bytes:02X?}");
        }
    }
}
