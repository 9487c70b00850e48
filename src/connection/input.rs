//! The input buffer: bytes received and not yet consumed live in `buf[start..end]`, and
//! `buf[end..]` is room the caller can read the next chunk straight into.

#[derive(Default)]
pub(super) struct InputBuffer {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl InputBuffer {
    /// Room for `len` bytes at the end, to be filled by the caller and then made pending
    /// with [`Self::commit`].
    pub fn space(&mut self, len: usize) -> &mut [u8] {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.buf.len() - self.end < len {
            // Compact first: what is left unconsumed is at most a partial frame header or an
            // incomplete handshake head, so this moves little.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.buf.len() - self.end < len {
                // Exactly: a read a little larger than the last must not double the buffer.
                self.buf.reserve_exact(self.end + len - self.buf.len());
                self.buf.resize(self.end + len, 0);
            }
        }
        &mut self.buf[self.end..self.end + len]
    }

    /// Makes `len` bytes written into [`Self::space`] pending.
    pub fn commit(&mut self, len: usize) {
        self.end = (self.end + len).min(self.buf.len());
    }

    /// The bytes received and not yet consumed.
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    pub fn consume(&mut self, len: usize) {
        self.start = (self.start + len).min(self.end);
    }

    /// Drops everything pending.
    pub fn clear(&mut self) {
        self.start = self.end;
    }
}
