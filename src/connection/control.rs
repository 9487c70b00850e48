//! What the connection does with what the reader found: control frames (a ping answered, the
//! peer's close echoed), and failures (RFC 6455 §7.1.7), applied at once or held behind the
//! events that came before them.

use super::events::{CloseFrame, Event, State};
use super::reader::{Context, Read};
use super::Connection;
use crate::close::{self, codes};
use crate::config::Role;
use crate::error::ProtocolError;
use crate::frame::{Frame, Opcode};

impl Connection {
    pub(super) fn process_frames(&mut self) {
        while !self.reader.discarding() {
            let mut cx = Context {
                config: &self.config,
                role: self.role,
                extensions: &mut self.extensions,
                events: &mut self.events,
            };
            match self.reader.read(&mut cx) {
                Read::Incomplete | Read::Held => return,
                Read::Control(frame) => {
                    if let Err(err) = self.control_frame(frame) {
                        return self.fail_receiving(err);
                    }
                }
                Read::Failed(err) => return self.fail_receiving(err),
            }
        }
    }

    fn control_frame(&mut self, frame: Frame) -> Result<(), ProtocolError> {
        match frame.opcode {
            Opcode::Ping => {
                if self.config.auto_pong && self.close_sent.is_none() {
                    // Cannot fail: same payload size, open connection.
                    let _ = self.send_control(Opcode::Pong, &frame.data);
                }
                self.events.push(Event::Ping(frame.data));
            }
            Opcode::Pong => self.events.push(Event::Pong(frame.data)),
            _ => self.receive_close(&frame.data)?,
        }
        Ok(())
    }

    fn receive_close(&mut self, payload: &[u8]) -> Result<(), ProtocolError> {
        let parsed = close::parse_close_payload(payload)?;
        let received = match &parsed {
            Some((code, reason)) => CloseFrame { code: *code, reason: reason.clone() },
            None => CloseFrame { code: codes::NO_STATUS, reason: String::new() },
        };
        if self.close_sent.is_none() {
            let reply = match parsed {
                Some((code, reason)) if self.config.echo_close_code_reason => Some(CloseFrame { code, reason }),
                // Echoing a close that carried no code means an empty close too (as autobahn).
                None if self.config.echo_close_code_reason => None,
                _ => Some(CloseFrame { code: codes::NORMAL, reason: String::new() }),
            };
            self.write_close(reply);
        }
        self.close_received = Some(received.clone());
        self.state = State::Closing;
        // RFC 6455 §5.5.1: nothing after a close frame is processed.
        self.reader.stop();
        // RFC 6455 §7.1.1: the server closes TCP first; the client waits for it.
        if self.role == Role::Server {
            self.close_transport = true;
        }
        self.events.push(Event::Close(received));
        Ok(())
    }

    /// A failure found in received data: applied now, or held for `resume` when events come
    /// before it (input stops here either way).
    fn fail_receiving(&mut self, err: ProtocolError) {
        if self.config.hold_close_behind_events && !self.events.is_empty() {
            self.reader.hold_failure(err);
        } else {
            self.fail(err);
        }
    }

    /// Fails the connection (RFC 6455 §7.1.7): sends a close frame with the error's code
    /// (unless `fail_by_drop`), stops processing input, and asks to close the transport
    /// (a client waits for the server to close it first, as python-websockets does).
    pub fn fail(&mut self, err: ProtocolError) {
        if self.failure.is_some() || self.state == State::Closed {
            return;
        }
        let may_send = matches!(self.state, State::Open | State::Closing) && self.close_sent.is_none();
        if may_send && !self.config.fail_by_drop {
            self.write_close(Some(CloseFrame { code: err.close_code(), reason: err.reason().to_owned() }));
        }
        self.failure = Some(err);
        if self.state == State::Connecting {
            // Failed before opening: a pending request can no longer be answered (accept,
            // reject and respond_http refuse), and a client's handshake ends here.
            self.end_handshake();
        }
        self.state = State::Closing;
        self.reader.stop();
        if self.role == Role::Server || self.config.fail_by_drop {
            self.close_transport = true;
        }
    }
}
