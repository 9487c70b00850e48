//! `frame::write_header` / `frame::parse_header` against hand-written wire bytes: the RFC 6455
//! §5.7 examples and every length-encoding boundary, masked and unmasked.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use wasmsocket::frame::{header_len, parse_header, write_header, FrameHeader, HeaderParse, RSV1, RSV2, RSV3};
use wasmsocket::mask::{apply_mask, mask_into};

/// The masking key of the RFC 6455 §5.7 examples.
const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

struct Row {
    fin: bool,
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload_len: u64,
    wire: &'static [u8],
}

const fn row(opcode: u8, mask: Option<[u8; 4]>, payload_len: u64, wire: &'static [u8]) -> Row {
    Row { fin: true, rsv: 0, opcode, mask, payload_len, wire }
}

/// Binary frames at each length-encoding boundary (RFC 6455 §5.2: 7-bit, 16-bit, 64-bit).
const LENGTH_ROWS: &[Row] = &[
    row(0x2, None, 0, &[0x82, 0x00]),
    row(0x2, Some(KEY), 0, &[0x82, 0x80, 0x37, 0xfa, 0x21, 0x3d]),
    row(0x2, None, 125, &[0x82, 0x7d]),
    row(0x2, Some(KEY), 125, &[0x82, 0xfd, 0x37, 0xfa, 0x21, 0x3d]),
    row(0x2, None, 126, &[0x82, 0x7e, 0x00, 0x7e]),
    row(0x2, Some(KEY), 126, &[0x82, 0xfe, 0x00, 0x7e, 0x37, 0xfa, 0x21, 0x3d]),
    row(0x2, None, 65_535, &[0x82, 0x7e, 0xff, 0xff]),
    row(0x2, Some(KEY), 65_535, &[0x82, 0xfe, 0xff, 0xff, 0x37, 0xfa, 0x21, 0x3d]),
    row(0x2, None, 65_536, &[0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00]),
    row(0x2, Some(KEY), 65_536, &[0x82, 0xff, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x37, 0xfa, 0x21, 0x3d]),
    row(0x2, None, 1 << 32, &[0x82, 0x7f, 0, 0, 0, 0x01, 0, 0, 0, 0]),
    row(0x2, Some(KEY), 1 << 32, &[0x82, 0xff, 0, 0, 0, 0x01, 0, 0, 0, 0, 0x37, 0xfa, 0x21, 0x3d]),
    row(0x2, None, (1 << 63) - 1, &[0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    row(
        0x2,
        Some(KEY),
        (1 << 63) - 1,
        &[0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x37, 0xfa, 0x21, 0x3d],
    ),
];

/// The headers of the RFC 6455 §5.7 examples.
const RFC_ROWS: &[Row] = &[
    // A single-frame unmasked text message ("Hello"), and the same masked.
    row(0x1, None, 5, &[0x81, 0x05]),
    row(0x1, Some(KEY), 5, &[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d]),
    // A fragmented unmasked text message: "Hel", then "lo".
    Row { fin: false, rsv: 0, opcode: 0x1, mask: None, payload_len: 3, wire: &[0x01, 0x03] },
    Row { fin: true, rsv: 0, opcode: 0x0, mask: None, payload_len: 2, wire: &[0x80, 0x02] },
    // An unmasked Ping and a masked Pong, both with body "Hello".
    row(0x9, None, 5, &[0x89, 0x05]),
    row(0xA, Some(KEY), 5, &[0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d]),
    // 256 bytes and 64 KiB of binary data in a single unmasked frame.
    row(0x2, None, 256, &[0x82, 0x7e, 0x01, 0x00]),
    row(0x2, None, 65_536, &[0x82, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]),
];

fn written(fin: bool, rsv: u8, opcode: u8, mask: Option<[u8; 4]>, payload_len: u64) -> Vec<u8> {
    let mut out = Vec::new();
    write_header(&mut out, fin, rsv, opcode, mask, payload_len);
    out
}

fn complete(buf: &[u8]) -> (FrameHeader, usize) {
    match parse_header(buf) {
        HeaderParse::Complete { header, header_len } => (header, header_len),
        other => panic!("{buf:02X?}: {other:?}"),
    }
}

fn check_row(r: &Row) {
    let what = format!("len {} mask {:?}", r.payload_len, r.mask);
    assert_eq!(written(r.fin, r.rsv, r.opcode, r.mask, r.payload_len), r.wire, "{what}");
    assert_eq!(header_len(r.payload_len, r.mask.is_some()), r.wire.len(), "{what}");

    let expected = FrameHeader { fin: r.fin, rsv: r.rsv, opcode: r.opcode, mask: r.mask, payload_len: r.payload_len };
    assert_eq!(complete(r.wire), (expected, r.wire.len()), "{what}");
    // Payload bytes after the header are not part of it.
    let mut with_payload = r.wire.to_vec();
    with_payload.extend_from_slice(b"\x00\xffpayload");
    assert_eq!(complete(&with_payload), (expected, r.wire.len()), "{what} + payload");
    for cut in 0..r.wire.len() {
        assert_eq!(parse_header(&r.wire[..cut]), HeaderParse::Incomplete, "{what}, first {cut} bytes");
    }
}

#[test]
fn length_boundaries() {
    for r in LENGTH_ROWS {
        check_row(r);
    }
}

#[test]
fn rfc_example_headers() {
    for r in RFC_ROWS {
        check_row(r);
    }
}

#[test]
fn rfc_example_frames_whole() {
    let mut frame = written(true, 0, 0x1, None, 5);
    frame.extend_from_slice(b"Hello");
    assert_eq!(frame, [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);

    // Masked "Hello": header, then the payload masked on the way out.
    let mut frame = written(true, 0, 0x1, Some(KEY), 5);
    mask_into(&mut frame, b"Hello", KEY, 0);
    let wire = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    assert_eq!(frame, wire);

    // ...and read back: parse the header, unmask the rest with the key it carried.
    let (header, len) = complete(&wire);
    assert_eq!(header.payload_len, 5);
    let mut payload = wire[len..].to_vec();
    apply_mask(&mut payload, header.mask.unwrap_or_default(), 0);
    assert_eq!(payload, b"Hello");

    // Masked Pong with body "Hello".
    let mut frame = written(true, 0, 0xA, Some(KEY), 5);
    mask_into(&mut frame, b"Hello", KEY, 0);
    assert_eq!(frame, [0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
}

#[test]
fn write_header_appends() {
    let mut out = vec![0xAA, 0xBB];
    write_header(&mut out, true, 0, 0x2, None, 256);
    assert_eq!(out, [0xAA, 0xBB, 0x82, 0x7e, 0x01, 0x00]);
}

#[test]
fn length_with_top_bit_set_overflows() {
    for len in [1u64 << 63, (1 << 63) + 1, u64::MAX] {
        for mask_bit in [0x00, 0x80] {
            let mut buf = vec![0x82, mask_bit | 127];
            buf.extend_from_slice(&len.to_be_bytes());
            assert_eq!(parse_header(&buf), HeaderParse::LengthOverflow, "{len:#x} mask bit {mask_bit:#x}");
            buf.extend_from_slice(&KEY);
            assert_eq!(parse_header(&buf), HeaderParse::LengthOverflow, "{len:#x} mask bit {mask_bit:#x} + key");
            // Until the whole length has arrived, there is nothing to judge.
            for cut in 0..10 {
                assert_eq!(parse_header(&buf[..cut]), HeaderParse::Incomplete, "{len:#x} first {cut} bytes");
            }
        }
    }
}

#[test]
fn first_byte_layout_examples() {
    // FIN + RSV1 + text, as a permessage-deflate compressed message starts.
    assert_eq!(written(true, RSV1, 0x1, None, 0), [0xc1, 0x00]);
    // No FIN, all RSV bits, continuation.
    assert_eq!(written(false, RSV1 | RSV2 | RSV3, 0x0, None, 0), [0x70, 0x00]);
    // RSV2 alone, close; RSV3 alone, reserved opcode 0xF.
    assert_eq!(written(true, RSV2, 0x8, None, 0), [0xa8, 0x00]);
    assert_eq!(written(true, RSV3, 0xF, None, 0), [0x9f, 0x00]);
    let (h, _) = complete(&[0x3b, 0x00]);
    assert_eq!((h.fin, h.rsv, h.opcode), (false, RSV2 | RSV3, 0xB));
}

#[test]
fn every_opcode_and_rsv_combination() {
    for opcode in 0u8..16 {
        for rsv in 0u8..8 {
            for fin in [false, true] {
                let first = ((fin as u8) << 7) | (rsv << 4) | opcode;
                for mask in [None, Some(KEY)] {
                    let wire = written(fin, rsv, opcode, mask, 7);
                    assert_eq!(wire[0], first, "fin {fin} rsv {rsv} opcode {opcode}");
                    let (header, len) = complete(&wire);
                    assert_eq!(len, wire.len());
                    assert_eq!((header.fin, header.rsv, header.opcode), (fin, rsv, opcode), "{first:#04x}");
                    assert_eq!(header.rsv & RSV1 != 0, first & 0x40 != 0);
                    assert_eq!(header.rsv & RSV2 != 0, first & 0x20 != 0);
                    assert_eq!(header.rsv & RSV3 != 0, first & 0x10 != 0);
                    assert_eq!((header.mask, header.payload_len), (mask, 7));
                }
            }
        }
    }
}

#[test]
fn every_first_byte_parses() {
    // The first byte alone decides fin, rsv and opcode; the second the mask bit and length.
    for first in 0..=255u8 {
        let (h, len) = complete(&[first, 0x00]);
        assert_eq!(len, 2);
        assert_eq!(h.fin, first & 0x80 != 0);
        assert_eq!(h.rsv, (first >> 4) & 0x7);
        assert_eq!(h.opcode, first & 0x0f);
    }
}
