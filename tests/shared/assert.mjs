// Tiny assertions for the shared cases (no node:assert, no @std/assert: the same module runs
// under node --test and deno test without a fetch).

/** Throws `message` unless `cond` is truthy. */
export function ok(cond, message = 'assertion failed') {
  if (!cond) throw new Error(message);
}

/** Deep equality by JSON (Uint8Arrays compared as byte lists). */
export function equal(actual, expected, message = 'not equal') {
  const a = JSON.stringify(actual, bytes);
  const e = JSON.stringify(expected, bytes);
  if (a !== e) throw new Error(`${message}:\n  actual:   ${a}\n  expected: ${e}`);
}

export function match(text, pattern, message = 'no match') {
  if (!pattern.test(String(text))) throw new Error(`${message}: ${JSON.stringify(String(text))} !~ ${pattern}`);
}

/** Byte-for-byte equality of two byte arrays (without JSON for big ones). */
export function sameBytes(actual, expected, message = 'bytes differ') {
  ok(actual.length === expected.length, `${message}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) ok(actual[i] === expected[i], `${message}: first difference at byte ${i}`);
}

function bytes(_key, value) {
  return value instanceof Uint8Array ? { bytes: Array.from(value) } : value;
}
