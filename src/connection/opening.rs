//! The connection during the opening handshake: it feeds its input to the role's handshake
//! machine (`crate::handshake`), turns what comes back into events and output, and opens
//! with the negotiated result or ends unopened.

use super::events::{Event, State};
use super::Connection;
use crate::handshake::client::ClientRequest;
use crate::handshake::http_response::error_response;
use crate::handshake::{
    Accept, ClientHandshake, ClientStep, HandshakeError, HttpError, Negotiated, ServerHandshake, ServerStep,
};

/// The handshake machine of a connection that is not open yet; boxed, so an open connection
/// does not keep room for one (idle memory).
pub(super) enum Opening {
    Server(Box<ServerHandshake>),
    Client(Box<ClientHandshake>),
    /// Open (or opened elsewhere): the handshake is over.
    Done,
}

impl Connection {
    pub(super) fn process_handshake(&mut self) {
        let input = self.reader.input.pending();
        match &mut self.opening {
            Opening::Server(handshake) => match handshake.receive(input) {
                ServerStep::Waiting => {}
                ServerStep::Request { len, request } => {
                    self.reader.input.consume(len);
                    if request.is_upgrade {
                        self.events.push(Event::Request(request));
                    } else {
                        // Only an HTTP response can follow: nothing more is read.
                        self.reader.discard();
                        self.events.push(Event::HttpRequest(request));
                    }
                }
                ServerStep::Refused(err) => self.refuse(err),
            },
            Opening::Client(handshake) => match handshake.receive(input) {
                ClientStep::Waiting => {}
                ClientStep::Open { len, response, negotiated } => {
                    self.reader.input.consume(len);
                    self.open(negotiated);
                    self.events.push(Event::Open(response));
                }
                ClientStep::Failed { len, error } => {
                    self.reader.input.consume(len);
                    self.events.push(Event::HandshakeFailed(error));
                    self.end_unopened();
                }
            },
            Opening::Done => {}
        }
    }

    /// Server: the core refuses the request on its own (malformed, too large).
    fn refuse(&mut self, err: HttpError) {
        self.writer.write_raw(&error_response(&err));
        self.events.push(Event::Rejected(err));
        self.end_unopened();
    }

    /// The handshake ended without opening: the response (if any) is queued, nothing more is
    /// read, and the transport closes once it is written.
    fn end_unopened(&mut self) {
        self.end_handshake();
        self.reader.discard();
        self.close_transport = true;
        self.state = State::Closed;
    }

    /// The handshake machine stops: nothing more is answered or awaited (no event).
    pub(super) fn end_handshake(&mut self) {
        match &mut self.opening {
            Opening::Server(handshake) => handshake.abandon(),
            Opening::Client(handshake) => {
                handshake.abandon();
            }
            Opening::Done => {}
        }
    }

    pub(super) fn open(&mut self, negotiated: Negotiated) {
        self.opening = Opening::Done;
        self.extensions = negotiated.chain;
        self.negotiated = negotiated.extensions;
        self.subprotocol = negotiated.subprotocol;
        self.state = State::Open;
    }

    /// The transport closed during the handshake: a request can no longer be answered, and a
    /// client still waiting for its response reports the handshake failed.
    pub(super) fn abandon_handshake(&mut self) {
        match &mut self.opening {
            Opening::Server(handshake) => handshake.abandon(),
            Opening::Client(handshake) => {
                if let Some(error) = handshake.abandon() {
                    self.events.push(Event::HandshakeFailed(error));
                }
            }
            Opening::Done => {}
        }
    }

    fn server_handshake(&mut self) -> Option<&mut ServerHandshake> {
        match &mut self.opening {
            Opening::Server(handshake) => Some(handshake),
            _ => None,
        }
    }

    /// Server: accepts the pending request, negotiating extensions with the configured
    /// factories. An error (bad header, subprotocol not offered) leaves the request pending
    /// so the caller can still `reject` it.
    pub fn accept(&mut self, accept: &Accept) -> Result<(), HandshakeError> {
        let discarding = self.reader.discarding();
        let handshake = self.server_handshake().filter(|h| h.awaits_answer() && !discarding);
        let Some(handshake) = handshake else {
            return Err(HandshakeError::NO_UPGRADE_REQUEST);
        };
        let (bytes, negotiated) = handshake.accept(accept)?;
        self.writer.write_raw(&bytes);
        self.open(negotiated);
        self.process();
        Ok(())
    }

    /// Server: refuses the pending request with an HTTP error status (autobahn's ConnectionDeny).
    pub fn reject(&mut self, status: u16, reason: &str, headers: &[(String, String)]) -> Result<(), HandshakeError> {
        let Some(handshake) = self.server_handshake() else {
            return Err(HandshakeError::NO_REQUEST);
        };
        let bytes = handshake.reject(status, reason, headers)?;
        self.writer.write_raw(&bytes);
        self.end_unopened();
        Ok(())
    }

    /// Server: answers a request with any HTTP response (a status page for a plain GET).
    pub fn respond_http(&mut self, status: u16, headers: &[(String, String)], body: &[u8]) -> Result<(), HandshakeError> {
        let Some(handshake) = self.server_handshake() else {
            return Err(HandshakeError::NO_REQUEST);
        };
        let bytes = handshake.respond_http(status, headers, body)?;
        self.writer.write_raw(&bytes);
        self.end_unopened();
        Ok(())
    }

    /// Client: queues the opening request. Extension offers from the configured factories are
    /// appended to `request.extensions`.
    pub fn connect(&mut self, request: &ClientRequest) -> Result<(), HandshakeError> {
        let Opening::Client(handshake) = &mut self.opening else {
            return Err(HandshakeError::NOT_NEW);
        };
        if self.state != State::Connecting {
            return Err(HandshakeError::NOT_NEW);
        }
        let bytes = handshake.connect(request, self.writer.rng())?;
        self.writer.write_raw(&bytes);
        Ok(())
    }
}
