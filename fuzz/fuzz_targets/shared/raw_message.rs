//! A raw (not encoder-made) message for the decoder targets, shaped as the frame layer hands
//! messages to the extensions: `Connection` fails with 1002, before any extension sees them, a
//! new data frame in the middle of a message, a continuation outside one, a fragmented control
//! frame and a control payload over 125 bytes. So the data frames come in order (the first
//! Text or Binary, the rest Continuation, the last with FIN) with whole control frames between
//! them. Payloads and RSV1 bits stay arbitrary: those are the decoders' to reject.
//! (A message whose last frame was a control frame left a decoder in the middle of a bzip2
//! stream, and the next, well-formed, message then failed: a sequence no peer can produce.)

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use wasmsocket::frame::{Frame, Opcode, RSV1};

/// A byte string whose length comes first (front-to-back decoding keeps seeds easy to write).
pub fn blob<'a>(u: &mut Unstructured<'a>, max: usize) -> Result<&'a [u8]> {
    let len = u.int_in_range(0..=max)?.min(u.len());
    u.bytes(len)
}

/// 1 to 4 frames: data frames with, now and then, a Ping or Close before one of them.
pub fn raw_message(u: &mut Unstructured, first_op: Opcode) -> Result<Vec<Frame>> {
    let n = u.int_in_range(1..=4)?;
    let mut frames = Vec::with_capacity(n);
    let mut data_frames = 0;
    for i in 0..n {
        let last = i == n - 1;
        let rsv = if u.arbitrary()? { RSV1 } else { 0 };
        let control = match (last, u.int_in_range(0..=9)?) {
            (false, 0) => Some(Opcode::Ping),
            (false, 1) => Some(Opcode::Close),
            _ => None,
        };
        frames.push(match control {
            Some(opcode) => Frame { fin: true, rsv, opcode, data: blob(u, 125)?.to_vec() },
            None => {
                let opcode = if data_frames == 0 { first_op } else { Opcode::Continuation };
                data_frames += 1;
                Frame { fin: last, rsv, opcode, data: blob(u, 65535)?.to_vec() }
            }
        });
    }
    Ok(frames)
}
