//! Incremental, fail-fast UTF-8 validation. STUB: to be implemented.

/// Validates a byte stream fed in arbitrary chunks. `feed` fails as soon as the bytes seen so
/// far can no longer be the prefix of valid UTF-8 (not at the end of the message).
#[derive(Clone, Debug, Default)]
pub struct Utf8Validator {
    pending: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utf8Error {
    /// Offset, counted from the first byte fed since the last reset, of the first byte that
    /// made the stream invalid (for `finish`: the offset where the truncated sequence starts).
    pub position: u64,
}

impl Utf8Validator {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Utf8Error> {
        self.pending.extend_from_slice(chunk);
        Ok(())
    }
    /// Ends the stream: fails if it ends inside a multi-byte sequence. Resets the validator.
    pub fn finish(&mut self) -> Result<(), Utf8Error> {
        let ok = core::str::from_utf8(&self.pending).is_ok();
        self.pending.clear();
        if ok { Ok(()) } else { Err(Utf8Error { position: 0 }) }
    }
    pub fn reset(&mut self) {
        self.pending.clear();
    }
}
