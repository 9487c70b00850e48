//! permessage-deflate's decoder under a message-size budget, as `Connection` drives it
//! (src/extensions/deflate, src/extensions/per_message.rs). The input is a small program:
//! negotiated parameters, a message limit, then messages that are either raw frames (arbitrary
//! payloads, RSV1 or not, any fragmentation) or plain text compressed by the sending side's own
//! encoder and cut into fragments. Asserts: a decoded frame never exceeds what is left of the
//! budget, a message never exceeds the limit, every error is 1002/1007/1009 (1009 only under a
//! limit), and a message the encoder produced decodes to exactly its plain text (1009 iff it is
//! too big).
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use wasmsocket::extensions::deflate::{Agreement, PerMessageDeflate};
use wasmsocket::extensions::Extension;
use wasmsocket::frame::{Frame, Opcode, RSV1};
use wasmsocket::Role;

#[path = "shared/raw_message.rs"]
mod raw_message;
use raw_message::{blob, raw_message};

fn bits(u: &mut Unstructured) -> Result<Option<u8>> {
    Ok(if u.arbitrary()? { Some(u.int_in_range(8..=15)?) } else { None })
}

/// Where a message of `len` bytes is cut into fragments: 1 to 4 pieces.
fn cuts(u: &mut Unstructured, len: usize) -> Result<Vec<usize>> {
    let n = u.int_in_range(0..=3)?;
    let mut points = vec![0, len];
    for _ in 0..n {
        points.push(u.int_in_range(0..=len)?);
    }
    points.sort_unstable();
    Ok(points)
}

fn run(u: &mut Unstructured) -> Result<()> {
    let agreement = Agreement {
        server_no_context_takeover: u.arbitrary()?,
        client_no_context_takeover: u.arbitrary()?,
        server_max_window_bits: bits(u)?,
        client_max_window_bits: bits(u)?,
    };
    let role = if u.arbitrary()? { Role::Server } else { Role::Client };
    let peer = if role == Role::Server { Role::Client } else { Role::Server };
    let level = u.int_in_range(0..=10)?;
    let mem_level = u.int_in_range(1..=9)?;
    let min_size = u.int_in_range(0..=8)?;
    let mut rx = PerMessageDeflate::with_mem_level(role, agreement, 6, 8, 0);
    let mut tx = PerMessageDeflate::with_mem_level(peer, agreement, level, mem_level, min_size);
    // The message limit: 0 is unlimited (no budget).
    let max: u64 = match u.int_in_range(0..=3)? {
        0 => 0,
        1 => u.int_in_range(0..=64)?,
        2 => u.int_in_range(0..=4096)?,
        _ => u.int_in_range(0..=1 << 20)?,
    };
    // A raw compressed frame that decoded changes the receiver's window without the sender
    // knowing: after one, encoded messages may no longer decode to their plain text.
    let mut desync = false;
    for _ in 0..8 {
        if u.is_empty() {
            break;
        }
        let binary: bool = u.arbitrary()?;
        let first_op = if binary { Opcode::Binary } else { Opcode::Text };
        let mut size = 0u64;
        let mut frames: Vec<Frame> = Vec::new();
        let encoded = u.arbitrary::<bool>()?;
        let mut plain = Vec::new();
        if encoded {
            // Plain text, sometimes very compressible (a repeated run), through the encoder.
            plain = match u.int_in_range(0..=2)? {
                0 => blob(u, 65535)?.to_vec(),
                1 => vec![u.arbitrary::<u8>()?; u.int_in_range(0..=100_000)?],
                _ => {
                    let unit = blob(u, 255)?;
                    unit.repeat(u.int_in_range(0..=300)?)
                }
            };
            if u.arbitrary()? {
                tx.skip_next_message();
            }
            let points = cuts(u, plain.len())?;
            let last = points.len() - 2;
            for (i, w) in points.windows(2).enumerate() {
                let op = if i == 0 { first_op } else { Opcode::Continuation };
                let frame = Frame { fin: i == last, rsv: 0, opcode: op, data: plain[w[0]..w[1]].to_vec() };
                match tx.encode(frame) {
                    Ok(f) => frames.push(f),
                    Err(e) => panic!("encoder failed: {e}"),
                }
            }
        } else {
            frames = raw_message(u, first_op)?;
        }
        let mut out = Vec::new();
        let mut failed = None;
        // Whether the message in progress is compressed (RSV1 on its first data frame).
        let mut compressed = false;
        for frame in frames {
            let control = frame.opcode.is_control();
            let rsv1 = frame.rsv & RSV1 != 0;
            if !control && frame.opcode != Opcode::Continuation {
                compressed = rsv1;
            }
            let inflated = !control && compressed;
            let budget = (max > 0 && !control).then(|| max.saturating_sub(size));
            match rx.decode(frame, budget) {
                Ok(f) => {
                    let len = f.data.len() as u64;
                    if let Some(b) = budget {
                        // The decoder keeps to the budget; an uncompressed frame is checked by
                        // the connection after decoding (check_message_size): 1009 there.
                        assert!(!inflated || len <= b, "inflated {len} bytes over the budget {b}");
                        if len > b {
                            failed = Some(wasmsocket::ProtocolError::too_big("message over the limit"));
                            break;
                        }
                    }
                    if !control {
                        size += len;
                        out.extend_from_slice(&f.data);
                    }
                    desync |= !encoded && inflated;
                }
                Err(e) => {
                    assert!(matches!(e.close_code(), 1002 | 1007 | 1009), "error code {}: {}", e.close_code(), e.reason());
                    assert!(e.close_code() != 1009 || budget.is_some(), "1009 without a limit");
                    failed = Some(e);
                    break;
                }
            }
        }
        if max > 0 {
            assert!(size <= max, "message of {size} bytes over the limit {max}");
        }
        if encoded && !desync {
            let too_big = max > 0 && plain.len() as u64 > max;
            match &failed {
                None => {
                    assert!(!too_big, "a {}-byte message passed the limit {max}", plain.len());
                    assert!(out == plain, "round trip differs ({} vs {} bytes)", out.len(), plain.len());
                }
                Some(e) => assert!(too_big && e.close_code() == 1009, "encoded message failed: {e}"),
            }
        }
        // The connection fails on any error: nothing is decoded after one.
        if failed.is_some() {
            break;
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
