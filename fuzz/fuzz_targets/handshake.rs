//! Both roles of the opening handshake, end to end through the pure functions of
//! src/handshake: a client request built from fuzzed fields is parsed by the server, the
//! server's 101 response (a subprotocol and extensions picked from the offer) is checked by
//! the client; then the rest of the input is read as a raw response against the real key,
//! and the built request/response are read again with a fuzzed byte changed and cut into
//! chunks for the head scanner. Asserts: a request build_request accepts (from well-formed
//! fields) parses back to the same host, resource, key, subprotocols and offers; a response
//! accept_response builds is accepted by parse_response with the same subprotocol and
//! extensions; the chunked head scanner finds the same head end as a one-shot scan; and nothing
//! panics.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use wasmsocket::handshake::client::{self, ClientRequest};
use wasmsocket::handshake::head::HeadScanner;
use wasmsocket::handshake::{format_extensions, server, ExtensionOffer};

const TCHARS: &[u8] = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Characters a well-formed request-target or host may hold (no space, no control).
const WORD: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-._~/?=&%:[]@";

/// A byte string whose length comes first (front-to-back decoding keeps seeds easy to write).
fn blob<'a>(u: &mut Unstructured<'a>, max: usize) -> Result<&'a [u8]> {
    let len = u.int_in_range(0..=max)?.min(u.len());
    u.bytes(len)
}

fn from(u: &mut Unstructured, alphabet: &[u8], max: usize) -> Result<String> {
    let len = u.int_in_range(1..=max)?;
    let mut s = String::new();
    for _ in 0..len {
        s.push(*u.choose(alphabet)? as char);
    }
    Ok(s)
}

/// A string that is well-formed for its field (nice) or anything at all.
fn field(u: &mut Unstructured, nice: bool, alphabet: &[u8], max: usize) -> Result<String> {
    if nice {
        from(u, alphabet, max)
    } else {
        Ok(String::from_utf8_lossy(blob(u, 255)?).into_owned())
    }
}

fn offers(u: &mut Unstructured, nice: bool) -> Result<Vec<ExtensionOffer>> {
    let mut offers = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        let name = if u.arbitrary()? {
            u.choose(&["permessage-deflate", "permessage-bzip2", "x-webkit-deflate-frame"])?.to_string()
        } else {
            field(u, nice, TCHARS, 12)?
        };
        let mut params = Vec::new();
        for _ in 0..u.int_in_range(0..=3)? {
            let pname = field(u, nice, TCHARS, 24)?;
            let value = if u.arbitrary()? { Some(field(u, nice, TCHARS, 4)?) } else { None };
            params.push((pname, value));
        }
        offers.push(ExtensionOffer { name, params });
    }
    Ok(offers)
}

fn scan_chunked(u: &mut Unstructured, bytes: &[u8], max: usize) -> Result<()> {
    let whole = HeadScanner::new(max).scan(bytes);
    let mut scanner = HeadScanner::new(max);
    let mut end = 0;
    let mut found = Ok(None);
    while end < bytes.len() {
        end = (end + u.int_in_range(1..=64)?).min(bytes.len());
        found = scanner.scan(&bytes[..end]);
        if !matches!(found, Ok(None)) {
            break;
        }
    }
    assert_eq!(whole, found, "one-shot and chunked scans disagree (max {max})");
    Ok(())
}

fn run(u: &mut Unstructured) -> Result<()> {
    let nice: bool = u.arbitrary()?;
    let request = ClientRequest {
        host: field(u, nice, b"abcdefghijklmnopqrstuvwxyz0123456789-.", 20)?,
        port: u.arbitrary()?,
        secure: u.arbitrary()?,
        resource: if u.arbitrary()? { String::new() } else { format!("/{}", field(u, nice, WORD, 30)?) },
        origin: if u.arbitrary()? { Some(field(u, nice, WORD, 30)?) } else { None },
        protocols: (0..u.int_in_range(0..=3)?).map(|_| field(u, nice, TCHARS, 10)).collect::<Result<_>>()?,
        extensions: offers(u, nice)?,
        headers: if u.arbitrary()? { vec![(format!("X-{}", field(u, nice, TCHARS, 8)?), field(u, nice, WORD, 20)?)] } else { Vec::new() },
        user_agent: if u.arbitrary()? { Some(field(u, nice, WORD, 20)?) } else { None },
    };
    let key = client::generate_key(u.arbitrary()?);
    let Ok(head) = client::build_request(&request, &key) else { return Ok(()) };
    let parsed = server::parse_request(&head, 100);
    let req = match parsed {
        Ok(req) => req,
        Err(e) => {
            assert!(!nice, "a well-formed request was refused: {e:?}\n{}", String::from_utf8_lossy(&head));
            return Ok(());
        }
    };
    assert!(req.is_upgrade);
    assert_eq!(req.key, key);
    assert_eq!(req.protocols, request.protocols);
    assert_eq!(req.extensions, request.extensions);
    if nice {
        assert_eq!(req.target, if request.resource.is_empty() { "/" } else { &request.resource });
        assert!(req.host.starts_with(&request.host));
        assert_eq!(req.origin, request.origin);
    }

    // The server picks a subprotocol and some of the offers; the client must accept its answer.
    let protocol = if req.protocols.is_empty() || u.arbitrary()? { None } else { Some(u.choose(&req.protocols)?.clone()) };
    let mut chosen: Vec<ExtensionOffer> = Vec::new();
    for offer in &req.extensions {
        if u.arbitrary()? && !chosen.iter().any(|c| c.name == offer.name) {
            chosen.push(offer.clone());
        }
    }
    let header = (!chosen.is_empty()).then(|| format_extensions(&chosen));
    let response = server::accept_response(&req.key, protocol.as_deref(), header.as_deref(), &[])
        .unwrap_or_else(|e| panic!("accept_response refused what the request offered: {e}"));
    let offered: Vec<String> = request.extensions.iter().map(|e| e.name.clone()).collect();
    match client::parse_response(&response, &key, &request.protocols, &offered, 100) {
        Ok(r) => {
            assert_eq!(r.status, 101);
            assert_eq!(r.protocol, protocol);
            assert_eq!(r.extensions, chosen);
        }
        Err(e) => panic!("the client refused the server's answer: {e:?}\n{}", String::from_utf8_lossy(&response)),
    }
    // A wrong key is refused.
    let other = client::generate_key([0xA5; 16]);
    if other != key {
        assert!(client::parse_response(&response, &other, &request.protocols, &offered, 100).is_err());
    }

    // Damaged copies: one byte changed (never a panic; a scan finds the same end in chunks).
    for bytes in [&head, &response] {
        let mut damaged = bytes.clone();
        let at = u.choose_index(damaged.len())?;
        damaged[at] = u.arbitrary()?;
        let _ = server::parse_request(&damaged, 100);
        let _ = client::parse_response(&damaged, &key, &request.protocols, &offered, 100);
        let max = u.int_in_range(0..=bytes.len() + 4)?;
        scan_chunked(u, &damaged, max)?;
    }
    // The rest of the input as a raw response to our request.
    let raw = blob(u, 4095)?;
    let _ = client::parse_response(raw, &key, &request.protocols, &offered, u.int_in_range(0..=100)?);
    scan_chunked(u, raw, 1024)?;
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
