// The JS half of the wasm boundary: copies bytes into and out of wasm memory and decodes the
// batched event records of src/wasm/mod.rs. It imports nothing runtime-specific, so Node, Deno and
// browsers share it; transports (sockets, timers) live in the layers above.
//
// Copies per message are counted in src/wasm/mod.rs. Here: `receive` makes copy 1 (chunk → wasm
// input) and copy 3 (message → fresh array for the application); `send*` either takes the
// header-only path (no payload copy above 16 KiB, one copy behind the header below) or copies
// into staging and back out.

import { Connection, wasmMemory } from '../wasm/wasmsocket.js';

/** Event kinds, as in src/wasm/mod.rs `kind`. */
export const Kind = Object.freeze({
  TEXT: 1, BINARY: 2, FRAME: 3, PING: 4, PONG: 5, CLOSE: 6,
  REQUEST: 7, HTTP_REQUEST: 8, REJECTED: 9, OPEN: 10, HANDSHAKE_FAILED: 11,
});

export const Opcode = Object.freeze({ CONTINUATION: 0, TEXT: 1, BINARY: 2 });

/** Bits of `core.status()`, as in src/wasm/mod.rs `status`. */
export const Status = Object.freeze({
  OUTPUT_PENDING: 1, CLOSE_EXPECTED: 2, CLOSE_TRANSPORT: 4, CLOSE_SENT: 8,
  CLOSE_RECEIVED: 16, FAILED: 32, WAS_CLEAN: 64, HELD: 128,
});

const RECORD = 4;
// Payloads up to this size are copied behind their header into one buffer (one write);
// larger ones go as [header, payload] without a copy.
const MERGE_LIMIT = 16 * 1024;
const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

// Views on wasm memory, rebuilt only when the memory grows (growth detaches old views).
// Fetching them through wasmMemory() on every call cost a fifth of small-message time.
let memory = null;
let memoryBuffer = null;
let memoryU8 = null;
let memoryU32 = null;

function memoryBytes() {
  memory ??= wasmMemory();
  if (memory.buffer !== memoryBuffer) {
    memoryBuffer = memory.buffer;
    memoryU8 = new Uint8Array(memoryBuffer);
    memoryU32 = new Uint32Array(memoryBuffer);
  }
  return memoryU8;
}

function memoryWords() {
  memoryBytes();
  return memoryU32;
}

function randomSeed() {
  return globalThis.crypto.getRandomValues(new Uint8Array(32));
}

/**
 * One connection's core. `alloc(len)` makes the arrays handed to the application (Node passes
 * `Buffer.allocUnsafe` for its pooled allocation; the default is a plain Uint8Array).
 */
export class Wire {
  #headerOnly = undefined;
  constructor(role, options = {}, { open = false, alloc = (n) => new Uint8Array(n) } = {}) {
    this.core = open ? Connection.newOpen(role, options, randomSeed()) : new Connection(role, options, randomSeed());
    this.alloc = alloc;
    // Messages longer than this must go through the core, which splits them (0: never).
    this.autoFragmentSize = options.autoFragmentSize ?? 0;
  }

  /** Feeds bytes read from the transport; returns the decoded events. */
  receive(chunk) {
    const ptr = this.core.inputSpace(chunk.length);
    memoryBytes().set(chunk, ptr);
    return this.#events(this.core.commitInput(chunk.length));
  }

  receiveEof() {
    return this.#events(this.core.receiveEof());
  }

  /** After the caller handled a batch: what was held behind it (a close, a failure) now happens. */
  resume() {
    return this.#events(this.core.resume());
  }

  /** Server: accepts the pending request; returns events of frames pipelined behind it. */
  accept(accept = {}) {
    return this.#events(this.core.accept(accept));
  }

  #events(count) {
    if (count === 0) return [];
    // Records are u32-aligned (a Vec<u32> in wasm memory); read them all before any call
    // (eventDetail) that could grow the memory.
    const words = memoryWords();
    const base = this.core.eventsPtr() >>> 2;
    const records = words.slice(base, base + count * RECORD);
    const events = new Array(count);
    for (let i = 0, at = 0; i < count; i++, at += RECORD) {
      events[i] = this.#event(i, records[at], records[at + 1], records[at + 2], records[at + 3]);
    }
    // Everything is copied out: the core may free the payloads now rather than at the next input.
    this.core.releaseEvents();
    return events;
  }

  #copyOut(ptr, len) {
    const out = this.alloc(len);
    out.set(memoryBytes().subarray(ptr, ptr + len));
    return out;
  }

  #event(index, kind, flags, ptr, len) {
    switch (kind) {
      case Kind.TEXT: return { type: 'text', data: this.#copyOut(ptr, len) };
      case Kind.BINARY: return { type: 'binary', data: this.#copyOut(ptr, len) };
      case Kind.FRAME:
        return { type: 'frame', fin: (flags & 1) === 1, rsv: (flags >> 1) & 7, opcode: flags >> 4, data: this.#copyOut(ptr, len) };
      case Kind.PING: return { type: 'ping', data: this.#copyOut(ptr, len) };
      case Kind.PONG: return { type: 'pong', data: this.#copyOut(ptr, len) };
      case Kind.CLOSE: return { type: 'close', code: flags, reason: textDecoder.decode(memoryBytes().subarray(ptr, ptr + len)) };
      case Kind.REQUEST: return { type: 'request', request: this.core.eventDetail(index) };
      case Kind.HTTP_REQUEST: return { type: 'http-request', request: this.core.eventDetail(index) };
      case Kind.REJECTED: return { type: 'rejected', error: this.core.eventDetail(index) };
      case Kind.OPEN: return { type: 'open', response: this.core.eventDetail(index) };
      case Kind.HANDSHAKE_FAILED: return { type: 'handshake-failed', error: this.core.eventDetail(index) };
      default: throw new Error(`unknown event kind ${kind}`);
    }
  }

  /** Bytes the core wants written, copied out (null when there are none). */
  takeOutput() {
    const len = this.core.outputLen();
    if (len === 0) return null;
    const out = this.#copyOut(this.core.outputPtr(), len);
    this.core.clearOutput();
    return out;
  }

  /**
   * Sends a message; returns the chunks to write, in order. A string is encoded straight
   * into wasm memory. Unmasked, unextended binary data skips wasm entirely (header only).
   */
  sendMessage(payload, isBinary) {
    // Header-only applies to unmasked, unextended frames; that never changes once open.
    this.#headerOnly ??= this.core.canSendHeaderOnly();
    const fragments = this.autoFragmentSize > 0 && payload.length > this.autoFragmentSize;
    if (typeof payload !== 'string' && !fragments && this.#headerOnly && this.core.outputLen() === 0) {
      this.core.sendHeaderOnly(isBinary ? Opcode.BINARY : Opcode.TEXT, true, payload.length);
      if (payload.length > MERGE_LIMIT) return [this.takeOutput(), payload];
      // Small: header and payload in one buffer, one socket write.
      const headerLen = this.core.outputLen();
      const out = this.alloc(headerLen + payload.length);
      const at = this.core.outputPtr();
      out.set(memoryBytes().subarray(at, at + headerLen));
      out.set(payload, headerLen);
      this.core.clearOutput();
      return [out];
    }
    const len = this.#stage(payload);
    this.core.sendMessage(isBinary, len);
    return [this.takeOutput()];
  }

  /** One frame of a streamed message (opcode 0 continues, 1 text, 2 binary). */
  sendFrame(opcode, payload, fin) {
    const len = this.#stage(payload);
    this.core.sendFrame(opcode, fin, len);
    return [this.takeOutput()];
  }

  #stage(payload) {
    if (typeof payload === 'string') {
      // UTF-8 needs at most 3 bytes per UTF-16 unit.
      const ptr = this.core.stagingSpace(payload.length * 3);
      const { written } = textEncoder.encodeInto(payload, memoryBytes().subarray(ptr, ptr + payload.length * 3));
      return written;
    }
    const ptr = this.core.stagingSpace(payload.length);
    memoryBytes().set(payload, ptr);
    return payload.length;
  }
}
