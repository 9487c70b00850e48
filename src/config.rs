//! Per-connection options. Names follow autobahn's `setProtocolOptions`, so the JS layer can
//! pass its options object straight through (serde, camelCase). Unknown names are rejected.
//! The fields and their defaults are checked against the option table, js/options.mjs (an
//! option's `core`, or CORE_FIELDS), by scripts/check-options.mjs: a new field goes there too.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Server,
    Client,
}

/// 16 MiB: the largest message the Autobahn testsuite sends (case 9.1.6, 9.2.6).
pub const DEFAULT_MAX_PAYLOAD: u64 = 16 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Config {
    /// Largest payload of a single incoming frame, checked at the frame header (a compressed
    /// frame may exceed it by 1/64 + 1 KiB: see `connection::compressed_frame_limit`). 0 = unlimited.
    pub max_frame_payload_size: u64,
    /// Largest incoming message (after extensions decode it), checked before buffering. 0 = unlimited.
    pub max_message_payload_size: u64,
    /// Split outgoing messages into frames of at most this payload size. 0 = never split.
    pub auto_fragment_size: u64,
    /// Validate text messages as UTF-8 (fail fast with 1007). Close reasons are always
    /// validated: RFC 6455 §5.5.1 requires it and they are surfaced as strings.
    pub utf8_validate_incoming: bool,
    /// Server: fail with 1002 on an unmasked client frame.
    pub require_masked_client_frames: bool,
    /// Client: accept masked frames from the server instead of failing with 1002.
    pub accept_masked_server_frames: bool,
    /// Server: mask outgoing frames (not RFC-compliant; for testing peers).
    pub mask_server_frames: bool,
    /// Client: mask outgoing frames (RFC-required; off only for testing peers).
    pub mask_client_frames: bool,
    /// When masking, really XOR the payload (off sends a mask bit and key but plain payload; testing only).
    pub apply_mask: bool,
    /// Reply to a close frame with the peer's code and reason instead of 1000.
    pub echo_close_code_reason: bool,
    /// When failing the connection, drop TCP without sending a close frame.
    pub fail_by_drop: bool,
    /// Deliver frames (`Event::Frame`) instead of reassembled messages, for streaming.
    pub deliver_frames: bool,
    /// Hold a peer's close frame, or a failure, that arrives behind events the caller has not
    /// handled yet until [`crate::Connection::resume`], so replies to those events go out
    /// before our close frame — the order a peer expects when it sent them in that order
    /// (Autobahn's strict cases 3.2, 4.1.3, 5.15, ...). The JS layer turns this on.
    pub hold_close_behind_events: bool,
    /// Answer pings with pongs in the core (python-websockets' behaviour). The JS layer turns
    /// this off and answers from its overridable `onPing`.
    pub auto_pong: bool,
    /// Opening handshake: most header fields accepted (more → 431).
    pub max_handshake_headers: usize,
    /// Opening handshake: most bytes in the request/response head (more → 431).
    pub max_handshake_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_frame_payload_size: DEFAULT_MAX_PAYLOAD,
            max_message_payload_size: DEFAULT_MAX_PAYLOAD,
            auto_fragment_size: 0,
            utf8_validate_incoming: true,
            require_masked_client_frames: true,
            accept_masked_server_frames: false,
            mask_server_frames: false,
            mask_client_frames: true,
            apply_mask: true,
            echo_close_code_reason: false,
            fail_by_drop: false,
            deliver_frames: false,
            auto_pong: true,
            hold_close_behind_events: false,
            max_handshake_headers: 100,
            max_handshake_bytes: 16 * 1024,
        }
    }
}

impl Config {
    /// Whether frames sent in `role` carry a mask.
    pub fn masks_outgoing(&self, role: Role) -> bool {
        match role {
            Role::Client => self.mask_client_frames,
            Role::Server => self.mask_server_frames,
        }
    }
}
