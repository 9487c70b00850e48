//! The RFC 6455 §5.2 frame codec: header parsing from a byte prefix and header writing.
//! Payload handling (unmasking, streaming) lives in the connection; this module only knows
//! the wire layout, so it stays small enough to audit at a glance.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Opcode {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

impl Opcode {
    /// `None` for the reserved opcodes 0x3–0x7 and 0xB–0xF.
    pub fn from_u8(raw: u8) -> Option<Opcode> {
        match raw {
            0x0 => Some(Opcode::Continuation),
            0x1 => Some(Opcode::Text),
            0x2 => Some(Opcode::Binary),
            0x8 => Some(Opcode::Close),
            0x9 => Some(Opcode::Ping),
            0xA => Some(Opcode::Pong),
            _ => None,
        }
    }

    pub fn is_control(self) -> bool {
        (self as u8) & 0x8 != 0
    }
}

/// RSV bit masks as they sit in the first header byte, shifted down: RSV1 = 4, RSV2 = 2, RSV3 = 1.
pub const RSV1: u8 = 0b100;
pub const RSV2: u8 = 0b010;
pub const RSV3: u8 = 0b001;

/// A whole frame, as extensions see it (python-websockets' `Frame`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub fin: bool,
    /// RSV1..RSV3 as a 3-bit value (`RSV1 | RSV2 | RSV3`).
    pub rsv: u8,
    pub opcode: Opcode,
    pub data: Vec<u8>,
}

impl Frame {
    pub fn new(opcode: Opcode, data: Vec<u8>) -> Frame {
        Frame { fin: true, rsv: 0, opcode, data }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    pub fin: bool,
    pub rsv: u8,
    /// The raw 4-bit opcode; the connection decides whether it is reserved.
    pub opcode: u8,
    pub mask: Option<[u8; 4]>,
    pub payload_len: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderParse {
    /// More bytes are needed; nothing was consumed.
    Incomplete,
    /// A header of `header_len` bytes starts the buffer.
    Complete { header: FrameHeader, header_len: usize },
    /// A 64-bit length with its most significant bit set (RFC 6455 §5.2).
    LengthOverflow,
}

/// Parses a frame header from the start of `buf` without consuming or copying anything.
pub fn parse_header(buf: &[u8]) -> HeaderParse {
    let (b0, b1) = match buf {
        [b0, b1, ..] => (*b0, *b1),
        _ => return HeaderParse::Incomplete,
    };
    let masked = b1 & 0x80 != 0;
    let (payload_len, mut pos) = match b1 & 0x7F {
        126 => match buf.get(2..4) {
            Some(&[hi, lo]) => (u16::from_be_bytes([hi, lo]) as u64, 4),
            Some(_) => return HeaderParse::Incomplete,
            None => return HeaderParse::Incomplete,
        },
        127 => match buf.get(2..10) {
            Some(b) => {
                let mut be = [0u8; 8];
                be.copy_from_slice(b);
                let len = u64::from_be_bytes(be);
                if len >> 63 != 0 {
                    return HeaderParse::LengthOverflow;
                }
                (len, 10)
            }
            None => return HeaderParse::Incomplete,
        },
        short => (short as u64, 2),
    };
    let mask = if masked {
        match buf.get(pos..pos + 4) {
            Some(&[a, b, c, d]) => {
                pos += 4;
                Some([a, b, c, d])
            }
            Some(_) => return HeaderParse::Incomplete,
            None => return HeaderParse::Incomplete,
        }
    } else {
        None
    };
    let header = FrameHeader { fin: b0 & 0x80 != 0, rsv: (b0 >> 4) & 0x7, opcode: b0 & 0x0F, mask, payload_len };
    HeaderParse::Complete { header, header_len: pos }
}

/// Bytes a header takes for this payload length (2 to 14).
pub fn header_len(payload_len: u64, masked: bool) -> usize {
    let len_bytes = match payload_len {
        0..=125 => 0,
        126..=0xFFFF => 2,
        _ => 8,
    };
    2 + len_bytes + if masked { 4 } else { 0 }
}

/// Appends a header to `out`, using the shortest length encoding (RFC 6455 §5.2).
pub fn write_header(out: &mut Vec<u8>, fin: bool, rsv: u8, opcode: u8, mask: Option<[u8; 4]>, payload_len: u64) {
    out.push(((fin as u8) << 7) | ((rsv & 0x7) << 4) | (opcode & 0x0F));
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    match payload_len {
        0..=125 => out.push(mask_bit | payload_len as u8),
        126..=0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(payload_len as u16).to_be_bytes());
        }
        _ => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&payload_len.to_be_bytes());
        }
    }
    if let Some(key) = mask {
        out.extend_from_slice(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn roundtrip(len: u64, mask: Option<[u8; 4]>) {
        let mut out = Vec::new();
        write_header(&mut out, true, RSV1, 0x2, mask, len);
        assert_eq!(out.len(), header_len(len, mask.is_some()));
        match parse_header(&out) {
            HeaderParse::Complete { header, header_len } => {
                assert_eq!(header_len, out.len());
                assert_eq!(header, FrameHeader { fin: true, rsv: RSV1, opcode: 2, mask, payload_len: len });
            }
            other => panic!("{other:?}"),
        }
        // Every strict prefix is incomplete.
        for cut in 0..out.len() {
            assert_eq!(parse_header(&out[..cut]), HeaderParse::Incomplete, "len {len} cut {cut}");
        }
    }

    #[test]
    fn each_length_encoding_roundtrips_at_its_boundaries() {
        for len in [0, 1, 125, 126, 127, 0xFFFF, 0x1_0000, u32::MAX as u64 + 1, (1u64 << 63) - 1] {
            roundtrip(len, None);
            roundtrip(len, Some([1, 2, 3, 4]));
        }
    }

    #[test]
    fn length_with_top_bit_set_is_rejected() {
        let mut buf = vec![0x82, 127];
        buf.extend_from_slice(&(1u64 << 63).to_be_bytes());
        assert_eq!(parse_header(&buf), HeaderParse::LengthOverflow);
    }

    #[test]
    fn opcode_table() {
        for raw in 0u8..16 {
            let known = matches!(raw, 0 | 1 | 2 | 8 | 9 | 10);
            assert_eq!(Opcode::from_u8(raw).is_some(), known, "opcode {raw}");
            if let Some(op) = Opcode::from_u8(raw) {
                assert_eq!(op as u8, raw);
                assert_eq!(op.is_control(), raw >= 8);
            }
        }
    }
}
