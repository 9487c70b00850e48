//! Bugs the cargo-fuzz targets found (fuzz/), each reduced to the API calls that show it. The
//! crashing inputs are kept among the seeds (fuzz/seeds/TARGET/regress_*).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use wasmsocket::connection::{Accept, Event};
use wasmsocket::{Config, Connection, Role, State};

const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// A server and a client with these extension factories, past the opening handshake: (server, client).
fn open_pair(
    server_extensions: Vec<Box<dyn wasmsocket::extensions::ServerExtensionFactory>>,
    client_extensions: Vec<Box<dyn wasmsocket::extensions::ClientExtensionFactory>>,
) -> (Connection, Connection) {
    use wasmsocket::handshake::client::ClientRequest;
    let mut server = Connection::new(Role::Server, Config::default(), [1; 32]);
    server.set_server_extensions(server_extensions);
    let mut client = Connection::new(Role::Client, Config::default(), [2; 32]);
    client.set_client_extensions(client_extensions);
    client.connect(&ClientRequest { host: "example.com".into(), ..Default::default() }).unwrap();
    server.receive_data(&client.take_output());
    assert!(matches!(server.take_events().as_slice(), [Event::Request(_)]));
    server.accept(&Accept::default()).unwrap();
    client.receive_data(&server.take_output());
    assert!(matches!(client.take_events().as_slice(), [Event::Open(_)]));
    (server, client)
}

/// fuzz target `connection` (seeds/connection/regress_answer_after_eof): a server got an
/// upgrade request, then EOF before answering it; `respond_http` (and `reject`) still
/// succeeded and queued an HTTP response on a Closed connection.
#[test]
fn no_answer_to_a_request_after_eof() {
    for answer in 0..3 {
        for request in [REQUEST, &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..]] {
            let mut conn = Connection::new(Role::Server, Config::default(), [1; 32]);
            conn.receive_data(request);
            assert!(matches!(conn.take_events().as_slice(), [Event::Request(_) | Event::HttpRequest(_)]));
            conn.receive_eof();
            assert_eq!(conn.state(), State::Closed);
            let result = match answer {
                0 => conn.respond_http(200, &[], b"page"),
                1 => conn.reject(403, "no", &[]),
                _ => conn.accept(&Accept::default()),
            };
            assert!(result.is_err(), "answer {answer} accepted after EOF");
            assert!(conn.take_output().is_empty());
            assert_eq!(conn.state(), State::Closed);
            assert!(conn.take_events().is_empty());
        }
    }
}

/// The same after `fail` (the I/O layer's, e.g. an opening-handshake timeout) on a server whose
/// request was still waiting for the application's answer: `reject` and `respond_http` still
/// queued an HTTP response on a failed connection (a gap noted after the fuzz finding above).
#[test]
fn no_answer_to_a_request_after_fail() {
    for answer in 0..3 {
        for request in [REQUEST, &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..]] {
            let mut conn = Connection::new(Role::Server, Config::default(), [1; 32]);
            conn.receive_data(request);
            assert!(matches!(conn.take_events().as_slice(), [Event::Request(_) | Event::HttpRequest(_)]));
            conn.fail(wasmsocket::ProtocolError::PolicyViolation("opening handshake timeout".into()));
            let result = match answer {
                0 => conn.respond_http(200, &[], b"page"),
                1 => conn.reject(403, "no", &[]),
                _ => conn.accept(&Accept::default()),
            };
            assert!(result.is_err(), "answer {answer} accepted after fail");
            assert!(conn.take_output().is_empty(), "answer {answer} queued output after fail");
            assert!(conn.should_close_transport());
        }
    }
}

/// fuzz target `deflate_decoder` (seeds/deflate_decoder/regress_final_block_past_budget): a
/// compressed frame whose final deflate block ended exactly on the byte past the budget was
/// returned whole (8 bytes for a budget of 7); the stream's end skipped the check that
/// making room for more would have done. bzip2 had the check; both now share it.
#[test]
fn a_final_block_one_byte_past_the_budget_is_1009() {
    use wasmsocket::extensions::deflate::{Agreement, PerMessageDeflate};
    use wasmsocket::extensions::Extension;
    use wasmsocket::frame::{Frame, Opcode, RSV1};
    // A stored, final deflate block of 8 bytes: BFINAL=1 BTYPE=00, LEN=8, NLEN=!8.
    let mut data = vec![0x01, 0x08, 0x00, 0xf7, 0xff];
    data.extend_from_slice(b"abcdefgh");
    for (budget, fits) in [(7u64, false), (8, true)] {
        let mut rx = PerMessageDeflate::new(Role::Server, Agreement::default(), 6, 0);
        let frame = Frame { fin: false, rsv: RSV1, opcode: Opcode::Binary, data: data.clone() };
        match rx.decode(frame, Some(budget)) {
            Ok(f) => assert!(fits && f.data == b"abcdefgh", "budget {budget}: {} bytes", f.data.len()),
            Err(e) => assert!(!fits && e.close_code() == 1009, "budget {budget}: {e}"),
        }
    }
}

/// fuzz target `connection` (seeds/connection/regress_server_tune): `tune_extension` on a
/// server applied a client's tuning, capped by the client's limits: a server whose bzip2 level
/// was negotiated at 2 then sent blocks of level 6, which its peer rightly failed with 1007
/// (deflate alike: the client's window and takeover). Only a client tunes (autobahn's
/// ResponseAccept); the server's sends stay within what it negotiated.
#[test]
fn a_server_does_not_tune_how_it_compresses() {
    use wasmsocket::extensions::bzip2::{Bzip2Config, ClientPerMessageBzip2Factory, ServerPerMessageBzip2Factory};
    use wasmsocket::extensions::compression_params::SendTune;

    let capped = Bzip2Config { server_max_compress_level: Some(2), client_max_compress_level: Some(9), ..Bzip2Config::default() };
    let (mut server, mut client) = open_pair(
        vec![Box::new(ServerPerMessageBzip2Factory::new(capped).unwrap())],
        vec![Box::new(ClientPerMessageBzip2Factory::new(Bzip2Config::default()).unwrap())],
    );

    let tune = SendTune::Bzip2 { level: 6, max_message_size: None };
    assert!(server.tune_extension("permessage-bzip2", &tune).is_err(), "a server tuned its sending");
    assert!(client.tune_extension("permessage-bzip2", &tune).is_ok(), "the client may tune");
    // 300 KB of varied text: more than a level-2 block (200 kB) holds.
    let text: Vec<u8> = (0..300_000u32).map(|i| b'a' + ((i * 7 + i / 13) % 26) as u8).collect();
    server.send_message(false, &text).unwrap();
    client.receive_data(&server.take_output());
    let events = client.take_events();
    assert!(matches!(events.as_slice(), [Event::Message { data, .. }] if *data == text), "{:?}", events.iter().map(|e| format!("{e:?}").chars().take(80).collect::<String>()).collect::<Vec<_>>());
}

/// fuzz target `connection` (seeds/connection/regress_client_tune_takeover): a client whose
/// server had answered `client_no_context_takeover` (and `client_max_window_bits=8`) was tuned
/// to context takeover; its second long message referred back into the first, which the
/// server's inflater had rightly forgotten: 1007 on valid-looking traffic. A tune now stays
/// within the negotiation (as autobahn's ResponseAccept checks): that one is refused and
/// changes nothing, and windows are capped by the negotiated one, not by the last tune.
#[test]
fn a_client_tune_cannot_undo_the_servers_no_context_takeover() {
    use wasmsocket::extensions::compression_params::SendTune;
    use wasmsocket::extensions::deflate::{ClientBits, ClientPerMessageDeflateFactory, DeflateConfig, ServerPerMessageDeflateFactory};

    let server_config = DeflateConfig {
        client_no_context_takeover: true,
        client_max_window_bits: Some(ClientBits::Value(8)),
        ..DeflateConfig::default()
    };
    let (mut server, mut client) = open_pair(
        vec![Box::new(ServerPerMessageDeflateFactory::new(server_config).unwrap())],
        vec![Box::new(ClientPerMessageDeflateFactory::new(DeflateConfig::default()).unwrap())],
    );
    let negotiated = format!("{:?}", client.extensions());
    assert!(negotiated.contains("client_no_context_takeover"), "{negotiated}");

    // Refused tunes carry a 1-byte message limit, to show they change nothing.
    let tune = |no_context_takeover, window_bits, max_message_size| SendTune::Deflate { no_context_takeover, window_bits, mem_level: None, max_message_size };
    assert!(client.tune_extension("permessage-deflate", &tune(false, 8, Some(1))).is_err(), "context takeover against the server's request");
    // Allowed tunes, the second asking for more window than the first left: capped at 8.
    assert!(client.tune_extension("permessage-deflate", &tune(true, 9, None)).is_ok());
    assert!(client.tune_extension("permessage-deflate", &tune(true, 15, None)).is_ok());
    assert!(client.tune_extension("permessage-deflate", &tune(false, 15, Some(1))).is_err());

    // What the fuzzer sent: two messages of 66,048 equal bytes (each a back-reference chain).
    let message = vec![b'B'; 66_048];
    for _ in 0..2 {
        client.send_message(false, &message).unwrap();
        server.receive_data(&client.take_output());
        let events = server.take_events();
        assert!(server.failure().is_none(), "server failed: {:?}", server.failure());
        assert!(matches!(events.as_slice(), [Event::Message { data, .. }] if *data == message));
    }
    // The refused tunes' max_message_size (1 byte) was not applied either: the client still
    // takes a message of 20 bytes from the server.
    server.send_message(false, &[b'x'; 20]).unwrap();
    client.receive_data(&server.take_output());
    assert!(client.failure().is_none(), "a refused tune changed the client's limit: {:?}", client.failure());
}
