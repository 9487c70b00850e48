//! Cross-checks with an independent bzip2, Python's `bz2` module (libbzip2 in C): our messages
//! decompress there, and messages `bz2.BZ2Compressor` made at every level, fed to it frame by
//! frame as Autobahn does, decompress here. Skipped (with a message) when python3 is missing; a failure under CI=true.
//! Autobahn's own negotiation classes check our offers and responses. Also prints ratio and
//! time per level (`cargo test --release --test bzip2_python -- --nocapture`).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::process::Command;

use common::json_like::json_users;
use common::python::{missing, python_with, run_python, tmpdir};
use common::Rng;
use wasmsocket::extensions::bzip2::{Agreement, PerMessageBzip2};
use wasmsocket::config::Role;
use wasmsocket::extensions::Extension;
use wasmsocket::frame::{Frame, Opcode, RSV1};

/// For every `N.in`: mode "decompress" writes `bz2.decompress(N.in)` to `N.out`; mode
/// "compress L" compresses `N.in` at level L with one `BZ2Compressor`, fed in 7 000-byte
/// pieces (Autobahn's `compress_message_data` per frame), and writes the result to `N.out`.
const SCRIPT: &str = r#"
import bz2, os, sys
d, mode = sys.argv[1], sys.argv[2:]
for name in sorted(f for f in os.listdir(d) if f.endswith('.in')):
    data = open(os.path.join(d, name), 'rb').read()
    if mode[0] == 'decompress':
        dec = bz2.BZ2Decompressor()
        out = dec.decompress(data)
        assert dec.eof and not dec.unused_data, name
    else:
        c = bz2.BZ2Compressor(int(mode[1]))
        out = b''.join(c.compress(data[i:i + 7000]) for i in range(0, len(data), 7000)) + c.flush()
    open(os.path.join(d, name[:-3] + '.out'), 'wb').write(out)
"#;

fn corpus() -> Vec<Vec<u8>> {
    let mut rng = Rng::new(11);
    vec![
        vec![],
        b"x".to_vec(),
        json_users(200),
        json_users(40_000),
        rng.bytes(9_000),
        b"0123456789abcdef".repeat(5_000),
        (0..250_000u32).map(|i| (i / 300) as u8).collect(), // more than one level-1 block
    ]
}

/// Sends `data` as one message, in frames of `frame` bytes, and returns the wire payload.
fn send(ext: &mut PerMessageBzip2, data: &[u8], frame: usize) -> Vec<u8> {
    let parts: Vec<&[u8]> = if data.is_empty() { vec![data] } else { data.chunks(frame).collect() };
    let mut wire = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let op = if i == 0 { Opcode::Binary } else { Opcode::Continuation };
        let f = ext.encode(Frame { fin: i + 1 == parts.len(), rsv: 0, opcode: op, data: part.to_vec() }).unwrap();
        wire.extend(f.data);
    }
    wire
}

#[test]
fn python_decompresses_our_messages_at_every_level() {
    if !python_with("bz2") {
        return;
    }
    let dir = tmpdir("bzip2-ours");
    let corpus = corpus();
    let mut expected = Vec::new();
    for level in 1..=9u8 {
        let mut ext = PerMessageBzip2::new(Role::Server, Agreement::default(), level, false);
        for (m, data) in corpus.iter().enumerate() {
            // Whole messages, and the same fragmented (one stream across frames).
            for frame in [usize::MAX, 16_384] {
                let n = expected.len();
                std::fs::write(dir.join(format!("{n:04}.in")), send(&mut ext, data, frame)).unwrap();
                expected.push((level, m, frame));
            }
        }
    }
    run_python(SCRIPT, &dir, &["decompress"]);
    for (n, (level, m, frame)) in expected.into_iter().enumerate() {
        let out = std::fs::read(dir.join(format!("{n:04}.out"))).unwrap();
        assert!(out == corpus[m], "level {level} message {m} frame {frame}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn we_decompress_python_messages_at_every_level() {
    if !python_with("bz2") {
        return;
    }
    let corpus = corpus();
    for level in 1..=9u8 {
        let dir = tmpdir(&format!("bzip2-theirs{level}"));
        for (m, data) in corpus.iter().enumerate() {
            std::fs::write(dir.join(format!("{m:04}.in")), data).unwrap();
        }
        run_python(SCRIPT, &dir, &["compress", &level.to_string()]);
        for small in [false, true] {
            let mut ext = PerMessageBzip2::new(Role::Client, Agreement::default(), 9, small);
            for (m, data) in corpus.iter().enumerate() {
                let wire = std::fs::read(dir.join(format!("{m:04}.out"))).unwrap();
                let f = Frame { fin: true, rsv: RSV1, opcode: Opcode::Binary, data: wire.clone() };
                let got = ext.decode(f, Some(1 << 20)).unwrap();
                assert!(got.data == *data, "level {level} small {small} message {m}");
                // Split across frames at odd places, too.
                let mut got = Vec::new();
                let chunks: Vec<&[u8]> = wire.chunks(997).collect();
                for (i, c) in chunks.iter().enumerate() {
                    let op = if i == 0 { Opcode::Binary } else { Opcode::Continuation };
                    let f = Frame {
                        fin: i + 1 == chunks.len(),
                        rsv: if i == 0 { RSV1 } else { 0 },
                        opcode: op,
                        data: c.to_vec(),
                    };
                    got.extend(ext.decode(f, None).unwrap().data);
                }
                assert!(got == *data, "fragmented: level {level} small {small} message {m}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn the_bomb_in_the_memory_tests_is_100_mib_of_zeros() {
    if !python_with("bz2") {
        return;
    }
    let bomb = include_str!("bzip2_memory.rs")
        .split("BOMB_100_MIB: &str = \"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap();
    let check =
        format!("import bz2; d = bz2.decompress(bytes.fromhex('{bomb}')); assert d == bytes(100 << 20), len(d)");
    assert!(Command::new("python3").arg("-c").arg(check).status().unwrap().success());
}

#[test]
fn ratio_and_speed_per_level() {
    let text = json_users(1 << 20);
    println!("JSON-like text, {} bytes, one message (debug builds are slower):", text.len());
    println!("level | compressed | ratio | compress ms | decompress ms (fast / small)");
    for level in 1..=9u8 {
        let mut ext = PerMessageBzip2::new(Role::Server, Agreement::default(), level, false);
        let t = std::time::Instant::now();
        let f = ext.encode(Frame::new(Opcode::Text, text.clone())).unwrap();
        let compress = t.elapsed().as_secs_f64() * 1e3;
        let len = f.data.len();
        let mut times = Vec::new();
        for small in [false, true] {
            let mut rx = PerMessageBzip2::new(Role::Client, Agreement::default(), 9, small);
            let t = std::time::Instant::now();
            assert_eq!(rx.decode(f.clone(), None).unwrap().data.len(), text.len());
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        println!(
            "{level:>5} | {len:>10} | {:>5.2} | {compress:>11.1} | {:.1} / {:.1}",
            text.len() as f64 / len as f64,
            times[0],
            times[1]
        );
    }
}

#[test]
fn cost_of_small_messages() {
    // Every message allocates (zeroed) and frees a whole compressor and decompressor; a small
    // single-frame message gets a level-1 block whatever the configured level.
    let m = json_users(200);
    let rounds = 200;
    let mut server = PerMessageBzip2::new(Role::Server, Agreement::default(), 9, false);
    let mut client = PerMessageBzip2::new(Role::Client, Agreement::default(), 9, false);
    let t = std::time::Instant::now();
    for _ in 0..rounds {
        let f = server.encode(Frame::new(Opcode::Text, m.clone())).unwrap();
        assert_eq!(client.decode(f, None).unwrap().data, m);
    }
    let per = t.elapsed().as_secs_f64() * 1e6 / rounds as f64;
    println!("200-byte message, compress + decompress: {per:.0} µs each (debug builds are slower)");
    // The same as two frames: the length is unknown at the start, so the block is level 9.
    let t = std::time::Instant::now();
    for _ in 0..rounds {
        let a = server.encode(Frame { fin: false, rsv: 0, opcode: Opcode::Text, data: m.clone() }).unwrap();
        let b = server.encode(Frame { fin: true, rsv: 0, opcode: Opcode::Continuation, data: vec![] }).unwrap();
        assert_eq!(b.data[3], b'9');
        client.decode(a, None).unwrap();
        assert_eq!(client.decode(b, None).unwrap().data, m);
    }
    let per = t.elapsed().as_secs_f64() * 1e6 / rounds as f64;
    println!("the same in two frames (level-9 block): {per:.0} µs each");
}

/// Autobahn's own negotiation classes (`.venv-interop`, gitignored; see `missing`): for
/// each line `server|client <header>` of the input, plays the other side and prints its answer.
/// `server` lines are our offers: Autobahn accepts them with its defaults and prints its
/// response. `client` lines are our server's responses: Autobahn's client parses them and
/// prints the server's and its own compression level.
const AUTOBAHN_SCRIPT: &str = r#"
import sys
from autobahn.websocket.compress_bzip2 import *
def params(header):
    name, *rest = [p.strip() for p in header.split(';')]
    assert name == 'permessage-bzip2', name
    out = {}
    for p in rest:
        k, _, v = p.partition('=')
        out.setdefault(k, []).append(v if v else True)
    return out
for line in sys.stdin.read().splitlines():
    role, header = line.split(' ', 1)
    if role == 'server':
        offer = PerMessageBzip2Offer.parse(params(header))
        print(PerMessageBzip2OfferAccept(offer).get_extension_string())
    else:
        accept = PerMessageBzip2ResponseAccept(PerMessageBzip2Response.parse(params(header)))
        pmce = PerMessageBzip2.create_from_response_accept(False, accept)
        print(pmce.server_max_compress_level, pmce.client_max_compress_level)
"#;

fn autobahn(lines: &[String]) -> Option<Vec<String>> {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-interop/bin/python");
    if !python.exists() {
        missing(".venv-interop (autobahn)");
        return None;
    }
    let mut child = Command::new(python)
        .arg("-c")
        .arg(AUTOBAHN_SCRIPT)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(lines.join("\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "autobahn script failed");
    Some(String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect())
}

#[test]
fn autobahn_negotiates_with_us_both_ways() {
    use wasmsocket::extensions::bzip2::{Bzip2Config, ClientPerMessageBzip2Factory, ServerPerMessageBzip2Factory};
    use wasmsocket::handshake::{format_extensions, parse_extensions, ExtensionOffer};
    let header = |params: Vec<(String, Option<String>)>| {
        format_extensions(&[ExtensionOffer { name: "permessage-bzip2".into(), params }])
    };
    // Our client offers; Autobahn's server answers; our client must accept the answer.
    let clients = [
        Bzip2Config::client(),
        Bzip2Config { server_max_compress_level: Some(3), ..Bzip2Config::client() },
        Bzip2Config {
            server_max_compress_level: Some(1),
            accept_client_max_compress_level: false,
            ..Bzip2Config::client()
        },
    ];
    let lines: Vec<String> = clients
        .iter()
        .map(|c| format!("server {}", header(ClientPerMessageBzip2Factory::new(c.clone()).unwrap().offer())))
        .collect();
    let Some(responses) = autobahn(&lines) else { return };
    for (c, response) in clients.iter().zip(&responses) {
        let parsed = parse_extensions(&[response]).unwrap();
        let agreement = ClientPerMessageBzip2Factory::new(c.clone()).unwrap().accept(&parsed[0].params).unwrap();
        assert_eq!(agreement.server_max_compress_level, c.server_max_compress_level, "{response}");
    }
    // Autobahn's client offers (its default, and asking for level 4); our server answers
    // with a cap on the client; Autobahn must accept it and agree on the levels.
    let server =
        ServerPerMessageBzip2Factory::new(Bzip2Config { client_max_compress_level: Some(2), ..Bzip2Config::server() })
            .unwrap();
    let offers = [
        "permessage-bzip2; client_max_compress_level",
        "permessage-bzip2; client_max_compress_level; server_max_compress_level=4",
    ];
    let mut lines = Vec::new();
    let mut expected = Vec::new();
    for offer in offers {
        let parsed = parse_extensions(&[offer]).unwrap();
        let (response, a) = server.negotiate(&parsed[0].params).unwrap();
        lines.push(format!("client {}", header(response)));
        expected.push(format!(
            "{} {}",
            a.server_max_compress_level.unwrap_or(9),
            a.client_max_compress_level.unwrap_or(9)
        ));
    }
    assert_eq!(autobahn(&lines).unwrap(), expected);
    assert_eq!(expected, ["9 2", "4 2"]);
}
