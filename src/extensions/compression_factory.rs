//! The negotiation factories of a per-message compression extension, generic over its
//! parameters ([`CompressionParams`]): an offer the server cannot read is declined (the next
//! offer may do), a response the client cannot read fails the handshake, and neither role
//! accepts the extension where something else already owns RSV1.

use crate::extensions::compression_params::CompressionParams;
use crate::config::Role;
use crate::extensions::{ClientExtensionFactory, Extension, NegotiationError, ServerExtensionFactory};
use crate::frame::RSV1;
use crate::extensions::ExtensionParam;

/// Server side: accepts the first acceptable offer (the chain tries them in the client's order).
pub struct ServerFactory<P> {
    config: P,
}

impl<P: CompressionParams> ServerFactory<P> {
    pub fn new(config: P) -> Result<Self, NegotiationError> {
        config.validate()?;
        Ok(ServerFactory { config })
    }

    /// The response parameters and agreement for one offer, or why it is declined.
    pub fn negotiate(
        &self,
        params: &[ExtensionParam],
    ) -> Result<(Vec<ExtensionParam>, P::Agreement), NegotiationError> {
        self.config.negotiate(params)
    }
}

impl<P: CompressionParams> Default for ServerFactory<P> {
    fn default() -> Self {
        ServerFactory { config: (P::SERVER_DEFAULT)() }
    }
}

impl<P: CompressionParams> ServerExtensionFactory for ServerFactory<P> {
    fn name(&self) -> &str {
        P::NAME
    }
    fn process_request_params(
        &self,
        params: &[ExtensionParam],
        accepted: &[Box<dyn Extension>],
    ) -> Result<(Vec<ExtensionParam>, Box<dyn Extension>), NegotiationError> {
        check_rsv1_free(accepted, P::NAME)?;
        let (response, agreement) = self.negotiate(params)?;
        Ok((response, self.config.extension(Role::Server, agreement)))
    }
}

/// Client side: offers its config, then checks the server's response against it.
pub struct ClientFactory<P> {
    config: P,
}

impl<P: CompressionParams> ClientFactory<P> {
    pub fn new(config: P) -> Result<Self, NegotiationError> {
        config.validate()?;
        Ok(ClientFactory { config })
    }

    pub fn offer(&self) -> Vec<ExtensionParam> {
        self.config.offer()
    }

    /// The agreement a response establishes, or why the response is unacceptable.
    pub fn accept(&self, params: &[ExtensionParam]) -> Result<P::Agreement, NegotiationError> {
        self.config.accept(params)
    }
}

impl<P: CompressionParams + Default> Default for ClientFactory<P> {
    fn default() -> Self {
        ClientFactory { config: P::default() }
    }
}

impl<P: CompressionParams> ClientExtensionFactory for ClientFactory<P> {
    fn name(&self) -> &str {
        P::NAME
    }
    fn get_request_params(&self) -> Vec<ExtensionParam> {
        self.offer()
    }
    fn process_response_params(
        &self,
        params: &[ExtensionParam],
        accepted: &[Box<dyn Extension>],
    ) -> Result<Box<dyn Extension>, NegotiationError> {
        check_rsv1_free(accepted, P::NAME)?;
        let agreement = self.accept(params)?;
        Ok(self.config.extension(Role::Client, agreement))
    }
}

/// An extension that owns RSV1 cannot join a chain where something else does, nor be
/// negotiated twice (offering deflate and bzip2 both lets the server pick one).
fn check_rsv1_free(accepted: &[Box<dyn Extension>], name: &str) -> Result<(), NegotiationError> {
    if accepted.iter().any(|e| e.name() == name) {
        return Err(NegotiationError(format!("{name} already negotiated")));
    }
    if accepted.iter().any(|e| e.rsv_bits() & RSV1 != 0) {
        return Err(NegotiationError("RSV1 is already owned by another extension".into()));
    }
    Ok(())
}
