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
        self.utf8.reset();
    }

    /// Appends decoded bytes, moving instead of copying when nothing is buffered yet.
    pub fn push(&mut self, bytes: Vec<u8>) {
        if self.data.is_empty() {
            self.data = bytes;
        } else {
            self.data.extend_from_slice(&bytes);
        }
    }

    /// Ends the message and hands out its bytes.
    pub fn take(&mut self) -> Vec<u8> {
        self.kind = None;
        self.size = 0;
        core::mem::take(&mut self.data)
    }

    /// Forgets a message cut short (connection failed or closed mid-message).
    pub fn abandon(&mut self) {
        self.take();
        self.utf8.reset();
    }
}
