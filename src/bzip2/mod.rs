//! Autobahn's permessage-bzip2 (`autobahn/websocket/compress_bzip2.py`) on the pure-Rust
//! `bzip2` crate (libbz2-rs-sys backend): parameter negotiation for both roles ([`params`]),
//! a per-message compressor ([`compress`]), a size-bounded per-message decompressor
//! ([`decompress`]), the [`Extension`](crate::extension::Extension) that ties them to RSV1
//! ([`extension`]), and what all of it costs in memory ([`memory`]).
//!
//! Each message is one complete, independent bzip2 stream (no context takeover), so a
//! connection holds no bzip2 state between messages.

pub mod compress;
pub mod decompress;
pub mod extension;
pub mod memory;
pub mod params;

pub use extension::PerMessageBzip2;
pub use params::{Agreement, Bzip2Config, ClientPerMessageBzip2Factory, ServerPerMessageBzip2Factory};

/// The registered extension name.
pub const NAME: &str = "permessage-bzip2";

/// bzip2's highest level (900 kB blocks), Autobahn's default.
pub const MAX_LEVEL: u8 = 9;
