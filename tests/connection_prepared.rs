//! Prepared messages (a message for many, framed once): which connections may share frames
//! (`shared_output_key`), that connections with equal keys really write equal bytes, and that
//! `send_prepared` keeps the sending rules of `send_message`.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use common::deflate_agreement::agreement;
use common::json_like::json_tags;
use common::*;
use wasmsocket::extensions::bzip2::{self, PerMessageBzip2};
use wasmsocket::config::{Config, Role};
use wasmsocket::connection::{Connection, SendError};
use wasmsocket::extensions::deflate::PerMessageDeflate;
use wasmsocket::extensions::{Extension, ExtensionChain};
use wasmsocket::frame::{Opcode, RSV1};

fn with(role: Role, extensions: Vec<Box<dyn Extension>>) -> Connection {
    Connection::new_open(role, Config::default(), SEED, ExtensionChain::new(extensions))
}

fn deflate(role: Role, bits: u8, takeover: bool, level: u8) -> Connection {
    with(role, vec![Box::new(PerMessageDeflate::new(role, agreement(bits, takeover), level, 0))])
}

/// The bytes `conn` writes for `data` sent as one text message.
fn sent(conn: &mut Connection, data: &[u8]) -> Vec<u8> {
    conn.send_message(false, data).unwrap();
    conn.take_output()
}

#[test]
fn plain_servers_share_and_clients_never_do() {
    assert_eq!(server().shared_output_key(false).as_deref(), Some("|fragment=0"));
    assert_eq!(client().shared_output_key(false), None, "a client masks each frame with its own key");
    let fragmenting = server_with(|c| c.auto_fragment_size = 100);
    assert_ne!(fragmenting.shared_output_key(false), server().shared_output_key(false));
}

#[test]
fn deflate_without_context_takeover_shares_per_setting_and_writes_equal_bytes() {
    let message = json_tags(2000);
    let mut a = deflate(Role::Server, 15, false, 6);
    let mut b = deflate(Role::Server, 15, false, 6);
    let key = a.shared_output_key(false).expect("no context takeover: shareable");
    assert_eq!(b.shared_output_key(false).as_ref(), Some(&key));
    // The key holds when the connections have sent different messages before.
    sent(&mut a, b"something else entirely");
    assert_eq!(sent(&mut a, &message), sent(&mut b, &message));
    assert_eq!(a.shared_output_key(false).as_ref(), Some(&key));
    for other in [deflate(Role::Server, 10, false, 6), deflate(Role::Server, 15, false, 1)] {
        assert_ne!(other.shared_output_key(false).as_ref(), Some(&key), "another window or level writes other bytes");
    }
}

#[test]
fn context_takeover_is_per_connection_but_uncompressed_messages_are_plain() {
    let takeover = deflate(Role::Server, 15, true, 6);
    assert_eq!(takeover.shared_output_key(false), None);
    assert_eq!(takeover.shared_output_key(true), server().shared_output_key(false));
    // An uncompressed message on a deflate connection is the plain frame.
    let mut plain = server();
    let mut skipping = deflate(Role::Server, 15, true, 6);
    skipping.skip_next_message_transform();
    assert_eq!(sent(&mut skipping, b"hello hello hello"), sent(&mut plain, b"hello hello hello"));
}

#[test]
fn bzip2_messages_are_independent_streams() {
    let make = || with(Role::Server, vec![Box::new(PerMessageBzip2::new(Role::Server, bzip2::Agreement::default(), 9, false))]);
    let (mut a, mut b) = (make(), make());
    assert!(a.shared_output_key(false).is_some());
    assert_eq!(a.shared_output_key(false), b.shared_output_key(false));
    sent(&mut a, b"first");
    let message = json_tags(500);
    assert_eq!(sent(&mut a, &message), sent(&mut b, &message));
}

#[test]
fn send_prepared_follows_the_sending_rules() {
    let mut conn = deflate(Role::Server, 15, false, 6);
    conn.send_prepared(Opcode::Text, RSV1).unwrap();
    assert!(conn.take_output().is_empty(), "the caller writes the prepared frames");
    assert!(matches!(conn.send_prepared(Opcode::Text, 0b010), Err(SendError::NeedsTransform)), "RSV2 is nobody's");
    assert!(matches!(server().send_prepared(Opcode::Binary, RSV1), Err(SendError::NeedsTransform)), "RSV1 without an extension");
    assert!(matches!(client().send_prepared(Opcode::Text, 0), Err(SendError::NeedsTransform)));
    assert!(matches!(conn.send_prepared(Opcode::Continuation, 0), Err(SendError::FragmentSequence(_))));
    conn.send_text(b"half", false).unwrap();
    assert!(matches!(conn.send_prepared(Opcode::Text, 0), Err(SendError::FragmentSequence(_))), "inside a fragmented message");
    assert_eq!(conn.shared_output_key(false), None, "nor shareable inside one");
    conn.send_continuation(b"", true).unwrap();
    conn.send_close(Some(1000), "").unwrap();
    assert!(matches!(conn.send_prepared(Opcode::Text, 0), Err(SendError::NotOpen(_))));
}

/// `can_start_message` (the MESSAGE_START status bit, which lets JS write shared frames without
/// a `send_prepared` call) is true exactly when `send_prepared` would accept a new message.
#[test]
fn can_start_message_agrees_with_send_prepared() {
    let mut conn = with(Role::Server, Vec::new());
    assert!(conn.can_start_message());
    conn.send_text(b"half", false).unwrap();
    assert!(!conn.can_start_message(), "a fragmented message is half sent");
    assert!(conn.send_prepared(Opcode::Text, 0).is_err());
    conn.send_continuation(b" done", true).unwrap();
    assert!(conn.can_start_message());
    assert!(conn.send_prepared(Opcode::Text, 0).is_ok());
    conn.send_close(Some(1000), "bye").unwrap();
    assert!(!conn.can_start_message(), "a close was sent");
    assert!(conn.send_prepared(Opcode::Text, 0).is_err());
    let mut connecting = Connection::new(Role::Server, Config::default(), SEED);
    assert!(!connecting.can_start_message(), "not open yet");
    assert!(connecting.send_prepared(Opcode::Binary, 0).is_err());
}
