//! Reassembly state of the incoming message: its kind, its bytes so far (when messages are
//! delivered whole), its decoded size (for the size limit), and its UTF-8 validator.

use crate::utf8::Utf8Validator;

#[derive(Default)]
pub(crate) struct IncomingMessage {
    /// `Some(is_binary)` between the first frame and the final one.
    kind: Option<bool>,
    /// The payload so far; stays empty in frame-delivery mode.
    pub data: Vec<u8>,
    /// Decoded bytes received so far, whether buffered here or handed out frame by frame.
    pub size: u64,
    /// Data frames of this message that added no bytes, the final one aside: at most the
    /// message limit of them, so a peer cannot keep a message open forever with empty
    /// continuations.
    pub empty_frames: u64,
    pub utf8: Utf8Validator,
}

impl IncomingMessage {
    pub fn in_progress(&self) -> bool {
        self.kind.is_some()
    }

    pub fn is_text(&self) -> bool {
        self.kind == Some(false)
    }

    pub fn is_binary(&self) -> bool {
        self.kind == Some(true)
    }

    pub fn begin(&mut self, is_binary: bool) {
        self.kind = Some(is_binary);
        self.size = 0;
        self.empty_frames = 0;
        self.utf8.reset();
    }

    /// Appends decoded bytes, moving instead of copying when nothing is buffered yet.
    pub fn push(&mut self, bytes: Vec<u8>, limit: u64) {
        if self.data.is_empty() {
            self.data = bytes;
        } else {
            reserve_within(&mut self.data, bytes.len(), limit);
            self.data.extend_from_slice(&bytes);
        }
    }

    /// Ends the message and hands out its bytes.
    pub fn take(&mut self) -> Vec<u8> {
        self.kind = None;
        self.size = 0;
        self.empty_frames = 0;
        core::mem::take(&mut self.data)
    }

    /// Forgets a message cut short (connection failed or closed mid-message).
    pub fn abandon(&mut self) {
        self.take();
        self.utf8.reset();
    }
}

/// Makes room for `additional` more bytes in `buf`, doubling its capacity as `Vec` does but
/// never past `limit` (the message limit; 0 = none): a message that grows by many small frames
/// ends with at most the limit allocated, not the next power of two above what it received.
pub(crate) fn reserve_within(buf: &mut Vec<u8>, additional: usize, limit: u64) {
    let needed = buf.len().saturating_add(additional);
    if needed <= buf.capacity() {
        return;
    }
    let limit = if limit == 0 { usize::MAX } else { usize::try_from(limit).unwrap_or(usize::MAX) };
    let target = buf.capacity().saturating_mul(2).min(limit).max(needed);
    buf.reserve_exact(target - buf.len());
}
