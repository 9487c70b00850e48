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

// Freeing buffers before the garbage collector does. V8 frees an ArrayBuffer's memory only when
// it collects it, so a connection moving megabytes (a flood, 64 KiB echoes) leaves megabytes of
// dead read buffers in the C heap between collections, and glibc cannot give back what sits
// under live ones (README, Limits and safety). Detaching a buffer (`transfer(0)`) frees it at
// once, and costs less than the collector does (Node 22: 0.3-0.4 µs per 1-64 KiB buffer against
// 0.4-1.9 µs allocated and collected). Node 22+ has it; on Bun, where how the socket keeps its
// buffers is not verified, we leave them to the collector. Below 1 KiB, too: the gain is small.

/** Only arrays of at least this many bytes are freed early. */
export const FREE_NOW_FROM = 1024;
const canFreeNow = typeof ArrayBuffer.prototype.transfer === 'function' && globalThis.Bun === undefined;

/**
 * Frees `bytes`' memory now if it is all of its ArrayBuffer (a view of a shared or pooled
 * buffer is never touched; a freed one has length 0). The caller guarantees no one will read
 * it again.
 */
export function freeNow(bytes) {
  if (!canFreeNow || bytes.byteLength < FREE_NOW_FROM) return;
  const { buffer } = bytes;
  if (bytes.byteOffset === 0 && buffer.byteLength === bytes.byteLength) buffer.transfer(0);
}

// Output the core made for one connection (a compressed message, a frame copied out of wasm
// memory) is the transport's alone once handed over, unlike a payload the application passed
// (written as it is) or a prepared message's frames (shared): the transport frees it once
// written. Otherwise every reply written before the collector runs stays in the C heap, and
// under a peer that never reads glibc keeps it (the live unsent replies sit above it).

/** Only outputs of at least this many bytes are tracked. */
const OWNED_FROM = 16 * 1024;
const owned = new WeakSet();

/** Marks `bytes` as output no one else holds: the transport may free it once written. */
export function markOwned(bytes) {
  if (canFreeNow && bytes.byteLength >= OWNED_FROM) owned.add(bytes);
}

/** Takes `bytes` back from markOwned (it is about to be shared). */
export function unmarkOwned(bytes) {
  owned.delete(bytes);
}

/** Whether `bytes` was marked and the transport should free it once written. */
export const isOwned = (bytes) => bytes.byteLength >= OWNED_FROM && owned.has(bytes);
