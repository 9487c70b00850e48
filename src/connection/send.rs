//! The send calls of [`Connection`]: what may be sent now (an open connection whose close
//! frame is not sent yet, the fragment sequence, control frame and close frame rules), then
//! the writer frames it.

use super::events::{CloseFrame, State};
use super::Connection;
use crate::close;
use crate::error::ProtocolError;
use crate::frame::Opcode;

/// A send call that is not allowed now, or not allowed at all; nothing was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendError {
    /// Data and control frames need an open connection whose close frame is not sent yet.
    NotOpen(State),
    /// A continuation without a fragmented message in progress, or a new message before the
    /// previous fragmented one was finished.
    FragmentSequence(&'static str),
    /// Control frame payloads are at most 125 bytes.
    ControlTooLong(usize),
    InvalidCloseCode(u16),
    ReasonWithoutCode,
    ReasonTooLong(usize),
    /// The header-only fast path needs a frame nothing transforms (no mask, no extension).
    NeedsTransform,
    /// An extension failed to encode the frame.
    Extension(ProtocolError),
}

impl core::fmt::Display for SendError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SendError::NotOpen(state) => write!(f, "cannot send: the connection is {state:?}"),
            SendError::FragmentSequence(why) => write!(f, "cannot send: {why}"),
            SendError::ControlTooLong(n) => write!(f, "control frame payload is {n} bytes, at most 125 allowed"),
            SendError::InvalidCloseCode(c) => write!(f, "close code {c} may not be sent"),
            SendError::ReasonWithoutCode => write!(f, "a close reason needs a close code"),
            SendError::ReasonTooLong(n) => write!(f, "close reason is {n} bytes, at most 123 allowed"),
            SendError::NeedsTransform => write!(f, "frame needs masking or an extension"),
            SendError::Extension(e) => write!(f, "extension failed: {e}"),
        }
    }
}

impl std::error::Error for SendError {}

impl Connection {
    /// Sends a whole message, split into `auto_fragment_size` frames when that is set.
    pub fn send_message(&mut self, is_binary: bool, data: &[u8]) -> Result<(), SendError> {
        let first = if is_binary { Opcode::Binary } else { Opcode::Text };
        let size = usize::try_from(self.config.auto_fragment_size).unwrap_or(usize::MAX);
        if size == 0 || data.len() <= size {
            return self.send_data(first, data, true);
        }
        let last = (data.len() - 1) / size;
        for (i, chunk) in data.chunks(size).enumerate() {
            let opcode = if i == 0 { first } else { Opcode::Continuation };
            self.send_data(opcode, chunk, i == last)?;
        }
        Ok(())
    }

    pub fn send_text(&mut self, data: &[u8], fin: bool) -> Result<(), SendError> {
        self.send_data(Opcode::Text, data, fin)
    }
    pub fn send_binary(&mut self, data: &[u8], fin: bool) -> Result<(), SendError> {
        self.send_data(Opcode::Binary, data, fin)
    }
    pub fn send_continuation(&mut self, data: &[u8], fin: bool) -> Result<(), SendError> {
        self.send_data(Opcode::Continuation, data, fin)
    }

    fn send_data(&mut self, opcode: Opcode, data: &[u8], fin: bool) -> Result<(), SendError> {
        self.check_data_frame(opcode)?;
        self.writer.write_data(&mut self.extensions, opcode, data, fin)
    }

    /// The next data message goes out without extension transforms that honour an opt-out
    /// (permessage-deflate sends it uncompressed): autobahn's `doNotCompress`, ws's `compress: false`.
    pub fn skip_next_message_transform(&mut self) {
        self.extensions.skip_next_message();
    }

    /// Fast path for the I/O layer: writes only the header of a data frame that needs no
    /// transform (unmasked, no extension); the caller writes the `payload_len` payload bytes
    /// itself right after the output, saving two copies through wasm memory.
    pub fn send_header_only(&mut self, opcode: Opcode, fin: bool, payload_len: u64) -> Result<(), SendError> {
        if !self.can_send_header_only() {
            return Err(SendError::NeedsTransform);
        }
        self.check_data_frame(opcode)?;
        self.writer.write_header_only(opcode, fin, payload_len);
        Ok(())
    }

    /// What the whole unmasked frames of a message sent now depend on besides the message
    /// (the extensions' [`crate::extensions::Extension::shared_output_key`] and the
    /// fragmentation), when nothing else does: connections with equal keys would write the
    /// same bytes, so a message for many is framed (and compressed) once per key. `None` when
    /// this connection masks or its extensions carry state between messages.
    pub fn shared_output_key(&self, do_not_compress: bool) -> Option<String> {
        if self.writer.masks() {
            return None;
        }
        let extensions = self.extensions.shared_output_key(do_not_compress)?;
        Some(format!("{extensions}|fragment={}", self.config.auto_fragment_size))
    }

    /// Accounts for a whole message whose frames another connection with the same
    /// [`Connection::shared_output_key`] produced: checks that one may be sent now; the caller
    /// writes those frames itself. `rsv` is the first frame's RSV bits.
    pub fn send_prepared(&mut self, opcode: Opcode, rsv: u8) -> Result<(), SendError> {
        if self.writer.masks() || rsv & !self.extensions.rsv_bits() != 0 {
            return Err(SendError::NeedsTransform);
        }
        if opcode == Opcode::Continuation {
            return Err(SendError::FragmentSequence("a prepared message starts a message"));
        }
        self.check_data_frame(opcode)?;
        self.writer.sent_data(true);
        Ok(())
    }

    /// A new data message may be sent now: open, no close sent, no fragmented message half
    /// sent. With it, writing a prepared message's shared frames needs no `send_prepared`
    /// call (its other checks hold for every connection of the frames' shared output key).
    pub fn can_start_message(&self) -> bool {
        self.check_can_send().is_ok() && !self.writer.sending_fragmented()
    }

    fn check_data_frame(&self, opcode: Opcode) -> Result<(), SendError> {
        self.check_can_send()?;
        self.writer.check_sequence(opcode)
    }

    fn check_can_send(&self) -> Result<(), SendError> {
        if self.state != State::Open || self.close_sent.is_some() {
            return Err(SendError::NotOpen(self.state));
        }
        Ok(())
    }

    pub fn send_ping(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.send_control(Opcode::Ping, data)
    }
    pub fn send_pong(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.send_control(Opcode::Pong, data)
    }

    pub(super) fn send_control(&mut self, opcode: Opcode, data: &[u8]) -> Result<(), SendError> {
        self.check_can_send()?;
        if data.len() > 125 {
            return Err(SendError::ControlTooLong(data.len()));
        }
        self.writer.write_control(&mut self.extensions, opcode, data)
    }

    /// Starts the closing handshake. `code` must be allowed on the wire; a reason needs a code
    /// and fits in 123 bytes.
    pub fn send_close(&mut self, code: Option<u16>, reason: &str) -> Result<(), SendError> {
        self.check_can_send()?;
        let frame = match code {
            None if !reason.is_empty() => return Err(SendError::ReasonWithoutCode),
            None => None,
            Some(c) if !close::is_valid_wire_code(c) => return Err(SendError::InvalidCloseCode(c)),
            Some(_) if reason.len() > close::MAX_REASON_BYTES => return Err(SendError::ReasonTooLong(reason.len())),
            Some(c) => Some(CloseFrame { code: c, reason: reason.into() }),
        };
        self.write_close(frame);
        self.state = State::Closing;
        Ok(())
    }

    /// Sends a close frame (`None`: one without a code) and records it as sent.
    pub(super) fn write_close(&mut self, frame: Option<CloseFrame>) {
        let sent = match frame {
            Some(frame) => self.writer.write_close(&mut self.extensions, frame),
            None => self.writer.write_empty_close(&mut self.extensions),
        };
        self.close_sent = Some(sent);
    }
}
