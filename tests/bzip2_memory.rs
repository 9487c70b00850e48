//! permessage-bzip2 memory: a bzip2 bomb is stopped within the budget (measured with a
//! counting allocator), a connection holds nothing between messages, and the sizes
//! `bzip2::memory` reports match what libbz2-rs-sys really allocates.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

use common::fragmented::assert_stopped_at_limit;
use common::counting_alloc::{live, peak_during, Counting};
use common::*;
use wasmsocket::extensions::bzip2::memory::{compressor_bytes, decompressor_bytes};
use wasmsocket::extensions::bzip2::{Agreement, PerMessageBzip2};
use wasmsocket::config::{Config, Role};
use wasmsocket::connection::Connection;
use wasmsocket::extensions::{Extension, ExtensionChain};
use wasmsocket::frame::{Frame, Opcode, RSV1};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// `python3 -c "import bz2; print(bz2.compress(bytes(100 << 20), 9).hex())"`: 113 bytes that
/// decompress to 100 MiB of zeros (`tests/bzip2_python.rs` checks that).
pub const BOMB_100_MIB: &str = "425a68393141592653590e09e2df015f8e4000c0000008200030804d4642a025a90a80973141592653590e09e2df015f8e4000c0000008200030804d4642a025a90a80973141592653598a96d7a90064064400c00010000008200030cc0529a628045b128045e2ee48a70a1215d4532d60";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// What the decoder may hold during the bomb besides its output: a level-9 decompressor.
const DECODER_SLACK: isize = decompressor_bytes(9, false) as isize + 4096;

#[test]
fn bomb_stops_at_the_budget_with_1009() {
    let bomb = unhex(BOMB_100_MIB);
    for limit in [1u64 << 20, 16 << 20] {
        let mut ext = PerMessageBzip2::new(Role::Server, Agreement::default(), 9, false);
        let frame = Frame { fin: true, rsv: RSV1, opcode: Opcode::Binary, data: bomb.clone() };
        let (result, peak) = peak_during(|| ext.decode(frame, Some(limit)));
        let err = result.unwrap_err();
        assert_eq!(err.close_code(), 1009, "{err:?}");
        println!("bomb: {} MiB budget, peak extra allocation {peak} bytes", limit >> 20);
        assert!(peak <= limit as isize + 1 + DECODER_SLACK, "peak {peak}");
        assert_eq!(ext.held_bytes(), 0, "the failed stream is freed");
    }
}

#[test]
fn bomb_split_over_frames_stops_at_the_budget() {
    let bomb = unhex(BOMB_100_MIB);
    let mut ext = PerMessageBzip2::new(Role::Client, Agreement::default(), 9, true);
    let chunks: Vec<&[u8]> = bomb.chunks(10).collect();
    assert_stopped_at_limit(&mut ext, &chunks, 3 << 20);
}

fn bzip2_conn(role: Role, config: Config) -> Connection {
    let ext = PerMessageBzip2::new(role, Agreement::default(), 9, false);
    Connection::new_open(role, config, SEED, ExtensionChain::new(vec![Box::new(ext)]))
}

#[test]
fn bomb_through_a_connection_fails_with_1009_within_bounded_memory() {
    let bomb = unhex(BOMB_100_MIB);
    for (limit, config) in
        [(16u64 << 20, Config::default()), (1000, Config { max_message_payload_size: 1000, ..Config::default() })]
    {
        let mut conn = bzip2_conn(Role::Server, config);
        let bytes = peer_frame_rsv(Role::Server, true, RSV1, BINARY, &bomb);
        let (_, peak) = peak_during(|| conn.receive_data(&bytes));
        println!("bomb through Connection, limit {limit}: peak extra allocation {peak} bytes");
        assert_failed(&mut conn, 1009, "bomb");
        assert!(peak <= limit as isize + 1 + DECODER_SLACK + 64 * 1024, "peak {peak}");
    }
}

#[test]
fn compressor_and_decompressor_sizes_match_what_bzip2_allocates() {
    for level in 1..=9u8 {
        let (c, bytes) = peak_during(|| bzip2::Compress::new(bzip2::Compression::new(level.into()), 0));
        drop(c);
        assert_eq!(bytes as usize, compressor_bytes(level), "compressor level {level}");
    }
    for small in [false, true] {
        for level in 1..=9u8 {
            // A complete empty stream at `level`: the header makes the block buffer appear.
            let stream = [b'B', b'Z', b'h', b'0' + level, 0x17, 0x72, 0x45, 0x38, 0x50, 0x90, 0, 0, 0, 0];
            let mut d = bzip2::Decompress::new(small);
            let (_, bytes) = peak_during(|| {
                let mut out = [0u8; 16];
                let status = d.decompress(&stream[..4], &mut out).unwrap();
                assert_eq!(status, bzip2::Status::Ok);
                // The header alone allocates the block buffer; account for the state too.
            });
            drop(d);
            let (d, fixed) = peak_during(|| bzip2::Decompress::new(small));
            drop(d);
            let total = fixed + bytes;
            assert_eq!(total as usize, decompressor_bytes(level, small), "decompressor level {level} small {small}");
        }
    }
    println!(
        "compressor: level 1 {} B, level 9 {} B; decompressor: before the header {} B, level 1 {} / {} B (fast / small), level 9 {} / {} B",
        compressor_bytes(1),
        compressor_bytes(9),
        decompressor_bytes(0, false),
        decompressor_bytes(1, false),
        decompressor_bytes(1, true),
        decompressor_bytes(9, false),
        decompressor_bytes(9, true)
    );
}

#[test]
fn a_connection_holds_nothing_between_messages() {
    let mut server = PerMessageBzip2::new(Role::Server, Agreement::default(), 9, false);
    let mut client = PerMessageBzip2::new(Role::Client, Agreement::default(), 9, false);
    let m = b"hello bzip2 ".repeat(1000);
    // One frame: the level fits the message (12 kB → level 1), and nothing stays.
    let (f, peak) = peak_during(|| server.encode(Frame::new(Opcode::Text, m.clone())).unwrap());
    assert_eq!(f.data[3], b'1', "a 12 kB message needs only level 1");
    assert!(peak as usize <= compressor_bytes(1) + 64 * 1024, "peak {peak}");
    assert_eq!(server.held_bytes(), 0);
    let (d, peak) = peak_during(|| client.decode(f, None).unwrap());
    assert_eq!(d.data, m);
    assert!(peak as usize <= decompressor_bytes(1, false) + 2 * m.len() + 64 * 1024, "peak {peak}");
    assert_eq!(client.held_bytes(), 0);

    // Fragmented: the configured level is held from the first frame to the last. At level 1
    // a 150 kB fragment fills a block, so the first frame already carries the stream header.
    let mut server = PerMessageBzip2::new(Role::Server, Agreement::default(), 1, false);
    let m = Rng::new(3).bytes(150_000);
    let first = server.encode(Frame { fin: false, rsv: 0, opcode: Opcode::Binary, data: m.clone() }).unwrap();
    assert!(!first.data.is_empty());
    assert_eq!(server.held_bytes(), compressor_bytes(1));
    let last = server.encode(Frame { fin: true, rsv: 0, opcode: Opcode::Continuation, data: m.clone() }).unwrap();
    assert_eq!(server.held_bytes(), 0);
    let base = live();
    let got = client.decode(first, None).unwrap();
    assert_eq!(client.held_bytes(), decompressor_bytes(1, false));
    assert!(live() - base >= decompressor_bytes(1, false) as isize, "held_bytes matches the allocator");
    let rest = client.decode(last, None).unwrap();
    assert_eq!(client.held_bytes(), 0);
    assert_eq!([got.data, rest.data].concat(), [m.clone(), m].concat());
}
