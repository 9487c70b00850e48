//! What a connection tells its caller: its state, and the events one call produced.

use serde::Serialize;

use crate::frame::Frame;
use crate::handshake::client;
use crate::handshake::server::Request;
use crate::handshake::{HandshakeError, HttpError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Opening handshake in progress.
    Connecting,
    Open,
    /// A close frame was sent or received (or the connection failed); waiting for the rest of
    /// the closing handshake or for the transport to close.
    Closing,
    /// The transport is closed (EOF received), or the handshake was refused.
    Closed,
}

/// A close frame's content; `code` is 1005 (`NO_STATUS`) when the frame carried none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CloseFrame {
    pub code: u16,
    pub reason: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// Server: an upgrade request; answer with [`super::Connection::accept`] or
    /// [`super::Connection::reject`].
    Request(Request),
    /// Server: a plain HTTP request without upgrade; answer with
    /// [`super::Connection::respond_http`].
    HttpRequest(Request),
    /// Server: the core refused a malformed or unacceptable request; the response is queued.
    Rejected(HttpError),
    /// Client: the server accepted; the connection is open.
    Open(client::Response),
    /// Client: the server's response was refused (or the transport closed first).
    HandshakeFailed(HandshakeError),
    /// A complete data message (`Config::deliver_frames` off).
    Message { is_binary: bool, data: Vec<u8> },
    /// A data frame (`Config::deliver_frames` on), after extensions decoded it.
    Frame(Frame),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    /// The peer's close frame; our reply (if one was due) is already queued.
    Close(CloseFrame),
}
