//! Finding the end of an HTTP head (`\r\n\r\n`) in a buffer that grows as bytes arrive.
//! The scanner remembers how far it looked, so a peer trickling its head one byte per
//! packet costs linear time, not quadratic.

/// Finds the end of an HTTP head in a growing buffer in linear total time.
#[derive(Clone, Debug)]
pub struct HeadScanner {
    pub max_bytes: usize,
    /// Bytes of the buffer already searched; a terminator can only end after `scanned`.
    scanned: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadTooLarge;

const TERMINATOR: &[u8] = b"\r\n\r\n";

impl HeadScanner {
    pub fn new(max_bytes: usize) -> Self {
        HeadScanner { max_bytes, scanned: 0 }
    }
    /// `buf` is everything received so far (it only grows between calls). Returns the head's
    /// length including the final CRLFCRLF once complete.
    pub fn scan(&mut self, buf: &[u8]) -> Result<Option<usize>, HeadTooLarge> {
        // A terminator may straddle the old end: back up 3 bytes. `min` keeps a caller that
        // broke the "only grows" promise from slicing out of bounds.
        let start = self.scanned.saturating_sub(TERMINATOR.len() - 1).min(buf.len());
        // Bytes past `max_bytes` cannot belong to an acceptable head, so never search them.
        let end = buf.len().min(self.max_bytes);
        let window = buf.get(start..end).unwrap_or_default();
        if let Some(at) = window.windows(TERMINATOR.len()).position(|w| w == TERMINATOR) {
            let head_len = start + at + TERMINATOR.len();
            // Stay just inside the terminator so a repeated call finds it again.
            self.scanned = head_len - 1;
            return Ok(Some(head_len));
        }
        self.scanned = end.max(start);
        if buf.len() > self.max_bytes {
            return Err(HeadTooLarge);
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const HEAD: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    #[test]
    fn whole_head_at_once() {
        let mut buf = HEAD.to_vec();
        buf.extend_from_slice(b"\x81\x00trailing frame");
        assert_eq!(HeadScanner::new(1024).scan(&buf), Ok(Some(HEAD.len())));
    }

    #[test]
    fn byte_at_a_time_and_repeated_calls() {
        let mut scanner = HeadScanner::new(1024);
        for cut in 0..HEAD.len() {
            assert_eq!(scanner.scan(&HEAD[..cut]), Ok(None), "cut {cut}");
        }
        assert_eq!(scanner.scan(HEAD), Ok(Some(HEAD.len())));
        assert_eq!(scanner.scan(HEAD), Ok(Some(HEAD.len())));
    }

    #[test]
    fn size_limit() {
        // Exactly max_bytes is fine; one more is not.
        assert_eq!(HeadScanner::new(HEAD.len()).scan(HEAD), Ok(Some(HEAD.len())));
        assert_eq!(HeadScanner::new(HEAD.len() - 1).scan(HEAD), Err(HeadTooLarge));
        // Incomplete and already over the limit: fail without waiting for more.
        assert_eq!(HeadScanner::new(4).scan(b"GET /"), Err(HeadTooLarge));
        assert_eq!(HeadScanner::new(5).scan(b"GET /"), Ok(None));
    }

    #[test]
    fn bare_lf_does_not_end_the_head() {
        assert_eq!(HeadScanner::new(1024).scan(b"GET / HTTP/1.1\n\n"), Ok(None));
    }

    #[test]
    fn shrinking_buffer_does_not_panic() {
        let mut scanner = HeadScanner::new(1024);
        assert_eq!(scanner.scan(b"GET / HTTP/1.1\r\n"), Ok(None));
        assert_eq!(scanner.scan(b"GE"), Ok(None));
        assert_eq!(scanner.scan(b""), Ok(None));
    }
}
