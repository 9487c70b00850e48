//! Autobahn's permessage-bzip2 (`autobahn/websocket/compress_bzip2.py`) on the pure-Rust
//! `bzip2` crate (libbz2-rs-sys backend): parameter negotiation for both roles ([`params`]),
//! a per-message compressor ([`compress`]), a size-bounded per-message decompressor
//! ([`decompress`]), the [`Extension`](crate::extensions::Extension) that ties them to RSV1
//! ([`extension`]), and what all of it costs in memory ([`memory`]).
//!
//! On the wire: RSV1 on a data message's first frame marks it compressed, and its payload,
//! across all its frames, is one complete, independent bzip2 stream (no context takeover), so
//! a connection holds no bzip2 state between messages. RSV1 on a continuation or control
//! frame fails with 1002; a stream that is corrupt, truncated at the message's end, followed
//! by more data, or announcing a block above the agreed level fails with 1007; output beyond
//! the message budget fails with 1009.
//!
//! Defaults are Autobahn's: level 9, no caps, the client accepts a cap. The level barely
//! matters for ratio (1 MiB of JSON-like text: 16.3× at level 1, 22.0× at 9; same bytes as
//! C libbzip2), it sets the memory ([`memory`]). bzip2 is slow next to deflate (about 4 MB/s
//! compressing, 10–25 MB/s decompressing that text natively) and each message pays for
//! zeroed block buffers (about 0.15–0.3 ms for a 200-byte round trip natively, 1.2–1.8 ms when
//! a level-9 block is used), so it suits large, rare messages. The crate adds about 79 kB to
//! the optimized wasm (29 kB gzipped; deflate was 45 kB / 19 kB with miniz alone, and
//! zlib-rs's compressor in place of miniz's added 39 kB / 21 kB).

pub mod autobahn;
pub mod compress;
pub mod decompress;
pub mod extension;
pub mod memory;
pub mod params;

pub use extension::PerMessageBzip2;
pub use params::{Agreement, Bzip2Config};

/// Negotiates permessage-bzip2 as a server (see [`crate::extensions::compression_factory`]).
pub type ServerPerMessageBzip2Factory = crate::extensions::compression_factory::ServerFactory<Bzip2Config>;
/// Offers permessage-bzip2 as a client and checks the server's response.
pub type ClientPerMessageBzip2Factory = crate::extensions::compression_factory::ClientFactory<Bzip2Config>;

/// The registered extension name.
pub const NAME: &str = "permessage-bzip2";

/// bzip2's highest level (900 kB blocks), Autobahn's default.
pub const MAX_LEVEL: u8 = 9;
