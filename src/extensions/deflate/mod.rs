//! RFC 7692 permessage-deflate, pure Rust: parameter negotiation for both roles ([`params`]),
//! a compressor on `zlib-rs` sharing its scratch compressors between connections
//! ([`compress`]), a size-bounded inflater on `miniz_oxide` ([`decompress`]), the
//! [`Extension`](crate::extensions::Extension) that ties them to RSV1 ([`extension`]), and
//! what all of it costs in memory per connection ([`memory`]).

pub mod autobahn;
pub mod compress;
pub mod decompress;
pub mod extension;
pub mod history;
pub mod memory;
pub mod params;

pub use extension::PerMessageDeflate;
pub use params::{Agreement, ClientBits, DeflateConfig};

/// Negotiates permessage-deflate as a server (see [`crate::extensions::compression_factory`]).
pub type ServerPerMessageDeflateFactory = crate::extensions::compression_factory::ServerFactory<DeflateConfig>;
/// Offers permessage-deflate as a client and checks the server's response.
pub type ClientPerMessageDeflateFactory = crate::extensions::compression_factory::ClientFactory<DeflateConfig>;

/// The registered extension name.
pub const NAME: &str = "permessage-deflate";

/// What a sync flush ends with, stripped by the sender and appended by the receiver
/// (RFC 7692 §7.2.1, §7.2.2).
pub const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];
