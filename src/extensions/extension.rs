//! Extensions as frame → frame transforms (python-websockets' model), their negotiation
//! factories, and the chain a connection runs: encode in negotiated order on send,
//! decode in reverse order on receive.

use crate::error::ProtocolError;
use crate::frame::Frame;
use super::{ExtensionOffer, ExtensionParam};

/// One negotiated extension, owned by one connection.
pub trait Extension {
    /// The registered name, e.g. `permessage-deflate`.
    fn name(&self) -> &str;
    /// The RSV bits (`frame::RSV1 | ...`) this extension may set; a received frame with a bit
    /// no negotiated extension owns fails the connection with 1002.
    fn rsv_bits(&self) -> u8;
    /// Transforms a frame about to be sent.
    fn encode(&mut self, frame: Frame) -> Result<Frame, ProtocolError>;
    /// Transforms a received frame. `max_size` is what is left of the message size budget:
    /// a decoder that expands data must stop (1009) before producing more than that.
    fn decode(&mut self, frame: Frame, max_size: Option<u64>) -> Result<Frame, ProtocolError>;
    /// The next data message goes out untransformed (a per-message opt-out such as
    /// autobahn's `doNotCompress`); extensions that do not compress ignore it.
    fn skip_next_message(&mut self) {}
    /// Set when every message this extension sends depends only on the message and this key
    /// (no state carried from one message to the next): connections with equal keys then put
    /// the same bytes on the wire for the same message, so a message sent to many (a prepared
    /// message) is transformed once per key. `None`: transformed per connection.
    fn shared_output_key(&self) -> Option<String> {
        None
    }
    /// Whether a message sent after `skip_next_message` goes out exactly as given (a
    /// compression that skips it), whatever this extension's state.
    fn skipped_message_is_plain(&self) -> bool {
        false
    }

    /// Client: changes how it compresses, before any message is sent (autobahn's
    /// ResponseAccept); extensions that cannot refuse.
    /// The parameters this extension was negotiated with (a server's response), for showing
    /// it to JS extension factories; empty when unknown.
    fn params(&self) -> Vec<ExtensionParam> {
        Vec::new()
    }

    /// Changes how a client compresses (autobahn's ResponseAccept), within what the server's
    /// `response` parameters for this extension allow.
    fn tune_sending(
        &mut self,
        _tune: &crate::extensions::compression_params::SendTune,
        _response: &[ExtensionParam],
    ) -> Result<(), NegotiationError> {
        Err(NegotiationError(format!("{} cannot be tuned", self.name())))
    }
}

/// Why a factory declined an offer or a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NegotiationError(pub String);

/// Server side: accepts (or declines) one offer of its extension.
pub trait ServerExtensionFactory {
    fn name(&self) -> &str;
    /// Returns the response parameters and the extension, or declines the offer.
    /// `accepted` holds the extensions accepted so far from earlier offers.
    fn process_request_params(
        &self,
        params: &[ExtensionParam],
        accepted: &[Box<dyn Extension>],
    ) -> Result<(Vec<ExtensionParam>, Box<dyn Extension>), NegotiationError>;
}

/// Client side: makes its offer, then accepts (or refuses) the server's response.
pub trait ClientExtensionFactory {
    fn name(&self) -> &str;
    fn get_request_params(&self) -> Vec<ExtensionParam>;
    fn process_response_params(
        &self,
        params: &[ExtensionParam],
        accepted: &[Box<dyn Extension>],
    ) -> Result<Box<dyn Extension>, NegotiationError>;
}

/// The negotiated extensions of one connection, in negotiation order.
#[derive(Default)]
pub struct ExtensionChain {
    extensions: Vec<Box<dyn Extension>>,
}

impl ExtensionChain {
    pub fn new(extensions: Vec<Box<dyn Extension>>) -> Self {
        ExtensionChain { extensions }
    }

    pub fn is_empty(&self) -> bool {
        self.extensions.is_empty()
    }

    pub fn names(&self) -> Vec<String> {
        self.extensions.iter().map(|e| e.name().to_owned()).collect()
    }

    /// [`Extension::shared_output_key`] of the whole chain: `Some("")` when it sends the
    /// message as given; a chain of one extension has its key; longer chains are not shared.
    /// With `skipped`: the key of a message sent after `skip_next_message`.
    pub fn shared_output_key(&self, skipped: bool) -> Option<String> {
        if skipped && self.extensions.iter().all(|e| e.skipped_message_is_plain()) {
            return Some(String::new());
        }
        match self.extensions.as_slice() {
            [] => Some(String::new()),
            [only] => only.shared_output_key(),
            _ => None,
        }
    }

    /// The union of the RSV bits the extensions own.
    pub fn rsv_bits(&self) -> u8 {
        self.extensions.iter().fold(0, |bits, e| bits | e.rsv_bits())
    }

    /// Tunes the extension named `name` ([`Extension::tune_sending`]).
    pub fn tune_sending(
        &mut self,
        name: &str,
        tune: &crate::extensions::compression_params::SendTune,
        response: &[ExtensionParam],
    ) -> Result<(), NegotiationError> {
        match self.extensions.iter_mut().find(|e| e.name() == name) {
            Some(ext) => ext.tune_sending(tune, response),
            None => Err(NegotiationError(format!("{name} was not negotiated"))),
        }
    }

    pub fn encode(&mut self, mut frame: Frame) -> Result<Frame, ProtocolError> {
        for ext in self.extensions.iter_mut() {
            frame = ext.encode(frame)?;
        }
        Ok(frame)
    }

    pub fn decode(&mut self, mut frame: Frame, max_size: Option<u64>) -> Result<Frame, ProtocolError> {
        for ext in self.extensions.iter_mut().rev() {
            frame = ext.decode(frame, max_size)?;
        }
        Ok(frame)
    }

    pub fn skip_next_message(&mut self) {
        for ext in self.extensions.iter_mut() {
            ext.skip_next_message();
        }
    }
}

/// A server factory that accepts one exact offer with a response chosen in advance: how the
/// JS layer applies autobahn's `perMessageCompressionAccept`, which picks the offer and the
/// response parameters itself.
pub struct PinnedServerFactory<F: Fn() -> Box<dyn Extension>> {
    pub name: String,
    pub offer: Vec<ExtensionParam>,
    pub response: Vec<ExtensionParam>,
    pub make: F,
}

impl<F: Fn() -> Box<dyn Extension>> ServerExtensionFactory for PinnedServerFactory<F> {
    fn name(&self) -> &str {
        &self.name
    }
    fn process_request_params(
        &self,
        params: &[ExtensionParam],
        accepted: &[Box<dyn Extension>],
    ) -> Result<(Vec<ExtensionParam>, Box<dyn Extension>), NegotiationError> {
        if params != self.offer.as_slice() {
            return Err(NegotiationError("not the offer that was chosen".into()));
        }
        let ext = (self.make)();
        if accepted.iter().any(|e| e.rsv_bits() & ext.rsv_bits() != 0) {
            return Err(NegotiationError("its RSV bits are owned by an accepted extension".into()));
        }
        Ok((self.response.clone(), ext))
    }
}

/// Server negotiation (python-websockets' order): for each offer in the client's order, the
/// first factory of that name that accepts it wins; declined offers are skipped. Returns the
/// response header entries and the chain.
pub fn negotiate_server(
    offers: &[ExtensionOffer],
    factories: &[Box<dyn ServerExtensionFactory>],
) -> (Vec<ExtensionOffer>, ExtensionChain) {
    let mut response = Vec::new();
    let mut accepted: Vec<Box<dyn Extension>> = Vec::new();
    for offer in offers {
        // An extension is negotiated at most once, even if offered several times.
        if accepted.iter().any(|e| e.name() == offer.name) {
            continue;
        }
        for factory in factories.iter().filter(|f| f.name() == offer.name) {
            if let Ok((params, ext)) = factory.process_request_params(&offer.params, &accepted) {
                response.push(ExtensionOffer { name: offer.name.clone(), params });
                accepted.push(ext);
                break;
            }
        }
    }
    (response, ExtensionChain::new(accepted))
}

/// Client negotiation: every extension in the server's response must be accepted by a
/// factory of that name; any refusal fails the handshake.
pub fn negotiate_client(
    response: &[ExtensionOffer],
    factories: &[Box<dyn ClientExtensionFactory>],
) -> Result<ExtensionChain, NegotiationError> {
    let mut accepted: Vec<Box<dyn Extension>> = Vec::new();
    for entry in response {
        let mut last_error = NegotiationError(format!("unexpected extension in response: {}", entry.name));
        let mut chosen = None;
        for factory in factories.iter().filter(|f| f.name() == entry.name) {
            match factory.process_response_params(&entry.params, &accepted) {
                Ok(ext) => {
                    chosen = Some(ext);
                    break;
                }
                Err(e) => last_error = e,
            }
        }
        match chosen {
            Some(ext) => accepted.push(ext),
            None => return Err(last_error),
        }
    }
    Ok(ExtensionChain::new(accepted))
}

/// The offers a client makes: one per factory, in order.
pub fn client_offers(factories: &[Box<dyn ClientExtensionFactory>]) -> Vec<ExtensionOffer> {
    factories
        .iter()
        .map(|f| ExtensionOffer { name: f.name().to_owned(), params: f.get_request_params() })
        .collect()
}
