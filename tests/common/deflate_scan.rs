//! A deliberately simple raw-deflate decoder (after zlib's puff.c) that reports the longest
//! back-reference distance: the exact check that a sender honours its window (RFC 7692
//! §7.1.2.1), which inflaters cannot give (zlib only rejects distances past what it holds).

/// Output and the largest distance of a stream of sync-flushed pieces, or why it is invalid.
pub struct Scan {
    pub output: Vec<u8>,
    pub max_distance: usize,
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    bit: u32,
}

impl Bits<'_> {
    fn bits(&mut self, n: u32) -> Result<u32, String> {
        let mut v = 0;
        for i in 0..n {
            let byte = *self.data.get(self.pos).ok_or("input ends inside a block")?;
            v |= (((byte >> self.bit) & 1) as u32) << i;
            self.bit += 1;
            if self.bit == 8 {
                self.bit = 0;
                self.pos += 1;
            }
        }
        Ok(v)
    }
    fn align(&mut self) {
        if self.bit != 0 {
            self.bit = 0;
            self.pos += 1;
        }
    }
}

/// Canonical Huffman code: symbols sorted by code length.
struct Huffman {
    count: [u16; 16],
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Huffman {
        let mut count = [0u16; 16];
        for &l in lengths {
            count[l as usize] += 1;
        }
        count[0] = 0;
        let mut offs = [0u16; 16];
        for l in 1..16 {
            offs[l] = offs[l - 1] + count[l - 1];
        }
        let mut symbols = vec![0; lengths.len()];
        for (s, &l) in lengths.iter().enumerate() {
            if l != 0 {
                symbols[offs[l as usize] as usize] = s as u16;
                offs[l as usize] += 1;
            }
        }
        Huffman { count, symbols }
    }

    fn decode(&self, b: &mut Bits) -> Result<u16, String> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= b.bits(1)? as i32;
            let count = self.count[len] as i32;
            if code - count < first {
                return Ok(self.symbols[(index + (code - first)) as usize]);
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err("invalid Huffman code".into())
    }
}

const LEN_BASE: [u16; 29] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA: [u8; 29] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193,
    12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/// Decodes `data` (raw deflate, no final block needed: it may end after any block that
/// leaves it byte-aligned, as a sync flush does), continuing `scan`.
pub fn scan(scan: &mut Scan, data: &[u8]) -> Result<(), String> {
    let mut b = Bits { data, pos: 0, bit: 0 };
    while b.pos < data.len() {
        let last = b.bits(1)?;
        match b.bits(2)? {
            0 => {
                b.align();
                let len = b.bits(16)?;
                let nlen = b.bits(16)?;
                if len != !nlen & 0xffff {
                    return Err("stored length mismatch".into());
                }
                for _ in 0..len {
                    let byte = b.bits(8)? as u8;
                    scan.output.push(byte);
                }
            }
            1 => {
                let mut lengths = [8u8; 288];
                lengths[144..256].fill(9);
                lengths[256..280].fill(7);
                codes(scan, &mut b, &Huffman::new(&lengths), &Huffman::new(&[5; 30]))?;
            }
            2 => {
                let nlen = b.bits(5)? as usize + 257;
                let ndist = b.bits(5)? as usize + 1;
                let ncode = b.bits(4)? as usize + 4;
                let mut cl = [0u8; 19];
                for &i in &ORDER[..ncode] {
                    cl[i] = b.bits(3)? as u8;
                }
                let clh = Huffman::new(&cl);
                let mut lengths = vec![0u8; nlen + ndist];
                let mut i = 0;
                while i < nlen + ndist {
                    let sym = clh.decode(&mut b)?;
                    let (value, repeat) = match sym {
                        0..=15 => (sym as u8, 1),
                        16 => (*lengths.get(i.wrapping_sub(1)).ok_or("repeat with no length")?, 3 + b.bits(2)?),
                        17 => (0, 3 + b.bits(3)?),
                        _ => (0, 11 + b.bits(7)?),
                    };
                    for _ in 0..repeat {
                        *lengths.get_mut(i).ok_or("too many lengths")? = value;
                        i += 1;
                    }
                }
                codes(scan, &mut b, &Huffman::new(&lengths[..nlen]), &Huffman::new(&lengths[nlen..]))?;
            }
            _ => return Err("invalid block type".into()),
        }
        if last == 1 {
            return Err("final block: the stream must stay open".into());
        }
    }
    if b.bit != 0 {
        return Err("stream does not end byte-aligned".into());
    }
    Ok(())
}

fn codes(scan: &mut Scan, b: &mut Bits, lit: &Huffman, dist: &Huffman) -> Result<(), String> {
    loop {
        let sym = lit.decode(b)? as usize;
        match sym {
            0..=255 => scan.output.push(sym as u8),
            256 => return Ok(()),
            _ => {
                let i = sym - 257;
                let len = *LEN_BASE.get(i).ok_or("invalid length symbol")? as usize + b.bits(LEN_EXTRA[i] as u32)? as usize;
                let d = dist.decode(b)? as usize;
                let distance = *DIST_BASE.get(d).ok_or("invalid distance symbol")? as usize + b.bits(DIST_EXTRA[d] as u32)? as usize;
                if distance > scan.output.len() {
                    return Err("distance before the start of the stream".into());
                }
                scan.max_distance = scan.max_distance.max(distance);
                for _ in 0..len {
                    let byte = scan.output[scan.output.len() - distance];
                    scan.output.push(byte);
                }
            }
        }
    }
}
