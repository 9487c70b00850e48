//! The client's side of the opening handshake as a state machine: write the request, then
//! read the server's response head and negotiate the extensions it accepted. The connection
//! owns the buffers, the events and the state that follows.

use rand_core::RngCore;

use super::client::{self, ClientRequest, Response};
use super::error::HandshakeError;
use super::head::HeadScanner;
use super::Negotiated;
use crate::extensions::{client_offers, negotiate_client, ClientExtensionFactory};

enum State {
    /// `connect` has not succeeded yet.
    New,
    /// The request is written; what checking the response needs is kept.
    Awaiting { key: String, protocols: Vec<String>, offered_extensions: Vec<String> },
    /// Opened, failed, or the transport closed first: nothing more to do.
    Done,
}

/// What [`ClientHandshake::receive`] made of the input.
pub enum ClientStep {
    /// More bytes are needed (or no request was sent).
    Waiting,
    /// The server accepted with a response head of `len` bytes.
    Open { len: usize, response: Response, negotiated: Negotiated },
    /// The response was refused (`len` bytes of it read); the connection cannot open.
    Failed { len: usize, error: HandshakeError },
}

pub struct ClientHandshake {
    scanner: HeadScanner,
    max_headers: usize,
    factories: Vec<Box<dyn ClientExtensionFactory>>,
    state: State,
}

impl ClientHandshake {
    /// `max_bytes`: the largest response head; `max_headers`: the most header lines in it.
    pub fn new(max_bytes: usize, max_headers: usize) -> Self {
        ClientHandshake { scanner: HeadScanner::new(max_bytes), max_headers, factories: Vec::new(), state: State::New }
    }

    /// The extension factories whose offers `connect` appends, and which check the response.
    pub fn set_factories(&mut self, factories: Vec<Box<dyn ClientExtensionFactory>>) {
        self.factories = factories;
    }

    /// The request head to write. The key takes 16 bytes from `rng` (the core has no entropy
    /// of its own); offers from the factories are appended to `request.extensions`.
    pub fn connect(&mut self, request: &ClientRequest, rng: &mut impl RngCore) -> Result<Vec<u8>, HandshakeError> {
        if !matches!(self.state, State::New) {
            return Err(HandshakeError::NOT_NEW);
        }
        let mut random = [0u8; 16];
        rng.fill_bytes(&mut random);
        let key = client::generate_key(random);
        let mut request = request.clone();
        request.extensions.extend(client_offers(&self.factories));
        let bytes = client::build_request(&request, &key)?;
        let offered_extensions = request.extensions.into_iter().map(|e| e.name).collect();
        self.state = State::Awaiting { key, protocols: request.protocols, offered_extensions };
        Ok(bytes)
    }

    /// Reads the response from `input`, everything received and not yet consumed.
    pub fn receive(&mut self, input: &[u8]) -> ClientStep {
        let State::Awaiting { key, protocols, offered_extensions } = &self.state else {
            return ClientStep::Waiting;
        };
        let len = match self.scanner.scan(input) {
            Ok(Some(len)) => len,
            Ok(None) => return ClientStep::Waiting,
            Err(_) => return self.fail(0, HandshakeError::HeadTooLarge { limit: self.scanner.max_bytes }),
        };
        let head = input.get(..len).unwrap_or_default();
        let response = match client::parse_response(head, key, protocols, offered_extensions, self.max_headers) {
            Ok(response) => response,
            Err(error) => return self.fail(len, error),
        };
        match negotiate_client(&response.extensions, &self.factories) {
            Ok(chain) => {
                self.state = State::Done;
                let negotiated =
                    Negotiated { subprotocol: response.protocol.clone(), extensions: response.extensions.clone(), chain };
                ClientStep::Open { len, response, negotiated }
            }
            Err(err) => self.fail(len, HandshakeError::Extension(err)),
        }
    }

    fn fail(&mut self, len: usize, error: HandshakeError) -> ClientStep {
        self.state = State::Done;
        ClientStep::Failed { len, error }
    }

    /// The transport closed: the failure to report if a response was still awaited.
    pub fn abandon(&mut self) -> Option<HandshakeError> {
        let awaiting = matches!(self.state, State::Awaiting { .. });
        self.state = State::Done;
        awaiting.then_some(HandshakeError::ConnectionClosed)
    }
}
