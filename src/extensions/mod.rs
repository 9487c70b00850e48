//! Extensions (RFC 6455 §9) as frame → frame transforms: the trait, the negotiation factories
//! and the chain a connection runs ([`extension`]); what both per-message compressions share
//! (the RSV1 rules in [`per_message`], the generic factories in [`compression_factory`] over
//! [`compression_params`], the budgeted decompressor output in [`bounded_output`]); and the two
//! compressions themselves, [`deflate`] (RFC 7692) and [`bzip2`] (Autobahn's).

pub mod bounded_output;
pub mod bzip2;
pub mod compression_factory;
pub mod compression_params;
pub mod deflate;
pub mod extension;
mod offer;
pub mod per_message;

pub use extension::{
    client_offers, negotiate_client, negotiate_server, ClientExtensionFactory, Extension, ExtensionChain,
    NegotiationError, PinnedServerFactory, ServerExtensionFactory,
};
pub use offer::{ExtensionOffer, ExtensionParam};
