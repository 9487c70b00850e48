//! The decoder targets' program after the negotiated parameters (deflate_decoder.rs,
//! bzip2_decoder.rs): a message limit, then up to 8 messages, each either raw frames
//! ([`super::raw_message`]) or plain text through the sending side's encoder, cut into
//! fragments. Asserts: a decoded frame never exceeds what is left of the budget, a message never
//! exceeds the limit, every error is 1002/1007/1009 (1009 only under a limit), and a message the
//! encoder produced decodes to exactly its plain text (1009 iff it is too big).

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use wasmsocket::extensions::Extension;
use wasmsocket::frame::{Frame, Opcode, RSV1};

use super::raw_message::{blob, raw_message};

/// How large the encoded plain texts get: a run of one byte up to `run_len`, a unit of up to
/// 255 bytes repeated up to `repeats` times (smaller for bzip2, whose blocks are slow to sort).
pub struct PlainSizes {
    pub run_len: usize,
    pub repeats: usize,
}

/// The message limit: 0 is unlimited (no budget).
pub fn message_limit(u: &mut Unstructured) -> Result<u64> {
    Ok(match u.int_in_range(0..=3)? {
        0 => 0,
        1 => u.int_in_range(0..=64)?,
        2 => u.int_in_range(0..=4096)?,
        _ => u.int_in_range(0..=1 << 20)?,
    })
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

/// Runs the messages from `tx` (the peer's encoder) into `rx` under the limit `max`.
/// `carries_context`: the receiver keeps state from one message to the next (deflate's context
/// takeover), so a raw compressed frame that decoded changes its window without the sender
/// knowing, and encoded messages after one may no longer decode to their plain text.
pub fn run_messages(
    u: &mut Unstructured,
    rx: &mut dyn Extension,
    tx: &mut dyn Extension,
    max: u64,
    sizes: PlainSizes,
    carries_context: bool,
) -> Result<()> {
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
                1 => vec![u.arbitrary::<u8>()?; u.int_in_range(0..=sizes.run_len)?],
                _ => {
                    let unit = blob(u, 255)?;
                    unit.repeat(u.int_in_range(0..=sizes.repeats)?)
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
                    desync |= carries_context && !encoded && inflated;
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
