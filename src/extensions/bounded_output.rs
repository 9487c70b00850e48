//! A decompressor's output for one frame, bounded by the message budget. It grows exactly (no
//! amortized doubling past the limit) up to `budget + 1` bytes: reaching that last byte proves
//! the message is too big, so a bomb is stopped with 1009 after at most the limit plus one
//! byte of output, whatever it expands to. It may start with a prefix (the dictionary a
//! deflate stream refers back to), which is not output and not counted.

use crate::error::ProtocolError;

/// The first allocation: small, so tiny messages stay cheap.
const MIN_GROW: usize = 4096;

pub struct BoundedOutput {
    /// `prefix` bytes given at the start (a decompressor's dictionary), then the output.
    buf: Vec<u8>,
    prefix: usize,
    filled: usize,
    /// prefix + budget + 1: the buffer never grows past it.
    cap: usize,
    /// The first allocation wanted: a guess at what the input expands to.
    hint: usize,
}

impl BoundedOutput {
    /// `budget`: the most bytes the frame may produce (`None`: unbounded); `input_len`: the
    /// compressed size, from which the first allocation is guessed.
    pub fn new(budget: Option<u64>, input_len: usize) -> Self {
        BoundedOutput::after(Vec::new(), budget, input_len)
    }

    /// The same, written after `prefix` (which does not count against the budget): a
    /// decompressor whose back-references reach into the bytes it inflated before.
    pub fn after(prefix: Vec<u8>, budget: Option<u64>, input_len: usize) -> Self {
        let prefix_len = prefix.len();
        let cap = budget.map_or(usize::MAX, |b| {
            usize::try_from(b).unwrap_or(usize::MAX).saturating_add(1).saturating_add(prefix_len)
        });
        BoundedOutput { buf: prefix, prefix: prefix_len, filled: prefix_len, cap, hint: input_len.saturating_mul(4) }
    }

    /// Makes sure there is room to write, or fails with 1009 once the budget is exceeded.
    pub fn make_room(&mut self) -> Result<(), ProtocolError> {
        if self.has_room() {
            return Ok(());
        }
        if self.is_over_budget() {
            return Err(too_big());
        }
        let output = self.buf.len() - self.prefix;
        let want = output.saturating_mul(2).max(self.hint).max(MIN_GROW).saturating_add(self.prefix).min(self.cap);
        self.buf.reserve_exact(want - self.buf.len());
        self.buf.resize(want, 0);
        Ok(())
    }

    /// Where the decompressor writes next; [`Self::advance`] by what it wrote.
    pub fn spare(&mut self) -> &mut [u8] {
        // `filled` never passes `buf.len()` (the decompressor writes into this slice).
        self.buf.get_mut(self.filled..).unwrap_or(&mut [])
    }

    /// The whole buffer (prefix, output so far, room) and where the next byte goes, for a
    /// decompressor that looks back into what it wrote.
    pub fn whole(&mut self) -> (&mut [u8], usize) {
        (&mut self.buf, self.filled)
    }

    pub fn advance(&mut self, written: usize) {
        self.filled += written;
    }

    /// Whether the buffer has unwritten bytes left (without growing).
    pub fn has_room(&self) -> bool {
        self.filled < self.buf.len()
    }

    /// Whether the output holds the byte past the budget.
    pub fn is_over_budget(&self) -> bool {
        self.filled >= self.cap
    }

    /// The frame's output, or 1009 if it holds the byte past the budget (a decompressor can
    /// end its stream right after writing it, with no further call to `make_room`).
    pub fn finish(self) -> Result<Vec<u8>, ProtocolError> {
        self.finish_keeping(0).map(|(output, _)| output)
    }

    /// [`Self::finish`], and a copy of the last `keep` bytes of prefix + output: the
    /// dictionary for what comes next (empty for `keep` 0).
    pub fn finish_keeping(mut self, keep: usize) -> Result<(Vec<u8>, Vec<u8>), ProtocolError> {
        if self.is_over_budget() {
            return Err(too_big());
        }
        let tail = self.buf.get(self.filled.saturating_sub(keep)..self.filled).map_or_else(Vec::new, <[u8]>::to_vec);
        self.buf.truncate(self.filled);
        self.buf.drain(..self.prefix);
        Ok((self.buf, tail))
    }

    /// [`Self::finish`] for a buffer to be written after again (the next frame of a message):
    /// a copy of the output, and the whole buffer (prefix then output) back.
    pub fn finish_split(mut self) -> Result<(Vec<u8>, Vec<u8>), ProtocolError> {
        if self.is_over_budget() {
            return Err(too_big());
        }
        self.buf.truncate(self.filled);
        let output = self.buf.get(self.prefix..).map_or_else(Vec::new, <[u8]>::to_vec);
        Ok((output, self.buf))
    }
}

pub fn too_big() -> ProtocolError {
    ProtocolError::too_big("decompressed message exceeds the size limit")
}
