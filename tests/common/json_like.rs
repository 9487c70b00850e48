//! Deterministic JSON-like text of a given length, for tests that want compressible messages
//! without the realism of [`super::json_feed`]. Two shapes, each kept as the tests that use it
//! were measured with.

/// Records with user names, emails and scores (the python cross-checks' corpus).
pub fn json_users(n: usize) -> Vec<u8> {
    repeat_until(n, |i| {
        format!(
            "{{\"id\":{i},\"user\":\"name{}\",\"email\":\"u{}@example.com\",\"active\":{},\"score\":{}.{}}},",
            i * 7919 % 1000,
            i % 97,
            i % 3 == 0,
            i * 31 % 100,
            i % 10
        )
    })
}

/// Shorter records with tags (the round-trip tests' messages).
pub fn json_tags(n: usize) -> Vec<u8> {
    repeat_until(n, |i| {
        format!(
            "{{\"id\":{i},\"name\":\"user{}\",\"tags\":[\"a\",\"b{}\"],\"ok\":{}}},",
            i * 7919 % 1000,
            i % 13,
            i % 3 == 0
        )
    })
}

/// Records 0, 1, 2, … concatenated and cut at `n` bytes.
fn repeat_until(n: usize, record: impl Fn(u64) -> String) -> Vec<u8> {
    let mut s = String::new();
    let mut i = 0u64;
    while s.len() < n {
        s.push_str(&record(i));
        i += 1;
    }
    s.truncate(n);
    s.into_bytes()
}
