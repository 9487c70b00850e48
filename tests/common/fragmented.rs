//! A message through a compression extension as several frames: what both extensions' tests
//! check the same way (RSV1 on the first frame only, the budget across frames).

use wasmsocket::extensions::Extension;
use wasmsocket::frame::{Frame, Opcode, RSV1};

/// The frames of one message cut into `parts`: `opcode` and `rsv` on the first, continuations
/// after it, FIN on the last.
pub fn message_frames(opcode: Opcode, rsv: u8, parts: &[&[u8]]) -> Vec<Frame> {
    let last = parts.len().saturating_sub(1);
    let frame = |(i, part): (usize, &&[u8])| match i {
        0 => Frame { fin: i == last, rsv, opcode, data: part.to_vec() },
        _ => Frame { fin: i == last, rsv: 0, opcode: Opcode::Continuation, data: part.to_vec() },
    };
    parts.iter().enumerate().map(frame).collect()
}

/// Sends `message` from `sender` to `receiver` in frames of `size` bytes: only the first frame
/// carries RSV1, and the receiver gets the message back.
pub fn assert_fragmented_round_trip(
    sender: &mut dyn Extension,
    receiver: &mut dyn Extension,
    message: &[u8],
    size: usize,
) {
    let parts: Vec<&[u8]> = message.chunks(size).collect();
    let mut got = Vec::new();
    for (i, frame) in message_frames(Opcode::Text, 0, &parts).into_iter().enumerate() {
        let f = sender.encode(frame).unwrap();
        assert_eq!(f.rsv, if i == 0 { RSV1 } else { 0 }, "only the first frame has RSV1");
        got.extend(receiver.decode(f, None).unwrap().data);
    }
    assert_eq!(got, message);
}

/// Feeds a compressed message (a bomb) to `ext` in `chunks`, each frame given what is left of
/// `limit`: it fails with 1009 having produced no more than `limit`.
pub fn assert_stopped_at_limit(ext: &mut dyn Extension, chunks: &[&[u8]], limit: u64) {
    let mut produced = 0u64;
    let mut failed = None;
    for f in message_frames(Opcode::Binary, RSV1, chunks) {
        match ext.decode(f, Some(limit - produced)) {
            Ok(out) => produced += out.data.len() as u64,
            Err(e) => {
                failed = Some(e.close_code());
                break;
            }
        }
    }
    assert_eq!(failed, Some(1009));
    assert!(produced <= limit);
}
