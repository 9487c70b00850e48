//! One WebSocket connection, either role, as a sans-I/O state machine
//! (python-websockets' `Protocol`): bytes in → events out; send calls → bytes out.
//!
//! The caller owns the transport and the timers:
//! - after reading, `receive_data` (or `input_space` + `commit_input` to write straight
//!   into the input buffer), then handle `events()`;
//! - after any call, write `take_output()` to the transport;
//! - close the transport when `should_close_transport()` says so (the server closes first);
//! - arm a close timer while `close_expected()` is true; call `receive_eof` on EOF.

use serde::{Deserialize, Serialize};

use crate::close::{self, codes};
use crate::config::{Config, Role};
use crate::error::ProtocolError;
use crate::extensions::{
    client_offers, negotiate_client, negotiate_server, ClientExtensionFactory, ExtensionChain, NegotiationError,
    ServerExtensionFactory,
};
use crate::frame::{self, Frame, FrameHeader, HeaderParse, Opcode};
use crate::handshake::client::{self, ClientRequest, ResponseError};
use crate::handshake::head::HeadScanner;
use crate::handshake::http_response::{error_response, http_response};
use crate::handshake::server::{self, Request};
use crate::handshake::{format_extensions, ExtensionOffer, HttpError};
use crate::mask;
use crate::message::{reserve_within, IncomingMessage};
use rand_chacha::ChaCha12Rng;
use rand_core::{RngCore, SeedableRng};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Opening handshake in progress.
    Connecting,
    Open,
    /// A close frame was sent or received (or the connection failed); waiting for the rest of
    /// the closing handshake or for the transport to close.
    Closing,
    /// The transport is closed (EOF received), or the handshake was refused.
    Closed,
}

/// A close frame's content; `code` is 1005 (`NO_STATUS`) when the frame carried none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CloseFrame {
    pub code: u16,
    pub reason: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// Server: an upgrade request; answer with [`Connection::accept`] or [`Connection::reject`].
    Request(Request),
    /// Server: a plain HTTP request without upgrade; answer with [`Connection::respond_http`].
    HttpRequest(Request),
    /// Server: the core refused a malformed or unacceptable request; the response is queued.
    Rejected(HttpError),
    /// Client: the server accepted; the connection is open.
    Open(client::Response),
    /// Client: the server's response was refused (or the transport closed first).
    HandshakeFailed(ResponseError),
    /// A complete data message (`Config::deliver_frames` off).
    Message { is_binary: bool, data: Vec<u8> },
    /// A data frame (`Config::deliver_frames` on), after extensions decoded it.
    Frame(Frame),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    /// The peer's close frame; our reply (if one was due) is already queued.
    Close(CloseFrame),
}

/// What the server sends back when it accepts a request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Accept {
    /// One of the protocols the client offered, or none.
    pub subprotocol: Option<String>,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
}

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

/// Handshake progress that only matters until the connection opens.
#[derive(Default)]
struct Handshake {
    scanner: Option<HeadScanner>,
    /// Client: our key. Server: the request's key.
    key: String,
    /// Server: the request's offers and protocols, kept for `accept`.
    offers: Vec<ExtensionOffer>,
    protocols: Vec<String>,
    /// Server: a request awaits `accept`/`reject`/`respond_http`.
    awaiting_answer: bool,
    /// Client: the request is sent and the response awaited.
    awaiting_response: bool,
    offered_extensions: Vec<String>,
}

pub struct Connection {
    role: Role,
    config: Config,
    state: State,
    rng: ChaCha12Rng,

    /// Received bytes live in `input[start..end]`; `input[end..]` is spare room.
    input: Vec<u8>,
    start: usize,
    end: usize,
    /// Set once nothing more may be processed (close received, failure, refusal).
    discard_input: bool,
    /// A close frame waits in the input behind unhandled events (`hold_close_behind_events`).
    input_held: bool,
    /// A failure found behind unhandled events, applied by `resume`.
    held_failure: Option<ProtocolError>,

    handshake: Handshake,
    server_factories: Vec<Box<dyn ServerExtensionFactory>>,
    client_factories: Vec<Box<dyn ClientExtensionFactory>>,
    extensions: ExtensionChain,
    /// The negotiated extensions as they appeared in the handshake response.
    negotiated: Vec<ExtensionOffer>,
    subprotocol: Option<String>,

    frame: Option<IncomingFrame>,
    message: IncomingMessage,
    /// A fragmented message we are sending is unfinished.
    sending_fragmented: bool,

    events: Vec<Event>,
    output: Vec<u8>,

    close_sent: Option<CloseFrame>,
    close_received: Option<CloseFrame>,
    failure: Option<ProtocolError>,
    close_transport: bool,
    eof_received: bool,
}

impl Connection {
    /// `seed` feeds the mask keys and the client's handshake key; give it 32 bytes from a
    /// cryptographically secure source (the core cannot reach one itself).
    pub fn new(role: Role, config: Config, seed: [u8; 32]) -> Connection {
        let scanner = HeadScanner::new(config.max_handshake_bytes);
        Connection {
            role,
            config,
            state: State::Connecting,
            rng: ChaCha12Rng::from_seed(seed),
            input: Vec::new(),
            start: 0,
            end: 0,
            discard_input: false,
            input_held: false,
            held_failure: None,
            handshake: Handshake { scanner: Some(scanner), ..Handshake::default() },
            server_factories: Vec::new(),
            client_factories: Vec::new(),
            extensions: ExtensionChain::default(),
            negotiated: Vec::new(),
            subprotocol: None,
            frame: None,
            message: IncomingMessage::default(),
            sending_fragmented: false,
            events: Vec::new(),
            output: Vec::new(),
            close_sent: None,
            close_received: None,
            failure: None,
            close_transport: false,
            eof_received: false,
        }
    }

    /// A connection whose opening handshake happened elsewhere, already open.
    pub fn new_open(role: Role, config: Config, seed: [u8; 32], extensions: ExtensionChain) -> Connection {
        let mut conn = Connection::new(role, config, seed);
        conn.state = State::Open;
        conn.handshake.scanner = None;
        conn.extensions = extensions;
        conn
    }

    pub fn set_server_extensions(&mut self, factories: Vec<Box<dyn ServerExtensionFactory>>) {
        self.server_factories = factories;
    }

    pub fn set_client_extensions(&mut self, factories: Vec<Box<dyn ClientExtensionFactory>>) {
        self.client_factories = factories;
    }

    /// Client, once open: how a negotiated compression sends (autobahn's ResponseAccept).
    pub fn tune_extension(&mut self, name: &str, tune: &crate::extensions::compression_params::SendTune) -> Result<(), NegotiationError> {
        self.extensions.tune_sending(name, tune)
    }

    // ----- queries -----

    pub fn role(&self) -> Role {
        self.role
    }
    pub fn state(&self) -> State {
        self.state
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_deref()
    }
    /// The extensions in force, as the handshake response listed them.
    pub fn extensions(&self) -> &[ExtensionOffer] {
        &self.negotiated
    }
    pub fn close_sent(&self) -> Option<&CloseFrame> {
        self.close_sent.as_ref()
    }
    pub fn close_received(&self) -> Option<&CloseFrame> {
        self.close_received.as_ref()
    }
    /// Why we failed the connection, if we did.
    pub fn failure(&self) -> Option<&ProtocolError> {
        self.failure.as_ref()
    }
    /// Both close frames went across and nothing failed (autobahn's `wasClean`).
    pub fn was_clean(&self) -> bool {
        self.close_sent.is_some() && self.close_received.is_some() && self.failure.is_none()
    }
    /// The caller should close the transport once the output is written.
    pub fn should_close_transport(&self) -> bool {
        self.close_transport
    }
    /// The transport should close soon; arm a timer that closes it if the peer does not
    /// (python-websockets' `close_expected`).
    pub fn close_expected(&self) -> bool {
        !self.eof_received && (self.state == State::Closing || self.close_transport)
    }
    /// Data frames go out as written: no mask, no extension (the header-only fast path).
    pub fn can_send_header_only(&self) -> bool {
        !self.config.masks_outgoing(self.role) && self.extensions.is_empty()
    }
    /// A data message is half received (useful for flow control decisions).
    pub fn receiving_message(&self) -> bool {
        self.message.in_progress()
    }

    // ----- output -----

    pub fn output(&self) -> &[u8] {
        &self.output
    }
    pub fn clear_output(&mut self) {
        self.output.clear();
    }
    pub fn take_output(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.output)
    }
    /// Swaps the pending output into `into` (which is cleared first), reusing both buffers.
    pub fn swap_output(&mut self, into: &mut Vec<u8>) {
        into.clear();
        core::mem::swap(&mut self.output, into);
    }

    // ----- events -----

    pub fn events(&mut self) -> std::vec::Drain<'_, Event> {
        self.events.drain(..)
    }
    pub fn take_events(&mut self) -> Vec<Event> {
        core::mem::take(&mut self.events)
    }
    /// Swaps the pending events into `into` (which is cleared first), reusing both buffers.
    pub fn swap_events(&mut self, into: &mut Vec<Event>) {
        into.clear();
        core::mem::swap(&mut self.events, into);
    }

    // ----- input -----

    /// Feeds bytes read from the transport.
    pub fn receive_data(&mut self, data: &[u8]) {
        self.input_space(data.len()).copy_from_slice(data);
        self.commit_input(data.len());
    }

    /// Room for `len` bytes at the end of the input buffer, to be filled by the caller and then
    /// passed on with `commit_input(len)`. Saves a copy when the caller can write in place.
    pub fn input_space(&mut self, len: usize) -> &mut [u8] {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.input.len() - self.end < len {
            // Compact first: what is left unconsumed is at most a partial frame header or an
            // incomplete handshake head, so this moves little.
            self.input.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.input.len() - self.end < len {
                // Exactly: a read a little larger than the last must not double the buffer.
                self.input.reserve_exact(self.end + len - self.input.len());
                self.input.resize(self.end + len, 0);
            }
        }
        &mut self.input[self.end..self.end + len]
    }

    /// Processes `len` bytes written into `input_space`.
    pub fn commit_input(&mut self, len: usize) {
        self.end = (self.end + len).min(self.input.len());
        self.process();
    }

    /// The transport reached EOF: the peer closed it (or it dropped).
    pub fn receive_eof(&mut self) {
        if self.eof_received {
            return;
        }
        // Whatever was held back happened before the EOF.
        self.resume();
        self.eof_received = true;
        // A request still waiting for accept/reject/respond_http can no longer be answered:
        // nothing may be written once the connection is Closed.
        self.handshake.awaiting_answer = false;
        if self.handshake.awaiting_response {
            self.handshake.awaiting_response = false;
            self.events.push(Event::HandshakeFailed(ResponseError {
                status: None,
                message: "connection closed before the handshake response".into(),
            }));
        }
        self.message.abandon();
        self.frame = None;
        self.discard_input = true;
        self.state = State::Closed;
        // The peer is done: close our side too. Without this a client that waits for the
        // server to close first (RFC 6455 §7.1.1) was never told to close its end
        // (python-websockets' client sends EOF on EOF, in `discard`).
        self.close_transport = true;
    }

    /// Continues after the caller handled the events it took: applies a failure or processes a
    /// close frame that `hold_close_behind_events` held back behind them. New events may follow.
    pub fn resume(&mut self) {
        if let Some(err) = self.held_failure.take() {
            self.fail(err);
        } else if self.input_held {
            self.input_held = false;
            self.process();
        }
    }

    /// Whether `resume` has something to do.
    pub fn has_held(&self) -> bool {
        self.input_held || self.held_failure.is_some()
    }

    fn process(&mut self) {
        if self.input_held {
            return;
        }
        if self.discard_input {
            self.start = self.end;
            return;
        }
        if self.state == State::Connecting {
            match self.role {
                Role::Server => self.process_request(),
                Role::Client => self.process_response(),
            }
        }
        if matches!(self.state, State::Open | State::Closing) {
            self.process_frames();
        }
        if self.discard_input {
            self.start = self.end;
        }
    }

    // ----- opening handshake: server -----

    fn process_request(&mut self) {
        if self.handshake.awaiting_answer {
            // RFC 6455 §4.1: a client sends nothing more until our response. Buffer a little
            // (pipelining), but not without bound while the application decides.
            if self.end - self.start > self.config.max_handshake_bytes {
                self.refuse(HttpError {
                    status: 400,
                    reason: "data sent before the handshake completed".into(),
                    headers: Vec::new(),
                });
            }
            return;
        }
        let Some(head_len) = self.scan_head() else { return };
        let head = &self.input[self.start..self.start + head_len];
        let parsed = server::parse_request(head, self.config.max_handshake_headers);
        self.start += head_len;
        match parsed {
            Err(err) => self.refuse(err),
            Ok(request) if !request.is_upgrade => {
                self.handshake.awaiting_answer = true;
                self.discard_input = true;
                self.events.push(Event::HttpRequest(request));
            }
            Ok(request) => {
                self.handshake.awaiting_answer = true;
                self.handshake.key = request.key.clone();
                self.handshake.offers = request.extensions.clone();
                self.handshake.protocols = request.protocols.clone();
                self.events.push(Event::Request(request));
            }
        }
    }

    /// Finds the end of the handshake head in the input, or refuses an oversized one.
    fn scan_head(&mut self) -> Option<usize> {
        let scanner = self.handshake.scanner.as_mut()?;
        match scanner.scan(&self.input[self.start..self.end]) {
            Ok(found) => found,
            Err(_) => {
                let reason = format!("handshake head larger than {} bytes", self.config.max_handshake_bytes);
                match self.role {
                    Role::Server => self.refuse(HttpError { status: 431, reason, headers: Vec::new() }),
                    Role::Client => self.handshake_failed(None, reason),
                }
                None
            }
        }
    }

    fn refuse(&mut self, err: HttpError) {
        self.output.extend_from_slice(&error_response(&err));
        self.events.push(Event::Rejected(err));
        self.end_handshake_unopened();
    }

    fn end_handshake_unopened(&mut self) {
        self.handshake.awaiting_answer = false;
        self.handshake.awaiting_response = false;
        self.discard_input = true;
        self.close_transport = true;
        self.state = State::Closed;
    }

    /// Server: accepts the pending request, negotiating extensions with the configured
    /// factories. An error (bad header, subprotocol not offered) leaves the request pending
    /// so the caller can still `reject` it.
    pub fn accept(&mut self, accept: &Accept) -> Result<(), String> {
        if self.role != Role::Server || !self.handshake.awaiting_answer || self.discard_input {
            return Err("no upgrade request is waiting for an answer".into());
        }
        if let Some(proto) = &accept.subprotocol {
            if !self.handshake.protocols.iter().any(|p| p == proto) {
                return Err(format!("subprotocol {proto:?} was not offered by the client"));
            }
        }
        let (response, chain) = negotiate_server(&self.handshake.offers, &self.server_factories);
        let header = (!response.is_empty()).then(|| format_extensions(&response));
        let bytes = server::accept_response(
            &self.handshake.key,
            accept.subprotocol.as_deref(),
            header.as_deref(),
            &accept.headers,
        )?;
        self.output.extend_from_slice(&bytes);
        self.extensions = chain;
        self.negotiated = response;
        self.subprotocol = accept.subprotocol.clone();
        self.open();
        self.process();
        Ok(())
    }

    /// Server: refuses the pending request with an HTTP error status (autobahn's ConnectionDeny).
    pub fn reject(&mut self, status: u16, reason: &str, headers: &[(String, String)]) -> Result<(), String> {
        if self.role != Role::Server || !self.handshake.awaiting_answer {
            return Err("no request is waiting for an answer".into());
        }
        if !(400..=599).contains(&status) {
            return Err(format!("a refusal needs a 4xx or 5xx status, not {status}"));
        }
        let err = HttpError { status, reason: reason.into(), headers: headers.to_vec() };
        self.output.extend_from_slice(&error_response(&err));
        self.end_handshake_unopened();
        Ok(())
    }

    /// Server: answers a request with any HTTP response (a status page for a plain GET).
    pub fn respond_http(&mut self, status: u16, headers: &[(String, String)], body: &[u8]) -> Result<(), String> {
        if self.role != Role::Server || !self.handshake.awaiting_answer {
            return Err("no request is waiting for an answer".into());
        }
        let bytes = http_response(status, headers, body)?;
        self.output.extend_from_slice(&bytes);
        self.end_handshake_unopened();
        Ok(())
    }

    fn open(&mut self) {
        self.handshake = Handshake::default();
        self.state = State::Open;
    }

    // ----- opening handshake: client -----

    /// Client: queues the opening request. Extension offers from the configured factories are
    /// appended to `request.extensions`.
    pub fn connect(&mut self, request: &ClientRequest) -> Result<(), String> {
        if self.role != Role::Client || self.state != State::Connecting || self.handshake.awaiting_response {
            return Err("connect() is for a new client connection".into());
        }
        let mut random = [0u8; 16];
        self.rng.fill_bytes(&mut random);
        let key = client::generate_key(random);
        let mut request = request.clone();
        request.extensions.extend(client_offers(&self.client_factories));
        let bytes = client::build_request(&request, &key)?;
        self.output.extend_from_slice(&bytes);
        self.handshake.key = key;
        self.handshake.protocols = request.protocols;
        self.handshake.offered_extensions = request.extensions.into_iter().map(|e| e.name).collect();
        self.handshake.awaiting_response = true;
        Ok(())
    }

    fn process_response(&mut self) {
        if !self.handshake.awaiting_response {
            return;
        }
        let Some(head_len) = self.scan_head() else { return };
        let head = &self.input[self.start..self.start + head_len];
        let parsed = client::parse_response(
            head,
            &self.handshake.key,
            &self.handshake.protocols,
            &self.handshake.offered_extensions,
            self.config.max_handshake_headers,
        );
        self.start += head_len;
        let response = match parsed {
            Ok(response) => response,
            Err(err) => return self.handshake_failed(err.status, err.message),
        };
        match negotiate_client(&response.extensions, &self.client_factories) {
            Ok(chain) => {
                self.extensions = chain;
                self.negotiated = response.extensions.clone();
                self.subprotocol = response.protocol.clone();
                self.open();
                self.events.push(Event::Open(response));
            }
            Err(err) => self.handshake_failed(Some(response.status), err.0),
        }
    }

    fn handshake_failed(&mut self, status: Option<u16>, message: String) {
        self.events.push(Event::HandshakeFailed(ResponseError { status, message }));
        self.end_handshake_unopened();
    }

    // ----- framing: receive -----

    fn process_frames(&mut self) {
        while !self.discard_input {
            if self.frame.is_none() {
                match frame::parse_header(&self.input[self.start..self.end]) {
                    HeaderParse::Incomplete => return,
                    HeaderParse::LengthOverflow => {
                        return self.fail_receiving(ProtocolError::protocol("frame length has its most significant bit set"))
                    }
                    HeaderParse::Complete { header, header_len } => {
                        if header.opcode == Opcode::Close as u8 && self.holds_behind_events() {
                            self.input_held = true;
                            return;
                        }
                        self.start += header_len;
                        match self.begin_frame(header) {
                            Ok(incoming) => self.frame = Some(incoming),
                            Err(err) => return self.fail_receiving(err),
                        }
                    }
                }
            }
            if let Err(err) = self.read_payload() {
                return self.fail_receiving(err);
            }
            match self.frame.as_ref() {
                Some(incoming) if incoming.remaining == 0 => {
                    if let Some(done) = self.frame.take() {
                        if let Err(err) = self.complete_frame(done) {
                            return self.fail_receiving(err);
                        }
                    }
                }
                // The payload continues in a later chunk.
                _ => return,
            }
        }
    }

    /// Checks a header against RFC 6455 §5 and the limits, before any payload is buffered.
    fn begin_frame(&mut self, header: FrameHeader) -> Result<IncomingFrame, ProtocolError> {
        let opcode = Opcode::from_u8(header.opcode)
            .ok_or_else(|| ProtocolError::protocol(format!("reserved opcode {:#x}", header.opcode)))?;
        if header.rsv & !self.extensions.rsv_bits() != 0 {
            return Err(ProtocolError::protocol("RSV bits set without a negotiated extension"));
        }
        match (self.role, header.mask.is_some()) {
            (Role::Server, false) if self.config.require_masked_client_frames => {
                return Err(ProtocolError::protocol("unmasked frame from client"))
            }
            (Role::Client, true) if !self.config.accept_masked_server_frames => {
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
            let max_frame = compressed_frame_limit(self.config.max_frame_payload_size, header.rsv);
            if max_frame > 0 && header.payload_len > max_frame {
                return Err(ProtocolError::too_big(format!(
                    "frame payload of {} bytes exceeds the limit of {max_frame}",
                    header.payload_len
                )));
            }
            if self.extensions.is_empty() {
                self.check_message_size(header.payload_len)?;
                into_message = !self.config.deliver_frames;
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
            reserve_within(&mut self.message.data, capacity, self.config.max_message_payload_size);
        } else {
            buf.reserve(capacity);
        }
        Ok(IncomingFrame { header, opcode, remaining: header.payload_len, seen: 0, into_message, buf })
    }

    fn check_message_size(&self, more: u64) -> Result<(), ProtocolError> {
        let max = self.config.max_message_payload_size;
        let total = self.message.size.saturating_add(more);
        if max > 0 && total > max {
            return Err(ProtocolError::too_big(format!("message of {total}+ bytes exceeds the limit of {max}")));
        }
        Ok(())
    }

    /// Moves the available payload bytes of the current frame out of the input buffer,
    /// unmasking on the way, and validates text as it arrives when nothing transforms it.
    fn read_payload(&mut self) -> Result<(), ProtocolError> {
        let Some(incoming) = self.frame.as_mut() else { return Ok(()) };
        let available = (self.end - self.start) as u64;
        let take = incoming.remaining.min(available) as usize;
        if take == 0 {
            return Ok(());
        }
        // Text is validated as it arrives (fail fast) unless an extension will transform it.
        let counts = !incoming.opcode.is_control() && self.extensions.is_empty();
        let validate = counts && self.message.is_text() && self.config.utf8_validate_incoming;
        let chunk = &self.input[self.start..self.start + take];
        let dst = if incoming.into_message {
            reserve_within(&mut self.message.data, take, self.config.max_message_payload_size);
            &mut self.message.data
        } else {
            &mut incoming.buf
        };
        let from = dst.len();
        match incoming.header.mask {
            Some(key) => mask::mask_into(dst, chunk, key, incoming.seen),
            None => dst.extend_from_slice(chunk),
        }
        self.start += take;
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
                .map_err(|_| ProtocolError::invalid_data("text message is not valid UTF-8"))?;
        }
        Ok(())
    }

    fn complete_frame(&mut self, incoming: IncomingFrame) -> Result<(), ProtocolError> {
        let IncomingFrame { header, opcode, into_message, buf, .. } = incoming;
        let mut frame = Frame { fin: header.fin, rsv: header.rsv, opcode, data: buf };
        if opcode.is_control() {
            if !self.extensions.is_empty() {
                frame = self.extensions.decode(frame, None)?;
                check_rsv_consumed(&frame)?;
            }
            return self.control_frame(frame);
        }
        if !self.extensions.is_empty() {
            let max = self.config.max_message_payload_size;
            let budget = (max > 0).then(|| max.saturating_sub(self.message.size));
            frame = self.extensions.decode(frame, budget)?;
            check_rsv_consumed(&frame)?;
            self.check_message_size(frame.data.len() as u64)?;
            self.message.size += frame.data.len() as u64;
            if self.message.is_text() && self.config.utf8_validate_incoming {
                self.message
                    .utf8
                    .feed(&frame.data)
                    .map_err(|_| ProtocolError::invalid_data("text message is not valid UTF-8"))?;
            }
        }
        let empty = if into_message { header.payload_len == 0 } else { frame.data.is_empty() };
        if empty && !frame.fin {
            // At most as many empty fragments as the message limit has bytes: endless empty
            // continuations end in 1009 like any message over the limit.
            let max = self.config.max_message_payload_size;
            self.message.empty_frames += 1;
            if max > 0 && self.message.empty_frames > max {
                return Err(ProtocolError::too_big(format!("message of more than {max} empty fragments")));
            }
        }
        if frame.fin && self.message.is_text() && self.config.utf8_validate_incoming {
            self.message
                .utf8
                .finish()
                .map_err(|_| ProtocolError::invalid_data("text message ends inside a UTF-8 sequence"))?;
        }
        if self.config.deliver_frames {
            if frame.fin {
                self.message.take();
            }
            self.events.push(Event::Frame(frame));
        } else {
            if !into_message {
                self.message.push(frame.data, self.config.max_message_payload_size);
            }
            if frame.fin {
                let is_binary = self.message.is_binary();
                let data = self.message.take();
                self.events.push(Event::Message { is_binary, data });
            }
        }
        Ok(())
    }

    fn control_frame(&mut self, frame: Frame) -> Result<(), ProtocolError> {
        match frame.opcode {
            Opcode::Ping => {
                if self.config.auto_pong && self.close_sent.is_none() {
                    // Cannot fail: same payload size, open connection.
                    let _ = self.send_control(Opcode::Pong, &frame.data);
                }
                self.events.push(Event::Ping(frame.data));
            }
            Opcode::Pong => self.events.push(Event::Pong(frame.data)),
            _ => self.receive_close(&frame.data)?,
        }
        Ok(())
    }

    fn receive_close(&mut self, payload: &[u8]) -> Result<(), ProtocolError> {
        let parsed = close::parse_close_payload(payload)?;
        let received = match &parsed {
            Some((code, reason)) => CloseFrame { code: *code, reason: reason.clone() },
            None => CloseFrame { code: codes::NO_STATUS, reason: String::new() },
        };
        if self.close_sent.is_none() {
            match parsed {
                Some((code, reason)) if self.config.echo_close_code_reason => self.write_close(CloseFrame { code, reason }),
                // Echoing a close that carried no code means an empty close too (as autobahn).
                None if self.config.echo_close_code_reason => self.write_empty_close(),
                _ => self.write_close(CloseFrame { code: codes::NORMAL, reason: String::new() }),
            }
        }
        self.close_received = Some(received.clone());
        self.state = State::Closing;
        // RFC 6455 §5.5.1: nothing after a close frame is processed.
        self.discard_input = true;
        self.message.abandon();
        // RFC 6455 §7.1.1: the server closes TCP first; the client waits for it.
        if self.role == Role::Server {
            self.close_transport = true;
        }
        self.events.push(Event::Close(received));
        Ok(())
    }

    fn holds_behind_events(&self) -> bool {
        self.config.hold_close_behind_events && !self.events.is_empty()
    }

    /// A failure found in received data: applied now, or held for `resume` when events come
    /// before it (input stops here either way).
    fn fail_receiving(&mut self, err: ProtocolError) {
        if self.holds_behind_events() {
            self.held_failure = Some(err);
            self.discard_input = true;
            self.frame = None;
        } else {
            self.fail(err);
        }
    }

    /// Fails the connection (RFC 6455 §7.1.7): sends a close frame with the error's code
    /// (unless `fail_by_drop`), stops processing input, and asks to close the transport
    /// (a client waits for the server to close it first, as python-websockets does).
    pub fn fail(&mut self, err: ProtocolError) {
        if self.failure.is_some() || self.state == State::Closed {
            return;
        }
        let may_send = matches!(self.state, State::Open | State::Closing) && self.close_sent.is_none();
        if may_send && !self.config.fail_by_drop {
            self.write_close(CloseFrame { code: err.code, reason: err.reason.clone() });
        }
        self.failure = Some(err);
        self.state = State::Closing;
        self.discard_input = true;
        self.frame = None;
        self.message.abandon();
        if self.role == Role::Server || self.config.fail_by_drop {
            self.close_transport = true;
        }
    }

    // ----- framing: send -----

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
        if self.extensions.is_empty() {
            self.write_frame(fin, 0, opcode, data);
        } else {
            let frame = Frame { fin, rsv: 0, opcode, data: data.to_vec() };
            let frame = self.extensions.encode(frame).map_err(SendError::Extension)?;
            self.write_frame(frame.fin, frame.rsv, frame.opcode, &frame.data);
        }
        self.sending_fragmented = !fin;
        Ok(())
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
        if self.config.masks_outgoing(self.role) || !self.extensions.is_empty() {
            return Err(SendError::NeedsTransform);
        }
        self.check_data_frame(opcode)?;
        frame::write_header(&mut self.output, fin, 0, opcode as u8, None, payload_len);
        self.sending_fragmented = !fin;
        Ok(())
    }

    /// What the whole unmasked frames of a message sent now depend on besides the message
    /// (the extensions' [`crate::extensions::Extension::shared_output_key`] and the
    /// fragmentation), when nothing else does: connections with equal keys would write the
    /// same bytes, so a message for many is framed (and compressed) once per key. `None` when
    /// this connection masks or its extensions carry state between messages.
    pub fn shared_output_key(&self, do_not_compress: bool) -> Option<String> {
        if self.config.masks_outgoing(self.role) {
            return None;
        }
        let extensions = self.extensions.shared_output_key(do_not_compress)?;
        Some(format!("{extensions}|fragment={}", self.config.auto_fragment_size))
    }

    /// Accounts for a whole message whose frames another connection with the same
    /// [`Connection::shared_output_key`] produced: checks that one may be sent now; the caller
    /// writes those frames itself. `rsv` is the first frame's RSV bits.
    pub fn send_prepared(&mut self, opcode: Opcode, rsv: u8) -> Result<(), SendError> {
        if self.config.masks_outgoing(self.role) || rsv & !self.extensions.rsv_bits() != 0 {
            return Err(SendError::NeedsTransform);
        }
        if opcode == Opcode::Continuation {
            return Err(SendError::FragmentSequence("a prepared message starts a message"));
        }
        self.check_data_frame(opcode)?;
        self.sending_fragmented = false;
        Ok(())
    }

    fn check_data_frame(&self, opcode: Opcode) -> Result<(), SendError> {
        self.check_can_send()?;
        match (opcode, self.sending_fragmented) {
            (Opcode::Continuation, false) => Err(SendError::FragmentSequence("no fragmented message to continue")),
            (Opcode::Text | Opcode::Binary, true) => {
                Err(SendError::FragmentSequence("the previous fragmented message is not finished"))
            }
            (op, _) if op.is_control() => Err(SendError::FragmentSequence("not a data opcode")),
            _ => Ok(()),
        }
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

    fn send_control(&mut self, opcode: Opcode, data: &[u8]) -> Result<(), SendError> {
        self.check_can_send()?;
        if data.len() > 125 {
            return Err(SendError::ControlTooLong(data.len()));
        }
        self.write_control(opcode, data)
    }

    fn write_control(&mut self, opcode: Opcode, data: &[u8]) -> Result<(), SendError> {
        if self.extensions.is_empty() {
            self.write_frame(true, 0, opcode, data);
        } else {
            let frame = self.extensions.encode(Frame::new(opcode, data.to_vec())).map_err(SendError::Extension)?;
            self.write_frame(frame.fin, frame.rsv, frame.opcode, &frame.data);
        }
        Ok(())
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
        match frame {
            Some(frame) => self.write_close(frame),
            None => self.write_empty_close(),
        }
        self.state = State::Closing;
        Ok(())
    }

    fn write_empty_close(&mut self) {
        let _ = self.write_control(Opcode::Close, &[]);
        self.close_sent = Some(CloseFrame { code: codes::NO_STATUS, reason: String::new() });
    }

    fn write_close(&mut self, frame: CloseFrame) {
        let payload = close::close_payload(frame.code, &frame.reason);
        // An extension refusing a close frame leaves nothing to send it with; drop it.
        let _ = self.write_control(Opcode::Close, &payload);
        self.close_sent = Some(frame);
    }

    fn write_frame(&mut self, fin: bool, rsv: u8, opcode: Opcode, data: &[u8]) {
        let key = self.config.masks_outgoing(self.role).then(|| self.rng.next_u32().to_ne_bytes());
        self.output.reserve(frame::header_len(data.len() as u64, key.is_some()) + data.len());
        frame::write_header(&mut self.output, fin, rsv, opcode as u8, key, data.len() as u64);
        match key {
            Some(key) if self.config.apply_mask => mask::mask_into(&mut self.output, data, key, 0),
            _ => self.output.extend_from_slice(data),
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
