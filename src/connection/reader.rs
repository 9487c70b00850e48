//! The receiving half: frames parsed from the input buffer, checked against RFC 6455 §5 and
//! the limits before their payload is buffered, unmasked on the way into the message,
//! decoded by the extensions, and reassembled into messages (or handed out frame by frame).
//! Data ends up as events here; control frames go back to the connection, which owns the
//! closing handshake.

use super::events::Event;
use super::input::InputBuffer;
use super::message::{reserve_within, IncomingMessage};
use crate::config::{Config, Role};
use crate::error::ProtocolError;
use crate::extensions::ExtensionChain;
use crate::frame::{self, Frame, FrameHeader, HeaderParse, Opcode};
use crate::mask;

/// Most bytes reserved for a payload on the strength of its header alone. Small, because a
/// peer can send a header claiming megabytes and then nothing (and wasm memory never shrinks);
/// larger payloads grow their buffer as the bytes actually arrive.
const PREALLOC_MAX: u64 = 64 * 1024;

/// The frame whose payload is arriving.
struct IncomingFrame {
    header: FrameHeader,
    opcode: Opcode,
    remaining: u64,
    /// Payload bytes seen so far: the mask phase of the next byte.
    seen: usize,
    /// Whether the payload is unmasked straight into the message buffer (no extension,
    /// whole-message delivery) instead of into `buf`.
    into_message: bool,
    buf: Vec<u8>,
}

/// What [`Reader::read`] stopped at.
pub(super) enum Read {
    /// The input is used up, or the current frame's payload continues in a later chunk.
    Incomplete,
    /// A close frame waits in the input behind unhandled events
    /// (`Config::hold_close_behind_events`).
    Held,
    /// A complete control frame, decoded by the extensions.
    Control(Frame),
    /// The input broke a rule; the connection fails with this.
    Failed(ProtocolError),
}

/// What reading needs of the connection besides the input.
pub(super) struct Context<'a> {
    pub config: &'a Config,
    pub role: Role,
    pub extensions: &'a mut ExtensionChain,
    pub events: &'a mut Vec<Event>,
}

impl Context<'_> {
    /// A close (or failure) waits until the caller handled the events before it.
    pub fn holds_behind_events(&self) -> bool {
        self.config.hold_close_behind_events && !self.events.is_empty()
    }
}

#[derive(Default)]
pub(super) struct Reader {
    pub input: InputBuffer,
    /// Set once nothing more may be processed (close received, failure, refusal).
    discard: bool,
    /// A close frame waits in the input behind unhandled events.
    held: bool,
    /// A failure found behind unhandled events, applied by `resume`.
    held_failure: Option<ProtocolError>,
    frame: Option<IncomingFrame>,
    message: IncomingMessage,
}

impl Reader {
    pub fn discarding(&self) -> bool {
        self.discard
    }

    /// Nothing more is read: the rest of the input, the frame and the message in progress go.
    pub fn stop(&mut self) {
        self.discard = true;
        self.frame = None;
        self.message.abandon();
    }

    /// Nothing more is read, but what was read so far is kept (a refused handshake, a plain
    /// HTTP request).
    pub fn discard(&mut self) {
        self.discard = true;
    }

    /// Drops the pending input if nothing more may be read.
    pub fn drop_discarded(&mut self) {
        if self.discard {
            self.input.clear();
        }
    }

    pub fn is_held(&self) -> bool {
        self.held
    }

    pub fn has_held(&self) -> bool {
        self.held || self.held_failure.is_some()
    }

    /// A failure found behind unhandled events: kept for `resume`; reading stops here.
    pub fn hold_failure(&mut self, err: ProtocolError) {
        self.held_failure = Some(err);
        self.discard = true;
        self.frame = None;
    }

    pub fn take_held_failure(&mut self) -> Option<ProtocolError> {
        self.held_failure.take()
    }

    /// Lets a held close frame be read; whether one was held.
    pub fn release(&mut self) -> bool {
        core::mem::take(&mut self.held)
    }

    /// A data message is half received.
    pub fn receiving_message(&self) -> bool {
        self.message.in_progress()
    }

    /// Reads frames until the input runs out, a control frame is complete, or a rule is
    /// broken. Complete data frames become events on the way.
    pub fn read(&mut self, cx: &mut Context<'_>) -> Read {
        loop {
            if self.frame.is_none() {
                match frame::parse_header(self.input.pending()) {
                    HeaderParse::Incomplete => return Read::Incomplete,
                    HeaderParse::LengthOverflow => {
                        return Read::Failed(ProtocolError::protocol("frame length has its most significant bit set"))
                    }
                    HeaderParse::Complete { header, header_len } => {
                        if header.opcode == Opcode::Close as u8 && cx.holds_behind_events() {
                            self.held = true;
                            return Read::Held;
                        }
                        self.input.consume(header_len);
                        match self.begin_frame(header, cx) {
                            Ok(incoming) => self.frame = Some(incoming),
                            Err(err) => return Read::Failed(err),
                        }
                    }
                }
            }
            if let Err(err) = self.read_payload(cx) {
                return Read::Failed(err);
            }
            match self.frame.take() {
                Some(done) if done.remaining == 0 => match self.complete_frame(done, cx) {
                    Ok(None) => {}
                    Ok(Some(control)) => return Read::Control(control),
                    Err(err) => return Read::Failed(err),
                },
                // The payload continues in a later chunk.
                incoming => {
                    self.frame = incoming;
                    return Read::Incomplete;
                }
            }
        }
    }

    /// Checks a header against RFC 6455 §5 and the limits, before any payload is buffered.
    fn begin_frame(&mut self, header: FrameHeader, cx: &Context<'_>) -> Result<IncomingFrame, ProtocolError> {
        let config = cx.config;
        let opcode = Opcode::from_u8(header.opcode)
            .ok_or_else(|| ProtocolError::protocol(format!("reserved opcode {:#x}", header.opcode)))?;
        if header.rsv & !cx.extensions.rsv_bits() != 0 {
            return Err(ProtocolError::protocol("RSV bits set without a negotiated extension"));
        }
        match (cx.role, header.mask.is_some()) {
            (Role::Server, false) if config.require_masked_client_frames => {
                return Err(ProtocolError::protocol("unmasked frame from client"))
            }
            (Role::Client, true) if !config.accept_masked_server_frames => {
                return Err(ProtocolError::protocol("masked frame from server"))
            }
            _ => {}
        }
        let mut into_message = false;
        if opcode.is_control() {
            if !header.fin {
                return Err(ProtocolError::protocol("fragmented control frame"));
            }
            if header.payload_len > 125 {
                return Err(ProtocolError::protocol("control frame payload longer than 125 bytes"));
            }
        } else {
            match (opcode, self.message.in_progress()) {
                (Opcode::Continuation, false) => {
                    return Err(ProtocolError::protocol("continuation frame without a message to continue"))
                }
                (Opcode::Text | Opcode::Binary, true) => {
                    return Err(ProtocolError::protocol("new message started before the previous one ended"))
                }
                _ => {}
            }
            let max_frame = compressed_frame_limit(config.max_frame_payload_size, header.rsv);
            if max_frame > 0 && header.payload_len > max_frame {
                return Err(ProtocolError::too_big(format!(
                    "frame payload of {} bytes exceeds the limit of {max_frame}",
                    header.payload_len
                )));
            }
            if cx.extensions.is_empty() {
                self.check_message_size(header.payload_len, config)?;
                into_message = !config.deliver_frames;
            }
            if opcode != Opcode::Continuation {
                self.message.begin(opcode == Opcode::Binary);
            }
        }
        // Reserve up front so appends never reallocate. The declared length is the peer's
        // word, not yet backed by bytes: with the limits off (0) it can be up to 2^63-1, and
        // reserving that aborts the process. So reserve at most PREALLOC_MAX (the default
        // limit, so default-config behaviour is unchanged); a larger payload grows the buffer.
        let capacity = usize::try_from(header.payload_len.min(PREALLOC_MAX)).unwrap_or(usize::MAX);
        let mut buf = Vec::new();
        if into_message {
            reserve_within(&mut self.message.data, capacity, config.max_message_payload_size);
        } else {
            buf.reserve(capacity);
        }
        Ok(IncomingFrame { header, opcode, remaining: header.payload_len, seen: 0, into_message, buf })
    }

    fn check_message_size(&self, more: u64, config: &Config) -> Result<(), ProtocolError> {
        let max = config.max_message_payload_size;
        let total = self.message.size.saturating_add(more);
        if max > 0 && total > max {
            return Err(ProtocolError::too_big(format!("message of {total}+ bytes exceeds the limit of {max}")));
        }
        Ok(())
    }

    /// Moves the available payload bytes of the current frame out of the input buffer,
    /// unmasking on the way, and validates text as it arrives when nothing transforms it.
    fn read_payload(&mut self, cx: &Context<'_>) -> Result<(), ProtocolError> {
        let Some(incoming) = self.frame.as_mut() else { return Ok(()) };
        let pending = self.input.pending();
        let take = incoming.remaining.min(pending.len() as u64) as usize;
        if take == 0 {
            return Ok(());
        }
        // Text is validated as it arrives (fail fast) unless an extension will transform it.
        let counts = !incoming.opcode.is_control() && cx.extensions.is_empty();
        let validate = counts && self.message.is_text() && cx.config.utf8_validate_incoming;
        let chunk = pending.get(..take).unwrap_or(pending);
        let dst = if incoming.into_message {
            reserve_within(&mut self.message.data, take, cx.config.max_message_payload_size);
            &mut self.message.data
        } else {
            &mut incoming.buf
        };
        let from = dst.len();
        match incoming.header.mask {
            Some(key) => mask::mask_into(dst, chunk, key, incoming.seen),
            None => dst.extend_from_slice(chunk),
        }
        self.input.consume(take);
        incoming.remaining -= take as u64;
        incoming.seen += take;
        if counts {
            self.message.size += take as u64;
        }
        if validate {
            let fresh = dst.get(from..).unwrap_or_default();
            self.message
                .utf8
                .feed(fresh)
                .map_err(|_| ProtocolError::invalid_utf8("text message is not valid UTF-8"))?;
        }
        Ok(())
    }

    /// A frame whose payload is all here: a control frame is returned, a data frame becomes
    /// (part of) a message.
    fn complete_frame(&mut self, incoming: IncomingFrame, cx: &mut Context<'_>) -> Result<Option<Frame>, ProtocolError> {
        let IncomingFrame { header, opcode, into_message, buf, .. } = incoming;
        let config = cx.config;
        let mut frame = Frame { fin: header.fin, rsv: header.rsv, opcode, data: buf };
        if opcode.is_control() {
            if !cx.extensions.is_empty() {
                frame = cx.extensions.decode(frame, None)?;
                check_rsv_consumed(&frame)?;
            }
            return Ok(Some(frame));
        }
        if !cx.extensions.is_empty() {
            let max = config.max_message_payload_size;
            let budget = (max > 0).then(|| max.saturating_sub(self.message.size));
            frame = cx.extensions.decode(frame, budget)?;
            check_rsv_consumed(&frame)?;
            self.check_message_size(frame.data.len() as u64, config)?;
            self.message.size += frame.data.len() as u64;
            if self.message.is_text() && config.utf8_validate_incoming {
                self.message
                    .utf8
                    .feed(&frame.data)
                    .map_err(|_| ProtocolError::invalid_utf8("text message is not valid UTF-8"))?;
            }
        }
        let empty = if into_message { header.payload_len == 0 } else { frame.data.is_empty() };
        if empty && !frame.fin {
            // At most as many empty fragments as the message limit has bytes: endless empty
            // continuations end in 1009 like any message over the limit.
            let max = config.max_message_payload_size;
            self.message.empty_frames += 1;
            if max > 0 && self.message.empty_frames > max {
                return Err(ProtocolError::too_big(format!("message of more than {max} empty fragments")));
            }
        }
        if frame.fin && self.message.is_text() && config.utf8_validate_incoming {
            self.message
                .utf8
                .finish()
                .map_err(|_| ProtocolError::invalid_utf8("text message ends inside a UTF-8 sequence"))?;
        }
        self.deliver(frame, into_message, cx);
        Ok(None)
    }

    /// A decoded data frame: an event of its own, or part of the message event at its end.
    fn deliver(&mut self, frame: Frame, into_message: bool, cx: &mut Context<'_>) {
        if cx.config.deliver_frames {
            if frame.fin {
                self.message.take();
            }
            cx.events.push(Event::Frame(frame));
        } else {
            if !into_message {
                self.message.push(frame.data, cx.config.max_message_payload_size);
            }
            if frame.fin {
                let is_binary = self.message.is_binary();
                let data = self.message.take();
                cx.events.push(Event::Message { is_binary, data });
            }
        }
    }
}

/// An extension that sets an RSV bit decodes it away; one still set after the chain ran was
/// set by the peer without meaning (websockets' rule, which also covers JS extensions that
/// declare no bits of their own).
fn check_rsv_consumed(frame: &Frame) -> Result<(), ProtocolError> {
    if frame.rsv != 0 {
        return Err(ProtocolError::protocol("RSV bits set that no negotiated extension used"));
    }
    Ok(())
}

/// The frame payload limit for a frame with these RSV bits. An extension's frame (RSV set:
/// compressed) may exceed `max_frame_payload_size` by 1/64 plus 1 KiB, what deflate and bzip2
/// add to incompressible data, so a message the limits allow still arrives when the peer
/// compresses it; what it decodes to stays bounded by `max_message_payload_size`.
fn compressed_frame_limit(max_frame: u64, rsv: u8) -> u64 {
    if max_frame == 0 || rsv == 0 {
        return max_frame;
    }
    max_frame.saturating_add(max_frame / 64 + 1024)
}
