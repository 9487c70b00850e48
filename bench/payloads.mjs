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
