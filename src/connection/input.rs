//! The input buffer: bytes received and not yet consumed live in `buf[start..end]`, and
//! `buf[end..]` is room the caller can read the next chunk straight into.

/// An input buffer up to this size is kept while empty (chunks of small messages reuse it).
const KEEP_CAPACITY: usize = 1024;

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
        // `resize` above made `buf` at least `end + len` long; an empty slice is unreachable.
        self.buf.get_mut(self.end..self.end + len).unwrap_or(&mut [])
    }

    /// Makes `len` bytes written into [`Self::space`] pending.
    pub fn commit(&mut self, len: usize) {
        self.end = (self.end + len).min(self.buf.len());
    }

    /// The bytes received and not yet consumed.
    pub fn pending(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    pub fn consume(&mut self, len: usize) {
        self.start = (self.start + len).min(self.end);
    }

    /// Gives the memory back once everything was consumed, unless the buffer is small: an
    /// idle connection then holds no copy of the largest chunk it ever read (a socket chunk is
    /// up to 64 KiB). Busy connections pay one allocation per large chunk, small next to
    /// copying and parsing it.
    pub fn release_if_consumed(&mut self) {
        if self.start == self.end && self.buf.capacity() > KEEP_CAPACITY {
            *self = InputBuffer::default();
        }
    }

    /// Drops everything pending.
    pub fn clear(&mut self) {
        self.start = self.end;
    }
}
