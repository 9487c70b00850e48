//! The receiving side keeps only the peer's window of history (`deflate::decompress`): what it
//! holds between messages is what the peer sent, up to 2^window bytes; a back-reference into
//! an earlier message past the negotiated window fails with 1007 (as zlib's inflate does: ws
//! and python-websockets fail such a peer too); and a peer told window 8 may reach 512 bytes back, as zlib compresses
//! with window 9 then.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use common::json_feed::JsonFeed;
use common::Rng;
use miniz_oxide::deflate::core::{compress_to_output, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush};
use wasmsocket::config::Role;
use wasmsocket::extensions::deflate::{Agreement, PerMessageDeflate, TAIL};
use wasmsocket::extensions::Extension;
use wasmsocket::frame::{Frame, Opcode, RSV1};

/// A server that takes the client's context over, the client compressing with `client_bits`.
fn server(client_bits: u8, takeover: bool) -> PerMessageDeflate {
    let agreement = Agreement {
        server_no_context_takeover: false,
        client_no_context_takeover: !takeover,
        server_max_window_bits: None,
        client_max_window_bits: Some(client_bits),
    };
    PerMessageDeflate::new(Role::Server, agreement, 6, 0)
}

/// `messages` deflated by one miniz stream with a `bits` window (context taken over), each
/// sync-flushed and its tail stripped: compressed messages as such a peer sends them.
fn deflated(messages: &[&[u8]], bits: i32) -> Vec<Frame> {
    let mut c = CompressorOxide::new(create_comp_flags_from_zip_params(6, -bits, 0));
    messages
        .iter()
        .map(|m| {
            let mut out = Vec::new();
            compress_to_output(&mut c, m, TDEFLFlush::Sync, |b| {
                out.extend_from_slice(b);
                true
            });
            assert!(out.ends_with(&TAIL));
            out.truncate(out.len() - TAIL.len());
            Frame { fin: true, rsv: RSV1, opcode: Opcode::Binary, data: out }
        })
        .collect()
}

/// Decodes `frames` in order; the close code of the first failure, if any.
fn receive(server: &mut PerMessageDeflate, frames: Vec<Frame>, expected: &[&[u8]]) -> Option<u16> {
    for (frame, want) in frames.into_iter().zip(expected) {
        match server.decode(frame, None) {
            Ok(d) => assert!(d.data == *want, "decoded something else"),
            Err(e) => return Some(e.close_code()),
        }
    }
    None
}

#[test]
fn a_reference_into_an_earlier_message_past_the_window_fails_with_1007() {
    // The second message repeats the first: references 3000 bytes back, into the previous
    // message; within 2^12, past 2^10. (Inside one message miniz accepts any distance up to
    // 32 KiB, as it did before; only the history kept between messages is cut to the window.)
    let first = Rng::new(1).bytes(3000);
    let messages: [&[u8]; 2] = [&first, &first];
    assert_eq!(receive(&mut server(12, true), deflated(&messages, 15), &messages), None);
    assert_eq!(receive(&mut server(10, true), deflated(&messages, 15), &messages), Some(1007));
}

#[test]
fn a_peer_told_window_8_may_reach_512_bytes_back() {
    let first = Rng::new(2).bytes(500);
    let messages: [&[u8]; 2] = [&first, &first];
    assert_eq!(receive(&mut server(8, true), deflated(&messages, 9), &messages), None);
}

#[test]
fn between_messages_only_what_the_peer_sent_is_kept_up_to_its_window() {
    let mut feed = JsonFeed::new(3);
    for (bits, takeover) in [(15, true), (12, true), (15, false)] {
        let mut server = server(bits, takeover);
        let mut client = PerMessageDeflate::new(Role::Client, *server.agreement(), 6, 0);
        let before = server.held_bytes();
        let mut received = 0;
        for size in [4096, 300, 20_000, 40_000, 4096] {
            let m = feed.message(size);
            let wire = client.encode(Frame::new(Opcode::Text, m.clone())).unwrap();
            assert!(server.decode(wire, None).unwrap().data == m);
            received += m.len();
            let expected = if takeover { received.min(1 << bits) } else { 0 };
            assert_eq!(server.held_bytes() - before, expected, "window {bits}, takeover {takeover}, after {received} B");
        }
    }
}

#[test]
fn history_spans_the_frames_of_a_message_and_the_messages_of_a_stream() {
    // A message in three frames whose third refers into the first, then a message that
    // repeats the first: both decode only if the history crosses frames and messages.
    let mut feed = JsonFeed::new(8);
    let agreement = *server(15, true).agreement();
    let mut client = PerMessageDeflate::new(Role::Client, agreement, 6, 0);
    let mut server = server(15, true);
    let first = feed.message(9000);
    let parts: Vec<&[u8]> = first.chunks(3000).collect();
    let mut got = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let opcode = if i == 0 { Opcode::Text } else { Opcode::Continuation };
        let frame = Frame { fin: i + 1 == parts.len(), rsv: 0, opcode, data: part.to_vec() };
        got.extend(server.decode(client.encode(frame).unwrap(), None).unwrap().data);
    }
    assert!(got == first);
    let again = client.encode(Frame::new(Opcode::Text, first.clone())).unwrap();
    assert!(again.data.len() < 100, "the repeat is references only: {} B", again.data.len());
    assert!(server.decode(again, None).unwrap().data == first);
}
