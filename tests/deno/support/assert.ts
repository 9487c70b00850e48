// Tiny assertions, so the Deno suites need no network fetch of @std/assert.
export function assert(cond: unknown, msg = 'assertion failed'): asserts cond {
  if (!cond) throw new Error(msg);
}

export function assertEquals(actual: unknown, expected: unknown, msg?: string) {
  const a = JSON.stringify(actual, replacer), e = JSON.stringify(expected, replacer);
  if (a !== e) throw new Error(`${msg ?? 'not equal'}:\n  actual:   ${a}\n  expected: ${e}`);
}

function replacer(_key: string, value: unknown) {
  return value instanceof Uint8Array ? { bytes: Array.from(value) } : value;
}
