//! Floods by bytes inside the core: a message of many tiny fragments costs at most what it
//! received (its buffer grows by doubling only up to the message limit), and a message may have
//! at most as many empty fragments (the final one aside) as its limit has bytes, so endless
//! empty continuations end in 1009.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use common::counting_alloc::{live, peak_during, Counting};
use common::{cframe, decode_frames, feed, server, server_with, text};
use wasmsocket::connection::Event;

#[global_allocator]
static GLOBAL: Counting = Counting;

/// One text message of `count` one-byte masked fragments, as the wire carries them.
fn one_byte_fragments(count: usize) -> Vec<u8> {
    let mut wire = Vec::with_capacity(count * 7);
    for i in 0..count {
        wire.extend(cframe(i == count - 1, if i == 0 { 0x1 } else { 0x0 }, b"a"));
    }
    wire
}

fn close_code(output: &[u8]) -> Option<u16> {
    decode_frames(output).iter().find_map(|f| f.close()).map(|(code, _)| code)
}

#[test]
fn a_million_one_byte_fragments_cost_at_most_the_bytes_received() {
    let count = 1_000_000;
    let wire = one_byte_fragments(count);
    let mut conn = server_with(|c| c.max_message_payload_size = 1 << 20);
    // Fed in 64 KiB reads, as a transport would; the input buffer is part of the cost.
    let (events, peak) = peak_during(|| {
        let mut events = Vec::new();
        for chunk in wire.chunks(64 * 1024) {
            events.extend(feed(&mut conn, chunk));
        }
        events
    });
    assert_eq!(events, vec![text(&"a".repeat(count))]);
    println!("{count} one-byte fragments ({} bytes on the wire): peak {peak} bytes", wire.len());
    // The message (capacity capped at the 1 MiB limit, not doubled past it) plus one read.
    assert!(peak <= (1 << 20) + 64 * 1024 + 4096, "peak {peak}");
    assert!(peak as usize <= wire.len(), "peak {peak} above the {} bytes received", wire.len());
}

#[test]
fn a_message_grown_by_small_frames_is_not_allocated_past_the_limit() {
    // 600 KiB in 1 KiB frames under a 1000 KiB limit: doubling would reach 1 MiB (1024 KiB).
    let limit = 1000 * 1024;
    let mut conn = server_with(|c| c.max_message_payload_size = limit);
    let piece = vec![b'x'; 1024];
    let mut wire = Vec::new();
    for i in 0..600 {
        wire.extend(cframe(i == 599, if i == 0 { 0x2 } else { 0x0 }, &piece));
    }
    let (events, peak) = peak_during(|| wire.chunks(4096).flat_map(|chunk| feed(&mut conn, chunk)).collect::<Vec<_>>());
    match events.as_slice() {
        [Event::Message { is_binary: true, data }] => {
            assert_eq!(data.len(), 600 * 1024);
            assert!(data.capacity() as u64 <= limit, "capacity {} above the limit", data.capacity());
        }
        other => panic!("unexpected events {other:?}"),
    }
    // The message, one 4 KiB read, the events.
    assert!(peak as u64 <= limit + 8192, "peak {peak}");
}

#[test]
fn endless_empty_continuations_end_in_1009_at_the_limit() {
    let limit = 1000u64;
    let mut conn = server_with(|c| c.max_message_payload_size = limit);
    let mut wire = cframe(false, 0x1, b"a");
    for _ in 0..2 * limit {
        wire.extend(cframe(false, 0x0, b""));
    }
    let (events, peak) = peak_during(|| wire.chunks(1024).flat_map(|chunk| feed(&mut conn, chunk)).collect::<Vec<_>>());
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(close_code(&conn.take_output()), Some(1009));
    assert_eq!(conn.failure().map(|f| f.close_code()), Some(1009));
    assert!(peak < 4096, "empty frames allocated {peak} bytes");
}

#[test]
fn empty_frames_within_the_limit_change_nothing() {
    // Autobahn 6.1.2 / 6.1.3 shapes: empty fragments, and a whole empty message.
    let mut conn = server_with(|_| {});
    let mut wire = cframe(false, 0x1, b"");
    wire.extend(cframe(false, 0x0, b""));
    wire.extend(cframe(true, 0x0, b""));
    wire.extend(cframe(false, 0x1, b""));
    wire.extend(cframe(false, 0x0, b"middle"));
    wire.extend(cframe(true, 0x0, b""));
    wire.extend(cframe(true, 0x1, b""));
    assert_eq!(feed(&mut conn, &wire), vec![text(""), text("middle"), text("")]);
    assert!(conn.failure().is_none());
}

#[test]
fn at_most_the_limit_of_empty_fragments_the_final_one_aside() {
    // 2 empty continuations under a limit of 2, then an empty final frame: delivered.
    let mut conn = server_with(|c| c.max_message_payload_size = 2);
    let mut wire = cframe(false, 0x1, b"ab");
    wire.extend(cframe(false, 0x0, b""));
    wire.extend(cframe(false, 0x0, b""));
    wire.extend(cframe(true, 0x0, b""));
    assert_eq!(feed(&mut conn, &wire), vec![text("ab")]);
    // A third empty continuation is over it.
    let mut conn = server_with(|c| c.max_message_payload_size = 2);
    let mut wire = cframe(false, 0x1, b"ab");
    for _ in 0..3 {
        wire.extend(cframe(false, 0x0, b""));
    }
    assert!(feed(&mut conn, &wire).is_empty());
    assert_eq!(conn.failure().map(|f| f.close_code()), Some(1009));
}

/// What an idle connection keeps of the traffic it had: after a 64 KiB chunk and a 4 KiB one
/// were read, handled and answered, no copy of them (issue 10's idle-connection row: the input
/// buffer used to stay as large as the largest chunk ever read).
#[test]
fn an_idle_connection_holds_no_copy_of_what_it_read() {
    let mut conn = server();
    let before = live();
    for size in [64 * 1024 - 16, 4096] {
        let wire = cframe(true, 0x2, &vec![7u8; size]);
        let events = feed(&mut conn, &wire);
        assert!(matches!(events.as_slice(), [Event::Message { data, .. }] if data.len() == size));
        drop(events);
        conn.take_output();
    }
    let held = live() - before;
    assert!(held <= 1024, "an idle connection still holds {held} bytes");
}
