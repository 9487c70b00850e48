//! The sending half's mechanics: frames through the extension chain, masked (a client's),
//! into the output buffer the caller writes to the transport. Whether a send is allowed is
//! decided before, in `send.rs`; only the fragment sequence is tracked here.

use rand_chacha::ChaCha12Rng;
use rand_core::{RngCore, SeedableRng};

use super::events::CloseFrame;
use super::send::SendError;
use crate::close::{self, codes};
use crate::extensions::ExtensionChain;
use crate::frame::{self, Frame, Opcode};
use crate::mask;

pub(super) struct Writer {
    output: Vec<u8>,
    /// Mask keys, and the client's handshake key: seeded from `seed` on first use, so a server
    /// that never masks does not carry the generator's ~300-byte state (idle memory).
    rng: Option<Box<ChaCha12Rng>>,
    seed: [u8; 32],
    /// Frames get a mask key (`Config::masks_outgoing`).
    masks: bool,
    /// The key's XOR is applied (off only to test peers with unmasked payloads).
    apply_mask: bool,
    /// A fragmented message we are sending is unfinished.
    sending_fragmented: bool,
}

impl Writer {
    pub fn new(seed: [u8; 32], masks: bool, apply_mask: bool) -> Self {
        Writer { output: Vec::new(), rng: None, seed, masks, apply_mask, sending_fragmented: false }
    }

    pub fn masks(&self) -> bool {
        self.masks
    }

    pub fn rng(&mut self) -> &mut ChaCha12Rng {
        let seed = self.seed;
        self.rng.get_or_insert_with(|| Box::new(ChaCha12Rng::from_seed(seed)))
    }

    // ----- the output buffer -----

    pub fn output(&self) -> &[u8] {
        &self.output
    }
    pub fn output_mut(&mut self) -> &mut Vec<u8> {
        &mut self.output
    }

    /// Bytes written as they are (a handshake response or request).
    pub fn write_raw(&mut self, bytes: &[u8]) {
        self.output.extend_from_slice(bytes);
    }

    // ----- the fragment sequence -----

    /// A data frame with `opcode` may follow what was sent: a continuation needs a
    /// fragmented message in progress, a new message needs none.
    pub fn check_sequence(&self, opcode: Opcode) -> Result<(), SendError> {
        match (opcode, self.sending_fragmented) {
            (Opcode::Continuation, false) => Err(SendError::FragmentSequence("no fragmented message to continue")),
            (Opcode::Text | Opcode::Binary, true) => {
                Err(SendError::FragmentSequence("the previous fragmented message is not finished"))
            }
            (op, _) if op.is_control() => Err(SendError::FragmentSequence("not a data opcode")),
            _ => Ok(()),
        }
    }

    /// A fragmented message is half sent (only its continuations may follow).
    pub fn sending_fragmented(&self) -> bool {
        self.sending_fragmented
    }

    /// Records a data frame sent (or accounted for): the message is finished with `fin`.
    pub fn sent_data(&mut self, fin: bool) {
        self.sending_fragmented = !fin;
    }

    // ----- frames -----

    /// A data frame through the extensions; the caller checked the sequence.
    pub fn write_data(
        &mut self,
        extensions: &mut ExtensionChain,
        opcode: Opcode,
        data: &[u8],
        fin: bool,
    ) -> Result<(), SendError> {
        if extensions.is_empty() {
            self.write_frame(fin, 0, opcode, data);
        } else {
            let frame = Frame { fin, rsv: 0, opcode, data: data.to_vec() };
            let frame = extensions.encode(frame).map_err(SendError::Extension)?;
            self.write_frame(frame.fin, frame.rsv, frame.opcode, &frame.data);
        }
        self.sent_data(fin);
        Ok(())
    }

    /// Only the header of a data frame nothing transforms; the caller writes the payload.
    pub fn write_header_only(&mut self, opcode: Opcode, fin: bool, payload_len: u64) {
        frame::write_header(&mut self.output, fin, 0, opcode as u8, None, payload_len);
        self.sent_data(fin);
    }

    pub fn write_control(
        &mut self,
        extensions: &mut ExtensionChain,
        opcode: Opcode,
        data: &[u8],
    ) -> Result<(), SendError> {
        if extensions.is_empty() {
            self.write_frame(true, 0, opcode, data);
        } else {
            let frame = extensions.encode(Frame::new(opcode, data.to_vec())).map_err(SendError::Extension)?;
            self.write_frame(frame.fin, frame.rsv, frame.opcode, &frame.data);
        }
        Ok(())
    }

    /// A close frame with `frame`'s code and reason; returns what was sent.
    pub fn write_close(&mut self, extensions: &mut ExtensionChain, frame: CloseFrame) -> CloseFrame {
        let payload = close::close_payload(frame.code, &frame.reason);
        // An extension refusing a close frame leaves nothing to send it with; drop it.
        let _ = self.write_control(extensions, Opcode::Close, &payload);
        frame
    }

    /// A close frame without a code; returns what it stands for (1005, no reason).
    pub fn write_empty_close(&mut self, extensions: &mut ExtensionChain) -> CloseFrame {
        let _ = self.write_control(extensions, Opcode::Close, &[]);
        CloseFrame { code: codes::NO_STATUS, reason: String::new() }
    }

    fn write_frame(&mut self, fin: bool, rsv: u8, opcode: Opcode, data: &[u8]) {
        let key = self.masks.then(|| self.rng().next_u32().to_ne_bytes());
        self.output.reserve(frame::header_len(data.len() as u64, key.is_some()) + data.len());
        frame::write_header(&mut self.output, fin, rsv, opcode as u8, key, data.len() as u64);
        match key {
            Some(key) if self.apply_mask => mask::mask_into(&mut self.output, data, key, 0),
            _ => self.output.extend_from_slice(data),
        }
    }
}
