// Payloads the send methods take, as bytes.

const textEncoder = new TextEncoder();

/** A payload as bytes (strings as UTF-8). */
export function toBytes(payload, what) {
  if (payload === null || payload === undefined) return new Uint8Array(0);
  if (typeof payload === 'string') return textEncoder.encode(payload);
  if (payload instanceof Uint8Array) return payload;
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (ArrayBuffer.isView(payload)) return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  throw new TypeError(`${what} must be a Uint8Array, Buffer, ArrayBuffer or string, got ${typeof payload}`);
}

/**
 * The first `count` of `chunks` joined into one array made by `alloc(total)` (`total`: their
 * length in all, when the caller knows it).
 */
export function concat(chunks, alloc, count = chunks.length, total = undefined) {
  let length = total;
  if (length === undefined) {
    length = 0;
    for (let i = 0; i < count; i++) length += chunks[i].length;
  }
  const merged = alloc(length);
  let at = 0;
  for (let i = 0; i < count; i++) {
    merged.set(chunks[i], at);
    at += chunks[i].length;
  }
  return merged;
}

