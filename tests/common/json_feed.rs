//! A realistic JSON message stream for compression tests: a chat/API feed where each message
//! is a batch of events with the same keys, users from a fixed pool, ids and timestamps that
//! grow, and free text drawn from a vocabulary with a skewed (Zipf-like) frequency. Repeated
//! keys and users are what context takeover wins on; ids, times and text keep it honest.

use super::Rng;

const USERS: [&str; 24] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia",
    "peggy", "rupert", "sybil", "trent", "victor", "walter", "xena", "yusuf", "zoe", "amara", "bjorn",
];
const CHANNELS: [&str; 6] = ["general", "random", "dev-backend", "dev-frontend", "ops-alerts", "support"];
const KINDS: [&str; 4] = ["message.created", "message.updated", "reaction.added", "presence.changed"];
const EMOJI: [&str; 5] = ["thumbsup", "tada", "eyes", "heart", "rocket"];
const WORDS: [&str; 64] = [
    "the", "a", "to", "is", "it", "and", "of", "in", "we", "deploy", "build", "test", "merge", "review", "fix",
    "bug", "release", "server", "client", "latency", "error", "timeout", "cache", "queue", "socket", "frame",
    "please", "thanks", "looks", "good", "ship", "today", "tomorrow", "after", "lunch", "meeting", "branch",
    "main", "rollback", "metrics", "dashboard", "alert", "page", "oncall", "ticket", "customer", "report", "why",
    "does", "this", "fail", "again", "works", "locally", "staging", "prod", "config", "flag", "memory", "cpu",
    "spike", "graph", "check", "retry",
];

/// Generates messages of about `size` bytes (a JSON object with an `events` array, closed
/// before going over `size`), deterministically from `seed`.
pub struct JsonFeed {
    rng: Rng,
    id: u64,
    ts: u64,
}

impl JsonFeed {
    pub fn new(seed: u64) -> JsonFeed {
        JsonFeed { rng: Rng::new(seed), id: 48_213_000, ts: 1_735_689_600_000 }
    }

    /// Skewed pick: low indexes are much more frequent.
    fn zipf(&mut self, n: usize) -> usize {
        let a = self.rng.below(n) + 1;
        let b = self.rng.below(a);
        b.min(n - 1)
    }

    fn text(&mut self) -> String {
        let words = 3 + self.rng.below(18);
        let mut s = String::new();
        for i in 0..words {
            if i > 0 {
                s.push(' ');
            }
            let w = WORDS[self.zipf(WORDS.len())];
            s.push_str(w);
        }
        if self.rng.below(4) == 0 {
            s.push_str(&format!(" #{}", 1000 + self.rng.below(9000)));
        }
        s
    }

    fn event(&mut self) -> String {
        self.id += 1 + self.rng.below(5) as u64;
        self.ts += self.rng.below(4000) as u64;
        let user = self.zipf(USERS.len());
        let kind = KINDS[self.zipf(KINDS.len())];
        let channel = CHANNELS[self.zipf(CHANNELS.len())];
        let (id, ts, uid, name) = (self.id, self.ts, 1000 + user * 37, USERS[user]);
        let mut s = format!("{{\"type\":\"{kind}\",\"id\":\"msg_{id}\",\"ts\":{ts},\"channel\":\"{channel}\",");
        s.push_str(&format!(
            "\"user\":{{\"id\":{uid},\"name\":\"{name}\",\"avatar\":\"https://cdn.example.com/avatars/{uid}.png\"}}"
        ));
        match kind {
            "reaction.added" => {
                s.push_str(&format!(",\"emoji\":\"{}\",\"count\":{}", EMOJI[self.zipf(EMOJI.len())], 1 + self.rng.below(12)))
            }
            "presence.changed" => {
                s.push_str(&format!(",\"status\":\"{}\"", ["online", "away", "offline"][self.rng.below(3)]))
            }
            _ => {
                let text = self.text();
                s.push_str(&format!(",\"text\":\"{text}\",\"edited\":{},\"thread\":", kind == "message.updated"));
                if self.rng.below(3) == 0 {
                    s.push_str(&format!("\"msg_{}\"", self.id - 1 - self.rng.below(200) as u64));
                } else {
                    s.push_str("null");
                }
            }
        }
        s.push('}');
        s
    }

    /// One message: `{"seq":N,"events":[...]}` of at most `size` bytes (at least one event).
    pub fn message(&mut self, size: usize) -> Vec<u8> {
        let mut s = format!("{{\"seq\":{},\"events\":[", self.id);
        let mut first = true;
        loop {
            let e = self.event();
            if !first && s.len() + e.len() + 3 > size {
                break;
            }
            if !first {
                s.push(',');
            }
            s.push_str(&e);
            first = false;
        }
        s.push_str("]}");
        s.into_bytes()
    }
}
