//! wasmsocket: a sans-I/O RFC 6455 WebSocket protocol core.
//!
//! The core never performs I/O and never reads a clock. Feed it the bytes read from the
//! transport ([`Connection::receive_data`]), take the events it produces
//! ([`Connection::events`]), and write out what it asks to send
//! ([`Connection::take_output`]). Timers belong to the I/O layer; the core only says
//! when one is due ([`Connection::close_expected`]).
//!
//! The JavaScript layer reaches it through `src/wasm/`, the only JS-aware module.

pub mod bounded_output;
pub mod bzip2;
pub mod close;
pub mod compression_factory;
pub mod compression_params;
pub mod config;
pub mod connection;
pub mod deflate;
pub mod error;
pub mod extension;
pub mod frame;
pub mod handshake;
pub mod mask;
mod message;
pub mod per_message;
pub mod utf8;
pub mod wasm;
#[cfg(target_arch = "wasm32")]
pub mod browser;

pub use config::{Config, Role};
pub use connection::{Connection, Event, State};
pub use error::ProtocolError;
pub use frame::{Frame, Opcode};
