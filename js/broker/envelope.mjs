// What a broker carries per published message, as one binary-safe byte string: a flags byte
// (bit 0 binary, bit 1 doNotCompress), the publishing factory's 16-byte origin id (so it skips
// its own messages: its local subscribers got them already), then the payload as is.

export const ORIGIN_BYTES = 16;
const HEADER = 1 + ORIGIN_BYTES;

export function newOrigin() {
  return globalThis.crypto.getRandomValues(new Uint8Array(ORIGIN_BYTES));
}

export function encodeEnvelope(origin, payload, isBinary, doNotCompress) {
  const bytes = new Uint8Array(HEADER + payload.length);
  bytes[0] = (isBinary ? 1 : 0) | (doNotCompress ? 2 : 0);
  bytes.set(origin, 1);
  bytes.set(payload, HEADER);
  return bytes;
}

/** `{ origin, payload, isBinary, doNotCompress }`, or null for bytes that are not an envelope. */
export function decodeEnvelope(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER || bytes[0] > 3) return null;
  return {
    origin: bytes.subarray(1, HEADER),
    payload: bytes.subarray(HEADER),
    isBinary: (bytes[0] & 1) !== 0,
    doNotCompress: (bytes[0] & 2) !== 0,
  };
}

export function sameOrigin(a, b) {
  for (let i = 0; i < ORIGIN_BYTES; i++) if (a[i] !== b[i]) return false;
  return true;
}
