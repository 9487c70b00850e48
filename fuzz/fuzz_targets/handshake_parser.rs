//! The opening handshake parsers: a server `Connection` fed the input (split at a point taken
//! from the input), a client `Connection` fed it as the server's response, and the pure
//! parsers called directly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmsocket::connection::Accept;
use wasmsocket::handshake::{client, server};
use wasmsocket::{Config, Connection, Event, Role, State};

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fuzz_target!(|data: &[u8]| {
    let Some((split, input)) = data.split_first() else { return };
    let cut = (*split as usize * input.len()) / 255;

    // Server connection.
    let mut conn = Connection::new(Role::Server, Config::default(), [1; 32]);
    conn.receive_data(&input[..cut]);
    conn.receive_data(&input[cut..]);
    for event in conn.take_events() {
        match event {
            Event::Request(req) => {
                let accept = Accept { subprotocol: req.protocols.first().cloned(), headers: Vec::new() };
                if conn.accept(&accept).is_err() {
                    let _ = conn.reject(400, "no", &[]);
                }
            }
            Event::HttpRequest(_) => {
                let _ = conn.respond_http(200, &[], b"ok");
            }
            _ => {}
        }
    }
    let _ = conn.take_output();
    conn.receive_eof();
    assert_eq!(conn.state(), State::Closed);

    // Client connection reading the input as the server's response.
    let mut conn = Connection::new(Role::Client, Config::default(), [2; 32]);
    let request = client::ClientRequest {
        host: "example.com".into(),
        port: 80,
        resource: "/chat".into(),
        protocols: vec!["chat".into(), "superchat".into()],
        ..Default::default()
    };
    if conn.connect(&request).is_ok() {
        conn.receive_data(&input[..cut]);
        conn.receive_data(&input[cut..]);
        let _ = conn.take_events();
        conn.receive_eof();
        assert_eq!(conn.state(), State::Closed);
    }

    // The parsers directly.
    let _ = server::parse_request(input, 100);
    let _ = server::parse_request(input, 2);
    let protocols = ["chat".to_string()];
    let extensions = ["permessage-deflate".to_string()];
    let _ = client::parse_response(input, KEY, &protocols, &extensions, 100);
    let _ = client::parse_response(input, KEY, &[], &[], 3);
});
