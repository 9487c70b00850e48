//! permessage-bzip2's decoder under a message-size budget, as `Connection` drives it
//! (src/extensions/bzip2, src/extensions/per_message.rs): arbitrary negotiated parameters, then the
//! program and assertions of shared/decoder_program.rs.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use wasmsocket::extensions::bzip2::{Agreement, PerMessageBzip2};
use wasmsocket::Role;

#[path = "shared/raw_message.rs"]
mod raw_message;
#[path = "shared/decoder_program.rs"]
mod decoder_program;
use decoder_program::{message_limit, run_messages, PlainSizes};

fn cap(u: &mut Unstructured) -> Result<Option<u8>> {
    Ok(if u.arbitrary()? { Some(u.int_in_range(1..=9)?) } else { None })
}

fn run(u: &mut Unstructured) -> Result<()> {
    let agreement = Agreement { server_max_compress_level: cap(u)?, client_max_compress_level: cap(u)? };
    let role = if u.arbitrary()? { Role::Server } else { Role::Client };
    let peer = if role == Role::Server { Role::Client } else { Role::Server };
    let level = u.int_in_range(1..=9)?;
    let mut rx = PerMessageBzip2::new(role, agreement, 9, u.arbitrary()?);
    let mut tx = PerMessageBzip2::new(peer, agreement, level, false);
    let max = message_limit(u)?;
    // bzip2 carries nothing from one message to the next: every encoded message must decode.
    run_messages(u, &mut rx, &mut tx, max, PlainSizes { run_len: 20_000, repeats: 200 }, false)
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
