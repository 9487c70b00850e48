// Deterministic payloads shared by the benchmarks: every child process builds byte-identical
// input from the same seed.

/** mulberry32: a tiny seeded PRNG returning u32s. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0);
  };
}

const ASCII = Buffer.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-_!?"()[]{}\n');
// 2-, 3- and 4-byte sequences; about 1 character in 16 is one of them.
const MULTI = ['é', 'ß', 'κ', 'ж', '€', '中', '→', '😀', '𝄞'].map((c) => Buffer.from(c));

/** Fills `out` with valid UTF-8 text, mostly ASCII. */
export function fillText(out, rand) {
  let i = 0;
  while (i < out.length) {
    const r = rand();
    if ((r & 15) === 0) {
      const seq = MULTI[(r >>> 4) % MULTI.length];
      if (i + seq.length <= out.length) {
        seq.copy(out, i);
        i += seq.length;
        continue;
      }
    }
    out[i++] = ASCII[(r >>> 8) % ASCII.length];
  }
}

/** Fills `out` with pseudo-random bytes. */
export function fillBinary(out, rand) {
  let i = 0;
  for (; i + 4 <= out.length; i += 4) out.writeUInt32LE(rand(), i);
  for (; i < out.length; i++) out[i] = rand() & 0xff;
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
/** JSON as an API sends it: the same keys in every record, varying values, exactly `size` bytes. */
export function jsonMessage(size, seed) {
  let x = seed * 2654435761 >>> 0;
  const next = () => { x = (x * 1103515245 + 12345) >>> 0; return x >>> 8; };
  const items = [];
  let text = '';
  for (let id = 0; ; id++) {
    items.push({
      id: seed * 1000 + id, user: `${WORDS[next() % 10]}_${next() % 100000}`, active: (next() & 1) === 1,
      score: (next() % 1000000) / 100, tags: [WORDS[next() % 10], WORDS[next() % 10]],
      updatedAt: new Date(1.7e12 + next() * 1000).toISOString(), note: next().toString(36),
    });
    const candidate = JSON.stringify({ page: seed, items });
    if (candidate.length > size) break;
    text = candidate;
  }
  return text.padEnd(size, ' ');
}
