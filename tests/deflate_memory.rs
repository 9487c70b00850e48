//! permessage-deflate memory: the decompression bomb is stopped within the budget (measured
//! with a counting allocator), and the per-connection state sizes `deflate::memory` reports
//! match what miniz (decoder) and zlib-rs (compressor) really allocate.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use common::fragmented::assert_stopped_at_limit;
use common::counting_alloc::{live, peak_during, Counting};
use common::json_feed::JsonFeed;
use common::Rng;
use miniz_oxide::deflate::core::{compress_to_output, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush};
use wasmsocket::config::Role;
use wasmsocket::extensions::deflate::decompress::DECODER_BYTES;
use wasmsocket::extensions::deflate::compress::new_compressor;
use wasmsocket::extensions::deflate::memory::{compressor_bytes, config_state_bytes, COMPRESSOR_BYTES};
use wasmsocket::extensions::deflate::{Agreement, DeflateConfig, PerMessageDeflate, ServerPerMessageDeflateFactory};
use wasmsocket::extensions::Extension;
use wasmsocket::frame::{Frame, Opcode, RSV1};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A raw deflate stream inflating to `mib` MiB of zeros, built by compressing 1 MiB once and
/// repeating it: each piece is byte-aligned by its sync flush and only references the zeros
/// right before it, so the repetition is a valid stream without ever holding the output.
fn zero_bomb(mib: usize) -> Vec<u8> {
    let mut d = CompressorOxide::new(create_comp_flags_from_zip_params(9, -15, 0));
    let mut piece = Vec::new();
    compress_to_output(&mut d, &vec![0u8; 1 << 20], TDEFLFlush::Sync, |b| {
        piece.extend_from_slice(b);
        true
    });
    piece.repeat(mib)
}

#[test]
fn bomb_of_one_gib_stops_at_the_budget_with_1009() {
    let bomb = zero_bomb(1024);
    assert!(bomb.len() < 8 << 20, "bomb is {} bytes", bomb.len());
    let mut ext = PerMessageDeflate::new(Role::Server, Agreement::default(), 6, 0);
    // Warm up (first-use allocations of the extension are not what is measured).
    let warm = Frame { fin: true, rsv: RSV1, opcode: Opcode::Binary, data: vec![0x00] }; // an empty stored block, not final
    assert_eq!(ext.decode(warm, None).unwrap().data, b"");
    let limit = 1u64 << 20;
    let frame = Frame { fin: true, rsv: RSV1, opcode: Opcode::Binary, data: bomb };
    let (result, peak) = peak_during(|| ext.decode(frame, Some(limit)));
    let err = result.unwrap_err();
    assert_eq!(err.close_code(), 1009, "{err:?}");
    println!("bomb: {} MiB budget, peak extra allocation {peak} bytes", limit >> 20);
    // The frame itself was allocated before; during decoding: output ≤ limit + 1 and the
    // decoder state, which lives only inside a message.
    assert!(peak <= limit as isize + 1 + DECODER_BYTES as isize + 4096, "peak {peak}");
}

#[test]
fn bomb_split_over_frames_stops_at_the_budget() {
    let bomb = zero_bomb(64);
    let mut ext = PerMessageDeflate::new(Role::Client, Agreement::default(), 6, 0);
    let chunks: Vec<&[u8]> = bomb.chunks(bomb.len() / 8 + 1).collect();
    assert_stopped_at_limit(&mut ext, &chunks, 3 << 20);
}

#[test]
fn decoder_and_compressor_sizes_match_what_is_allocated() {
    let (state, inflate) = peak_during(|| Box::new(miniz_oxide::inflate::core::DecompressorOxide::new()));
    drop(state);
    println!("decoder state {inflate} B");
    assert_eq!(inflate as usize, DECODER_BYTES);
    for bits in 8..=15u8 {
        for level in [0, 1, 6, 9] {
            let (d, compressor) = peak_during(|| Box::new(new_compressor(bits, level)));
            drop(d);
            println!("window {bits} level {level}: compressor {compressor} B");
            assert_eq!(compressor as usize, compressor_bytes(bits), "window {bits} level {level}");
        }
    }
    assert_eq!(compressor_bytes(15), COMPRESSOR_BYTES);
    assert_eq!(compressor_bytes(8), compressor_bytes(9));
}

/// The agreement a server with `config` reaches with a browser-like offer.
fn server_agreement(config: &DeflateConfig) -> Agreement {
    let factory = ServerPerMessageDeflateFactory::new(config.clone()).unwrap();
    factory.negotiate(&[("client_max_window_bits".into(), None)]).unwrap().1
}

/// A server connection with `config` sends and receives `messages` (every third one
/// fragmented); returns it with its live bytes (allocated since its creation and still held;
/// its peer is dropped first, so what is left is the server's).
fn drive(config: &DeflateConfig, messages: &[Vec<u8>]) -> (PerMessageDeflate, isize) {
    let agreement = server_agreement(config);
    let base = live();
    let mut server = PerMessageDeflate::from_config(Role::Server, agreement, config);
    let mut client = PerMessageDeflate::from_config(Role::Client, agreement, config);
    for (i, m) in messages.iter().enumerate() {
        let parts: Vec<&[u8]> = if i % 3 == 1 { m.chunks(m.len() / 3 + 1).collect() } else { vec![m] };
        for (j, part) in parts.iter().enumerate() {
            let opcode = if j == 0 { Opcode::Text } else { Opcode::Continuation };
            let frame = Frame { fin: j + 1 == parts.len(), rsv: 0, opcode, data: part.to_vec() };
            let wire = server.encode(frame.clone()).unwrap();
            drop(client.decode(wire, None).unwrap());
            let wire = client.encode(frame).unwrap();
            drop(server.decode(wire, None).unwrap());
        }
    }
    drop(client);
    (server, live() - base)
}

fn feed_messages() -> Vec<Vec<u8>> {
    let mut feed = JsonFeed::new(9);
    let mut rng = Rng::new(4);
    let mut messages: Vec<Vec<u8>> = (0..30).map(|i| feed.message([4096, 300, 20_000][i % 3])).collect();
    messages.push(rng.bytes(40_000)); // does not pack: the history reaches less far
    messages.extend((0..10).map(|_| feed.message(4096)));
    messages
}

#[test]
fn a_connection_holds_what_memory_reports() {
    let messages = feed_messages();
    let w12 = DeflateConfig { server_max_window_bits: Some(12), ..DeflateConfig::server() };
    let no_takeover = DeflateConfig { server_no_context_takeover: true, client_no_context_takeover: true, ..DeflateConfig::server() };
    let persistent = DeflateConfig { mem_level: 9, ..DeflateConfig::server() };
    let small = DeflateConfig { mem_level: 5, ..DeflateConfig::server() };
    for (name, config) in [
        ("default server", DeflateConfig::server()),
        ("window 12", w12),
        ("no context takeover", no_takeover),
        ("mem_level 9", persistent),
        ("mem_level 5", small),
    ] {
        // Once first, so the per-thread scratch buffers have their final sizes.
        drop(drive(&config, &messages));
        let (server, held) = drive(&config, &messages);
        let expected = config_state_bytes(Role::Server, &config).idle;
        println!("{name}: {held} B held after {} messages each way (expected {expected} B)", messages.len());
        assert_eq!(server.held_bytes(), expected, "{name}");
        assert_eq!(held as usize, expected, "{name}: what the allocator saw");
    }
}

#[test]
fn the_default_server_stays_within_64_kib_while_receiving() {
    let config = DeflateConfig::server();
    let agreement = server_agreement(&config);
    let messages = feed_messages();
    drop(drive(&config, &messages));
    let mut client = PerMessageDeflate::from_config(Role::Client, agreement, &config);
    let base = live();
    let mut server = PerMessageDeflate::from_config(Role::Server, agreement, &config);
    for m in &messages {
        let wire = server.encode(Frame::new(Opcode::Text, m.clone())).unwrap();
        drop(client.decode(wire, None).unwrap());
        // The server's history of what the client sent fills up to its window too.
        let wire = client.encode(Frame::new(Opcode::Text, m.clone())).unwrap();
        drop(server.decode(wire, None).unwrap());
    }
    // Mid-message: the first fragment of a compressed message is in.
    let m = &messages[0];
    let first = client.encode(Frame { fin: false, rsv: 0, opcode: Opcode::Text, data: m[..2000].to_vec() }).unwrap();
    drop(server.decode(first, None).unwrap());
    // The client's state was allocated meanwhile too (what it holds is checked above).
    let held = live() - base - client.held_bytes() as isize;
    let s = config_state_bytes(Role::Server, &config);
    println!("default server mid-message: {held} B held (reported receiving {} B)", s.receiving);
    assert_eq!(held as usize, s.receiving);
    assert!(held <= 64 * 1024, "{held}");
}

#[test]
fn per_config_numbers() {
    let no_takeover = DeflateConfig {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        ..DeflateConfig::server()
    };
    let python_websockets = DeflateConfig { server_max_window_bits: Some(12), ..DeflateConfig::server() };
    let persistent = DeflateConfig { mem_level: 9, ..DeflateConfig::server() };
    let rows = [
        ("server default (no window caps, takeover, mem_level 8)", Role::Server, DeflateConfig::server()),
        ("server, no context takeover", Role::Server, no_takeover),
        ("server, windows 12/12 (python-websockets)", Role::Server, python_websockets),
        ("server, mem_level 9 (persistent compressor)", Role::Server, persistent),
        ("client default", Role::Client, DeflateConfig::client()),
    ];
    for (name, role, config) in rows {
        let s = config_state_bytes(role, &config);
        println!(
            "{name}: idle {} B, receiving {} B, sending {} B, shared per thread {} B",
            s.idle, s.receiving, s.sending, s.shared
        );
    }
    let s = config_state_bytes(Role::Server, &DeflateConfig::server());
    assert!(s.idle <= 64 * 1024 && s.receiving <= 64 * 1024 && s.sending <= 64 * 1024, "{s:?}");
}
