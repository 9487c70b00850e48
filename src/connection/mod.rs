//! One WebSocket connection, either role, as a sans-I/O state machine
//! (python-websockets' `Protocol`): bytes in → events out; send calls → bytes out.
//!
//! The caller owns the transport and the timers:
//! - after reading, `receive_data` (or `input_space` + `commit_input` to write straight
//!   into the input buffer), then handle `events()`;
//! - after any call, write `take_output()` to the transport;
//! - close the transport when `should_close_transport()` says so (the server closes first);
//! - arm a close timer while `close_expected()` is true; call `receive_eof` on EOF.
//!
//! Inside, by role and direction: the opening handshake runs the role's machine from
//! `crate::handshake` (`opening.rs`) and hands over what was negotiated; then the reader
//! (`reader.rs`, over `input.rs` and `message.rs`) turns bytes into data events and control
//! frames, `control.rs` answers those and applies failures, and the send calls (`send.rs`)
//! go through the writer (`writer.rs`).

mod control;
mod events;
mod input;
mod message;
mod opening;
mod reader;
mod send;
mod writer;

pub use crate::handshake::Accept;
pub use events::{CloseFrame, Event, State};
pub use send::SendError;

use crate::config::{Config, Role};
use crate::error::ProtocolError;
use crate::extensions::{ClientExtensionFactory, ExtensionChain, ExtensionOffer, NegotiationError, ServerExtensionFactory};
use crate::handshake::{ClientHandshake, ServerHandshake};
use opening::Opening;
use reader::Reader;
use writer::Writer;

pub struct Connection {
    role: Role,
    config: Config,
    state: State,

    /// The role's handshake machine until the connection opens.
    opening: Opening,
    reader: Reader,
    writer: Writer,
    /// The negotiated extensions, run by both the reader (decode) and the writer (encode).
    extensions: ExtensionChain,
    /// The negotiated extensions as they appeared in the handshake response.
    negotiated: Vec<ExtensionOffer>,
    subprotocol: Option<String>,

    events: Vec<Event>,

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
        let (max_bytes, max_headers) = (config.max_handshake_bytes, config.max_handshake_headers);
        let opening = match role {
            Role::Server => Opening::Server(Box::new(ServerHandshake::new(max_bytes, max_headers))),
            Role::Client => Opening::Client(Box::new(ClientHandshake::new(max_bytes, max_headers))),
        };
        Connection {
            role,
            state: State::Connecting,
            opening,
            reader: Reader::default(),
            writer: Writer::new(seed, config.masks_outgoing(role), config.apply_mask),
            config,
            extensions: ExtensionChain::default(),
            negotiated: Vec::new(),
            subprotocol: None,
            events: Vec::new(),
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
        conn.open(crate::handshake::Negotiated { chain: extensions, ..Default::default() });
        conn
    }

    pub fn set_server_extensions(&mut self, factories: Vec<Box<dyn ServerExtensionFactory>>) {
        if let Opening::Server(handshake) = &mut self.opening {
            handshake.set_factories(factories);
        }
    }

    pub fn set_client_extensions(&mut self, factories: Vec<Box<dyn ClientExtensionFactory>>) {
        if let Opening::Client(handshake) = &mut self.opening {
            handshake.set_factories(factories);
        }
    }

    /// Client, once open: how a negotiated compression sends (autobahn's ResponseAccept).
    /// Refused on a server: the extensions' tuning sets the client's sending parameters within
    /// the client's caps, which are not the server's (a server tuned this way sent bzip2 blocks
    /// above its negotiated level; fuzz target `connection`).
    pub fn tune_extension(
        &mut self,
        name: &str,
        tune: &crate::extensions::compression_params::SendTune,
    ) -> Result<(), NegotiationError> {
        if self.role != Role::Client {
            return Err(NegotiationError("only a client tunes how a negotiated compression sends".into()));
        }
        // What the server's response said of this extension: a tune may not contradict it.
        let response = self.negotiated.iter().find(|e| e.name == name).map_or(&[][..], |e| e.params.as_slice());
        self.extensions.tune_sending(name, tune, response)
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
        !self.writer.masks() && self.extensions.is_empty()
    }
    /// A data message is half received (useful for flow control decisions).
    pub fn receiving_message(&self) -> bool {
        self.reader.receiving_message()
    }

    // ----- output -----

    pub fn output(&self) -> &[u8] {
        self.writer.output()
    }
    pub fn clear_output(&mut self) {
        self.writer.output_mut().clear();
    }
    pub fn take_output(&mut self) -> Vec<u8> {
        core::mem::take(self.writer.output_mut())
    }
    /// Swaps the pending output into `into` (which is cleared first), reusing both buffers.
    pub fn swap_output(&mut self, into: &mut Vec<u8>) {
        into.clear();
        core::mem::swap(self.writer.output_mut(), into);
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
        self.reader.input.space(len)
    }

    /// Processes `len` bytes written into `input_space`.
    pub fn commit_input(&mut self, len: usize) {
        self.reader.input.commit(len);
        self.process();
        self.reader.input.release_if_consumed();
    }

    /// The transport reached EOF: the peer closed it (or it dropped).
    pub fn receive_eof(&mut self) {
        if self.eof_received {
            return;
        }
        // Whatever was held back happened before the EOF.
        self.resume();
        self.eof_received = true;
        self.abandon_handshake();
        self.reader.stop();
        self.state = State::Closed;
        // The peer is done: close our side too. Without this a client that waits for the
        // server to close first (RFC 6455 §7.1.1) was never told to close its end
        // (python-websockets' client sends EOF on EOF, in `discard`).
        self.close_transport = true;
    }

    /// Continues after the caller handled the events it took: applies a failure or processes a
    /// close frame that `hold_close_behind_events` held back behind them. New events may follow.
    pub fn resume(&mut self) {
        if let Some(err) = self.reader.take_held_failure() {
            self.fail(err);
        } else if self.reader.release() {
            self.process();
        }
    }

    /// Whether `resume` has something to do.
    pub fn has_held(&self) -> bool {
        self.reader.has_held()
    }

    fn process(&mut self) {
        if self.reader.is_held() {
            return;
        }
        if !self.reader.discarding() {
            if self.state == State::Connecting {
                self.process_handshake();
            }
            if matches!(self.state, State::Open | State::Closing) {
                self.process_frames();
            }
        }
        self.reader.drop_discarded();
    }
}
