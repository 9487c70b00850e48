//! Feeds the input to an open server and an open client connection (no handshake), split in
//! two at a point taken from the input, under a config chosen by another input byte, and
//! checks that the state stays consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmsocket::connection::SendError;
use wasmsocket::extensions::ExtensionChain;
use wasmsocket::{Config, Connection, Role, State};

fn config(bits: u8) -> Config {
    let mut c = Config::default();
    if bits & 1 != 0 {
        c.max_frame_payload_size = 7;
        c.max_message_payload_size = 11;
    }
    if bits & 2 != 0 {
        c.deliver_frames = true;
    }
    if bits & 4 != 0 {
        c.require_masked_client_frames = false;
        c.accept_masked_server_frames = true;
    }
    if bits & 8 != 0 {
        c.utf8_validate_incoming = false;
    }
    if bits & 16 != 0 {
        c.auto_pong = false;
        c.echo_close_code_reason = true;
    }
    if bits & 32 != 0 {
        c.max_frame_payload_size = 0;
        c.max_message_payload_size = 0;
    }
    if bits & 64 != 0 {
        c.fail_by_drop = true;
    }
    c
}

fuzz_target!(|data: &[u8]| {
    let [split, bits, input @ ..] = data else { return };
    let cut = (*split as usize * input.len()) / 255;
    for role in [Role::Server, Role::Client] {
        let mut conn = Connection::new_open(role, config(*bits), [0x42; 32], ExtensionChain::default());
        conn.receive_data(&input[..cut]);
        let _ = conn.take_events();
        // Exercise the send path in whatever state the first half left.
        let was_open = conn.state() == State::Open;
        assert_eq!(conn.send_text(b"x", true).is_ok(), was_open);
        conn.receive_data(&input[cut..]);
        let _ = conn.take_events();
        let _ = conn.take_output();
        if conn.failure().is_some() {
            assert_ne!(conn.state(), State::Open);
            assert!(!conn.was_clean());
            assert!(matches!(conn.send_ping(b""), Err(SendError::NotOpen(_))));
        }
        if conn.close_received().is_some() {
            assert_ne!(conn.state(), State::Open);
        }
        conn.receive_eof();
        assert_eq!(conn.state(), State::Closed);
        assert!(!conn.close_expected());
    }
});
