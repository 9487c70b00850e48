//! The server's side of the opening handshake as a state machine: read one request head,
//! then wait for the application's answer (accept, reject, or a plain HTTP response).
//! It only turns bytes into a request and answers into bytes; the connection owns the
//! buffers, the events and the state that follows.

use serde::Deserialize;

use super::error::{invalid, HandshakeError};
use super::head::HeadScanner;
use super::http_response::{error_response, http_response};
use super::server::{self, Request};
use super::{format_extensions, ExtensionOffer, HttpError, Negotiated};
use crate::extensions::{negotiate_server, ServerExtensionFactory};

/// What the server sends back when it accepts a request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Accept {
    /// One of the protocols the client offered, or none.
    pub subprotocol: Option<String>,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
}

enum State {
    /// Reading the request head.
    Reading,
    /// An upgrade request awaits `accept`, `reject` or `respond_http`; what `accept` needs
    /// of it is kept.
    Upgrade { key: String, offers: Vec<ExtensionOffer>, protocols: Vec<String> },
    /// A plain HTTP request awaits `respond_http` or `reject`.
    Plain,
    /// Answered, refused, or the transport closed first: nothing more to do.
    Done,
}

/// What [`ServerHandshake::receive`] made of the input.
// Returned once per handshake and unpacked at once: boxing the request would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum ServerStep {
    /// More bytes are needed, or the request awaits its answer.
    Waiting,
    /// A request head of `len` bytes; `request.is_upgrade` tells which answer it awaits.
    Request { len: usize, request: Request },
    /// The core refuses the request: answer with this error and close.
    Refused(HttpError),
}

pub struct ServerHandshake {
    scanner: HeadScanner,
    max_headers: usize,
    factories: Vec<Box<dyn ServerExtensionFactory>>,
    state: State,
}

impl ServerHandshake {
    /// `max_bytes`: the largest request head; `max_headers`: the most header lines in it.
    pub fn new(max_bytes: usize, max_headers: usize) -> Self {
        ServerHandshake { scanner: HeadScanner::new(max_bytes), max_headers, factories: Vec::new(), state: State::Reading }
    }

    /// The extension factories `accept` negotiates with, in order of preference.
    pub fn set_factories(&mut self, factories: Vec<Box<dyn ServerExtensionFactory>>) {
        self.factories = factories;
    }

    /// Whether a request awaits an answer.
    pub fn awaits_answer(&self) -> bool {
        matches!(self.state, State::Upgrade { .. } | State::Plain)
    }

    /// Reads the request from `input`, everything received and not yet consumed.
    pub fn receive(&mut self, input: &[u8]) -> ServerStep {
        match self.state {
            State::Reading => {}
            State::Upgrade { .. } => {
                // RFC 6455 §4.1: a client sends nothing more until our response. Buffer a
                // little (pipelining), but not without bound while the application decides.
                if input.len() > self.scanner.max_bytes {
                    return self.refuse(HttpError::new(400, "data sent before the handshake completed"));
                }
                return ServerStep::Waiting;
            }
            State::Plain | State::Done => return ServerStep::Waiting,
        }
        let len = match self.scanner.scan(input) {
            Ok(Some(len)) => len,
            Ok(None) => return ServerStep::Waiting,
            Err(_) => {
                let reason = format!("handshake head larger than {} bytes", self.scanner.max_bytes);
                return self.refuse(HttpError::new(431, reason));
            }
        };
        match server::parse_request(input.get(..len).unwrap_or_default(), self.max_headers) {
            Err(err) => self.refuse(err),
            Ok(request) => {
                self.state = match request.is_upgrade {
                    false => State::Plain,
                    true => State::Upgrade {
                        key: request.key.clone(),
                        offers: request.extensions.clone(),
                        protocols: request.protocols.clone(),
                    },
                };
                ServerStep::Request { len, request }
            }
        }
    }

    fn refuse(&mut self, err: HttpError) -> ServerStep {
        self.state = State::Done;
        ServerStep::Refused(err)
    }

    /// Accepts the pending upgrade request, negotiating extensions with the factories:
    /// the `101` response and what was agreed. An error (bad header, subprotocol not
    /// offered) leaves the request pending, so it can still be rejected.
    pub fn accept(&mut self, accept: &Accept) -> Result<(Vec<u8>, Negotiated), HandshakeError> {
        let State::Upgrade { key, offers, protocols } = &self.state else {
            return Err(HandshakeError::NO_UPGRADE_REQUEST);
        };
        if let Some(proto) = &accept.subprotocol {
            if !protocols.iter().any(|p| p == proto) {
                return Err(HandshakeError::SubprotocolNotOffered(proto.clone()));
            }
        }
        let (extensions, chain) = negotiate_server(offers, &self.factories);
        let header = (!extensions.is_empty()).then(|| format_extensions(&extensions));
        let bytes = server::accept_response(key, accept.subprotocol.as_deref(), header.as_deref(), &accept.headers)?;
        self.state = State::Done;
        Ok((bytes, Negotiated { subprotocol: accept.subprotocol.clone(), extensions, chain }))
    }

    /// Refuses the pending request with an HTTP error status (autobahn's ConnectionDeny):
    /// the response to write.
    pub fn reject(&mut self, status: u16, reason: &str, headers: &[(String, String)]) -> Result<Vec<u8>, HandshakeError> {
        if !self.awaits_answer() {
            return Err(HandshakeError::NO_REQUEST);
        }
        if !(400..=599).contains(&status) {
            return Err(invalid(format!("a refusal needs a 4xx or 5xx status, not {status}")));
        }
        self.state = State::Done;
        Ok(error_response(&HttpError { status, reason: reason.into(), headers: headers.to_vec() }))
    }

    /// Answers the pending request with any HTTP response (a status page for a plain GET).
    pub fn respond_http(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Vec<u8>, HandshakeError> {
        if !self.awaits_answer() {
            return Err(HandshakeError::NO_REQUEST);
        }
        let bytes = http_response(status, headers, body)?;
        self.state = State::Done;
        Ok(bytes)
    }

    /// The handshake ends unanswered (refused, failed, or the transport closed): a request
    /// still waiting can no longer be answered.
    pub fn abandon(&mut self) {
        self.state = State::Done;
    }
}
