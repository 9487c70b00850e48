//! permessage-deflate's decoder under a message-size budget, as `Connection` drives it
//! (src/extensions/deflate, src/extensions/per_message.rs): arbitrary negotiated parameters, then the
//! program and assertions of shared/decoder_program.rs.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use wasmsocket::extensions::deflate::{Agreement, PerMessageDeflate};
use wasmsocket::Role;

#[path = "shared/raw_message.rs"]
mod raw_message;
#[path = "shared/decoder_program.rs"]
mod decoder_program;
use decoder_program::{message_limit, run_messages, PlainSizes};

fn bits(u: &mut Unstructured) -> Result<Option<u8>> {
    Ok(if u.arbitrary()? { Some(u.int_in_range(8..=15)?) } else { None })
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
    let max = message_limit(u)?;
    run_messages(u, &mut rx, &mut tx, max, PlainSizes { run_len: 100_000, repeats: 300 }, true)
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
