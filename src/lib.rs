//! wasmsocket: a sans-I/O RFC 6455 WebSocket protocol core.
//!
//! The core never performs I/O and never reads a clock. Feed it the bytes read from the
//! transport ([`Connection::receive_data`]), take the events it produces
//! ([`Connection::events`]), and write out what it asks to send
//! ([`Connection::take_output`]). Timers belong to the I/O layer; the core only says
//! when one is due ([`Connection::close_expected`]).
//!
//! The JavaScript layer reaches it through `src/wasm/`, the only JS-aware module.
//!
//! A panic in the wasm build aborts (a trap): the instance, shared by every connection of the
//! process, can no longer be trusted (js/trap.mjs then fails them all). So the library code,
//! tests aside, must not use the usual ways to panic: `unwrap`, `expect`, `panic!`, `todo!`,
//! `unimplemented!` and `unreachable!` are denied here (CI's clippy runs with `-D warnings`).
//! Indexing and slicing are linted too: the few sites that index (a fixed-size array, a slice
//! whose length an unsafe `set_len` relies on) say why with an `allow`; the rest use `get`.
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::unimplemented,
        clippy::unreachable,
        clippy::indexing_slicing
    )
)]

pub mod close;
pub mod config;
pub mod connection;
pub mod error;
pub mod extensions;
pub mod frame;
pub mod handshake;
pub mod mask;
pub mod utf8;
pub mod wasm;

pub use config::{Config, Role};
pub use connection::{Connection, Event, State};
pub use error::ProtocolError;
pub use frame::{Frame, Opcode};
