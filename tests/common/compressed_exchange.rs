//! A scenario every compression extension must pass through `Connection`: a client sends a
//! fragmented text with a ping between its fragments, then an empty binary message.

use wasmsocket::config::Role;
use wasmsocket::connection::{Connection, Event};

use super::{binary, decode_frames, feed, text, Wire, BINARY, CONT, PING, TEXT};

/// Runs the scenario with `message` (text, over 5 000 bytes, compressible) between
/// connections made by `conn`: only the first frame of each message carries RSV1, the text is
/// compressed, and the server receives both messages and the ping. Returns the server, the
/// client and the frames sent, for the extension's own checks.
pub fn ping_between_compressed_fragments(
    conn: impl Fn(Role) -> Connection,
    message: &[u8],
) -> (Connection, Connection, Vec<Wire>) {
    let mut server = conn(Role::Server);
    let mut client = conn(Role::Client);
    client.send_text(&message[..4000], false).unwrap();
    client.send_ping(b"between").unwrap();
    client.send_continuation(&message[4000..], true).unwrap();
    client.send_binary(b"", true).unwrap();
    let bytes = client.take_output();
    let wire = decode_frames(&bytes);
    let shape: Vec<(u8, u8)> = wire.iter().map(|w| (w.opcode, w.rsv)).collect();
    assert_eq!(shape, vec![(TEXT, 4), (PING, 0), (CONT, 0), (BINARY, 4)]);
    assert!(wire[0].payload.len() + wire[2].payload.len() < 5000, "compressed");
    let events = feed(&mut server, &bytes);
    assert!(events.contains(&text(std::str::from_utf8(message).unwrap())), "{events:?}");
    assert!(events.contains(&binary(b"")));
    assert!(events.iter().any(|e| matches!(e, Event::Ping(_))) || !server.output().is_empty());
    (server, client, wire)
}
