// The JS half of the wasm boundary: copies bytes into and out of wasm memory and decodes what
// each core call left behind the call header (src/wasm/batch.rs): the status bits, the bytes
// to write and the event records. It never polls the core: one crossing per call that does
// work. It imports nothing runtime-specific, so Node, Deno and browsers share it; transports
// (sockets, timers) live in the layers above.
//
// Copies per message are counted in src/wasm/mod.rs. Here: `receive` makes copy 1 (chunk → wasm
// input) and copy 3 (message → fresh array for the application); `send*` either takes the
// header-only path (no payload copy above 16 KiB, one copy behind the header below) or copies
// into staging and back out.
//
// A trap (a Rust panic aborts: WebAssembly.RuntimeError) is caught here, around every core
// call, and handed to js/trap.mjs, which fails every connection of the process. A try/catch
// costs nothing while nothing throws; the one extra check per call is `coreTrapped !== null`.
// Once trapped, no Wire calls into the core again: each method below answers as a closed
// connection would (no events, no output) or throws CoreTrappedError.

import { Connection, wasmMemory, constants, headerPtr, eventDetail, stagingSpace, pmceCheck, pmceParse } from '../wasm/wasmsocket.js';
import { coreTrapped, coreFailed, CoreTrappedError, TRAP_CLOSE_CODE, TRAP_REASON } from './trap.mjs';
import { concat, markOwned, unmarkOwned } from './bytes.mjs';

// The numbers shared with the core live in Rust (src/wasm/constants.rs); `bindCore` fills
// these once the wasm module is instantiated (each package entry calls it right after).
/** Event kinds of the core's records. */
export const Kind = {};
/** Bits of the status every core call returns; the connection's state is `(status >> STATE_SHIFT) & STATE_MASK`. */
export const Status = {};
/** Data opcodes for `sendFrame`. */
export const Opcode = {};
const Layout = {};
let headerWord = -1;

/** Reads the shared numbers from the core. Idempotent; the package entries call it after loading the wasm. */
export function bindCore() {
  if (headerWord >= 0) return;
  const shared = constants();
  for (const [target, source] of [[Kind, shared.kind], [Status, shared.status], [Opcode, shared.opcode], [Layout, shared.layout]]) {
    Object.assign(target, source);
    Object.freeze(target);
  }
  headerWord = headerPtr() >>> 2;
}

/** The core's permessage-* parse rules (js/extensions/pmce.mjs), behind the trap guard. */
export function corePmceParse(name, what, params) {
  if (coreTrapped !== null) throw new CoreTrappedError(coreTrapped);
  try {
    return pmceParse(name, what, params);
  } catch (error) {
    throw coreFailed(error);
  }
}

/** The core's permessage-* accept checks (js/extensions/pmce.mjs), behind the trap guard. */
export function corePmceCheck(name, what, base, accept) {
  if (coreTrapped !== null) throw new CoreTrappedError(coreTrapped);
  try {
    pmceCheck(name, what, base, accept);
  } catch (error) {
    throw coreFailed(error);
  }
}

// Payloads up to this size are copied behind their header into one buffer (one write);
// larger ones go as [header, payload] without a copy. Above 2 KiB the copy costs more than a
// second chunk in the write (bench/README.md, "Issue 10's targets" ¹¹: a 4 KiB echo 20% faster
// on Node and Deno), and the merged buffer would be one more allocation per message left to
// the collector (an idle connection's RSS on Node 22: 7.3 KiB merged up to 16 KiB, 2.8-5.6 now).
const MERGE_LIMIT = 2 * 1024;
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

// Connection seeds (32 bytes each, never reused) cut from one 4 KiB draw of the CSPRNG:
// getRandomValues costs about as much for 4 KiB as for 32 bytes, and a server pays it per
// connection.
const SEED_POOL = new Uint8Array(4096);
let seedAt = SEED_POOL.length;

function randomSeed() {
  if (seedAt === SEED_POOL.length) {
    globalThis.crypto.getRandomValues(SEED_POOL);
    seedAt = 0;
  }
  seedAt += 32;
  return SEED_POOL.slice(seedAt - 32, seedAt);
}

/**
 * One string object per shared output key: each recipient compares its key with the message's
 * (js/prepared.mjs), and the same object compares without reading the characters.
 */
const sharedKeys = new Map();
function internKey(key) {
  if (key === null || key === undefined) return null;
  let same = sharedKeys.get(key);
  if (same === undefined) sharedKeys.set(key, same = key);
  return same;
}

/**
 * One connection's core. `alloc(len)` makes the arrays handed to the application (Node passes
 * `Buffer.allocUnsafe` for its pooled allocation; the default is a plain Uint8Array).
 *
 * Every call that produces output queues it here, in order; `takeChunks()` (or `takeOutput()`)
 * hands it to the transport. `status` holds the status bits of the last call.
 */
export class Wire {
  /** Status bits of the core after the last call (`Status`). */
  status = 0;
  #out = [];

  /**
   * Whether the transport frees this connection's large outputs once written (js/bytes.mjs):
   * a server's are its compressed replies (a large uncompressed one goes out as the
   * application's payload behind a header), where the compression costs far more than the
   * free. A client masks a copy of every payload, and freeing each of those cost a 64 KiB
   * sender 30 % more CPU, glibc handing memory back and faulting it in again (bench/README).
   */
  #freesOutput;

  constructor(role, options = {}, { open = false, alloc = (n) => new Uint8Array(n) } = {}) {
    this.#freesOutput = role === 'server';
    if (coreTrapped !== null) throw new CoreTrappedError(coreTrapped);
    try {
      bindCore();
      this.core = open ? Connection.newOpen(role, options, randomSeed()) : new Connection(role, options, randomSeed());
      this.status = this.core.status();
    } catch (error) {
      throw coreFailed(error);
    }
    this.alloc = alloc;
    // Messages longer than this must go through the core, which splits them (0: never).
    this.autoFragmentSize = options.autoFragmentSize ?? 0;
  }

  /** The core's state: 0 connecting, 1 open, 2 closing, 3 closed (autobahn's numbers). */
  get state() {
    return (this.status >>> Status.STATE_SHIFT) & Status.STATE_MASK;
  }

  // ----- input -----

  /** Feeds bytes read from the transport; returns the decoded events. */
  receive(chunk) {
    if (coreTrapped !== null) return this.#dead();
    try {
      const ptr = this.core.inputSpace(chunk.length);
      memoryBytes().set(chunk, ptr);
      this.core.commitInput(chunk.length);
      return this.#collect();
    } catch (error) {
      throw coreFailed(error);
    }
  }

  receiveEof() {
    if (coreTrapped !== null) return this.#dead();
    try {
      this.core.receiveEof();
      return this.#collect();
    } catch (error) {
      throw coreFailed(error);
    }
  }

  /** After the caller handled a batch: what was held behind it (a close, a failure) now happens. */
  resume() {
    if (coreTrapped !== null) return this.#dead();
    if (!(this.status & Status.HELD)) return [];
    try {
      this.core.resume();
      return this.#collect();
    } catch (error) {
      throw coreFailed(error);
    }
  }

  // ----- handshake -----

  /** The extension factories to negotiate with (`src/wasm/extensions/mod.rs`). */
  setExtensions(specs) {
    this.#live();
    try {
      this.core.setExtensions(specs);
    } catch (error) {
      throw coreFailed(error);
    }
  }

  /** Server: accepts the pending request; returns events of frames pipelined behind it. */
  accept(accept = {}) {
    this.#live();
    try {
      this.core.accept(accept);
      return this.#collect();
    } catch (error) {
      throw coreFailed(error);
    }
  }

  /** Server: refuses the pending request with a 4xx/5xx status. */
  reject(status, reason, headers = undefined) {
    this.#live();
    try {
      this.core.reject(status, reason, headers);
      this.#collect();
    } catch (error) {
      throw coreFailed(error);
    }
  }

  /** Server: answers a plain HTTP request. */
  respondHttp(status, headers, body) {
    this.#live();
    try {
      this.core.respondHttp(status, headers, body);
      this.#collect();
    } catch (error) {
      throw coreFailed(error);
    }
  }

  /** Client: queues the opening request. */
  connect(request) {
    this.#live();
    try {
      this.core.connect(request);
      this.#collect();
    } catch (error) {
      throw coreFailed(error);
    }
  }

  // ----- output -----

  /** The chunks to write, in order (an empty array when there are none). */
  takeChunks() {
    if (coreTrapped !== null) return this.#dead();
    const out = this.#out;
    if (out.length === 0) return out;
    this.#out = [];
    return out;
  }

  /** Bytes the core wants written, as one array (null when there are none). */
  takeOutput() {
    const out = this.takeChunks();
    if (out.length <= 1) return out[0] ?? null;
    return concat(out, this.alloc);
  }

  /**
   * Sends a message; returns the chunks to write, in order (with anything queued before it).
   * A string is encoded straight into wasm memory. Unmasked, unextended binary data skips
   * wasm entirely (header only).
   */
  sendMessage(payload, isBinary, doNotCompress = false) {
    this.#live();
    const fragments = this.autoFragmentSize > 0 && payload.length > this.autoFragmentSize;
    try {
      if (typeof payload !== 'string' && !fragments && this.status & Status.HEADER_ONLY) {
        this.#sendHeaderOnly(isBinary ? Opcode.BINARY : Opcode.TEXT, payload);
      } else {
        const len = this.#stage(payload);
        this.core.sendMessage(isBinary, len, doNotCompress);
        this.#collect();
      }
    } catch (error) {
      throw coreFailed(error);
    }
    return this.takeChunks();
  }

  /**
   * Sends a PreparedMessage (js/prepared.mjs); returns the chunks to write. The first
   * connection of a kind (the core's sharedOutputKey) frames it and leaves the frames on the
   * message; the others of that kind write those frames after one core call that checks the
   * send is allowed. Connections that cannot share frame it as sendMessage does.
   */
  sendPrepared(prepared) {
    this.#live();
    const { payload, isBinary, doNotCompress } = prepared;
    // The key holds for the connection's life once open; none is remembered (it is also none
    // within a fragmented message).
    let key;
    try {
      key = doNotCompress
        ? (this.#sharedKeyUncompressed ??= internKey(this.core.sharedOutputKey(true)))
        : (this.#sharedKey ??= internKey(this.core.sharedOutputKey(false)));
    } catch (error) {
      throw coreFailed(error);
    }
    if (key === null) {
      prepared.ownFramings++;
      return this.sendMessage(payload, isBinary, doNotCompress);
    }
    const frames = prepared._framesFor(key);
    if (frames === undefined) {
      // Only this message's frames are kept: output queued before it stays in front of them.
      const queued = this.#out.length;
      const made = this.sendMessage(payload, isBinary, doNotCompress);
      const own = made.slice(queued);
      const built = own.length === 1 ? own[0] : concat(own, this.alloc);
      // Shared from now on: no transport may free it.
      unmarkOwned(built);
      prepared._remember(key, built);
      made.length = queued;
      made.push(built);
      return made;
    }
    // The core's status says whether a message may start now; only when it may not does the
    // core get the call, which then throws the reason (not open, close sent, fragmented send).
    if (!(this.status & Status.MESSAGE_START)) {
      try {
        this.core.sendPrepared(isBinary ? Opcode.BINARY : Opcode.TEXT, (frames[0] >> 4) & 7);
        this.#collect();
      } catch (error) {
        throw coreFailed(error);
      }
    }
    this.#out.push(frames);
    return this.takeChunks();
  }

  /** sharedOutputKey(false) and (true) once known (a null answer is asked again next time). */
  #sharedKey = undefined;
  #sharedKeyUncompressed = undefined;

  /**
   * sendPrepared's common case without a call or an array: the frames to write when this
   * connection may start a message now, nothing is queued before it, and the message has
   * frames of its kind already; else undefined (then sendPrepared).
   */
  sharedFrames(prepared) {
    if (coreTrapped !== null || !(this.status & Status.MESSAGE_START) || this.#out.length !== 0) return undefined;
    const key = prepared.doNotCompress ? this.#sharedKeyUncompressed : this.#sharedKey;
    return key == null ? undefined : prepared._framesFor(key);
  }

  /** One frame of a streamed message (opcode 0 continues, 1 text, 2 binary); returns the chunks to write. */
  sendFrame(opcode, payload, fin, doNotCompress = false) {
    this.#live();
    try {
      const len = this.#stage(payload);
      this.core.sendFrame(opcode, fin, len, doNotCompress);
      this.#collect();
    } catch (error) {
      throw coreFailed(error);
    }
    return this.takeChunks();
  }

  sendPing(payload) {
    this.#live();
    try {
      this.core.sendPing(payload);
      this.#collect();
    } catch (error) {
      throw coreFailed(error);
    }
  }

  sendPong(payload) {
    this.#live();
    try {
      this.core.sendPong(payload);
      this.#collect();
    } catch (error) {
      throw coreFailed(error);
    }
  }

  /** Starts the closing handshake (`code` undefined: a close frame without a code). After a trap: nothing (closed already). */
  sendClose(code, reason = '') {
    if (coreTrapped !== null) return void this.#dead();
    try {
      this.core.sendClose(code, reason);
      this.#collect();
    } catch (error) {
      throw coreFailed(error);
    }
  }

  /** Fails the connection from the I/O layer (e.g. 1011 after an internal error). After a trap: nothing (failed already). */
  fail(code, reason) {
    if (coreTrapped !== null) return void this.#dead();
    try {
      this.core.fail(code, reason);
      this.#collect();
    } catch (error) {
      throw coreFailed(error);
    }
  }

  // ----- what is asked once per connection -----

  /** `[wasClean, code, reason]` as the core knows them: the peer's close, or our failure. */
  closeStatus() {
    if (coreTrapped !== null) {
      this.#dead();
      return [false, TRAP_CLOSE_CODE, TRAP_REASON];
    }
    try {
      if (this.status & Status.WAS_CLEAN) return [true, this.core.closeReceivedCode(), this.core.closeReceivedReason()];
      if (this.status & Status.FAILED) return [false, this.core.failureCode(), this.core.failureReason()];
    } catch (error) {
      throw coreFailed(error);
    }
    return null;
  }

  /** Both close frames and our failure; a failure's `errorCode` names its kind (`WS_ERR_*`, README "Errors"). */
  closeInfo() {
    if (coreTrapped !== null) {
      return { wasClean: false, sent: null, received: null, failure: { code: TRAP_CLOSE_CODE, reason: TRAP_REASON, errorCode: 'WS_ERR_CORE_TRAPPED' } };
    }
    try {
      return this.core.closeInfo();
    } catch (error) {
      throw coreFailed(error);
    }
  }

  subprotocol() {
    if (coreTrapped !== null) return null;
    try {
      return this.core.subprotocol() ?? null;
    } catch (error) {
      throw coreFailed(error);
    }
  }

  extensions() {
    if (coreTrapped !== null) return [];
    try {
      return this.core.extensions() ?? [];
    } catch (error) {
      throw coreFailed(error);
    }
  }

  /** Client, once open: autobahn's ResponseAccept `accept` (its fields) for compression `name`. */
  acceptResponse(name, accept) {
    this.#live();
    try {
      this.core.acceptResponse(name, accept);
    } catch (error) {
      throw coreFailed(error);
    }
  }

  // ----- after a trap (js/trap.mjs) -----

  /**
   * The core trapped: from now on this Wire reads as a failed, closed connection and makes no
   * core call. Returns whether our 1011 close frame should still go out (the opening handshake
   * completed and no close frame was sent). Reads only the status of the last call.
   */
  _trapped() {
    const before = this.status;
    this.#dead();
    const state = (before >>> Status.STATE_SHIFT) & Status.STATE_MASK;
    return (state === 1 || state === 2) && !(before & Status.CLOSE_SENT);
  }

  /** Marks this Wire closed and failed, drops queued output; returns no events. */
  #dead() {
    this.status = Status.FAILED | (3 << Status.STATE_SHIFT);
    this.#out = [];
    return this.#out;
  }

  /** Sends and handshake calls after a trap throw. */
  #live() {
    if (coreTrapped !== null) {
      this.#dead();
      throw new CoreTrappedError(coreTrapped);
    }
  }

  // ----- reading what a call left -----

  /** After a call that succeeded: status, output (queued) and events (decoded), from the header. */
  #collect() {
    const words = memoryWords();
    const status = words[headerWord + Layout.STATUS];
    this.status = status;
    if (status & Status.OUTPUT) {
      const output = this.#copyOut(words[headerWord + Layout.OUTPUT_PTR], words[headerWord + Layout.OUTPUT_LEN]);
      if (this.#freesOutput) markOwned(output);
      this.#out.push(output);
    }
    if (!(status & Status.EVENTS)) return [];
    return this.#events(words[headerWord + Layout.RECORDS_PTR], words[headerWord + Layout.EVENT_COUNT]);
  }

  #sendHeaderOnly(opcode, payload) {
    this.core.sendHeaderOnly(opcode, true, payload.length);
    const words = memoryWords();
    this.status = words[headerWord + Layout.STATUS];
    const at = words[headerWord + Layout.OUTPUT_PTR];
    const headerLen = words[headerWord + Layout.OUTPUT_LEN];
    if (payload.length > MERGE_LIMIT) {
      this.#out.push(this.#copyOut(at, headerLen), payload);
      return;
    }
    // Small: header and payload in one buffer, one socket write.
    const out = this.alloc(headerLen + payload.length);
    out.set(memoryBytes().subarray(at, at + headerLen));
    out.set(payload, headerLen);
    this.#out.push(out);
  }

  #events(recordsPtr, count) {
    const recordWords = Layout.RECORD_WORDS;
    // Read every record before any call (eventDetail) that could grow the memory.
    const base = recordsPtr >>> 2;
    const records = memoryWords().slice(base, base + count * recordWords);
    const events = new Array(count);
    for (let i = 0, at = 0; i < count; i++, at += recordWords) {
      events[i] = this.#event(i, records[at], records[at + 1], records[at + 2], records[at + 3]);
    }
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
      case Kind.REQUEST: return { type: 'request', request: eventDetail(index) };
      case Kind.HTTP_REQUEST: return { type: 'http-request', request: eventDetail(index) };
      case Kind.REJECTED: return { type: 'rejected', error: eventDetail(index) };
      case Kind.OPEN: return { type: 'open', response: eventDetail(index) };
      case Kind.HANDSHAKE_FAILED: return { type: 'handshake-failed', error: eventDetail(index) };
      default: throw new Error(`unknown event kind ${kind}`);
    }
  }

  #stage(payload) {
    if (typeof payload === 'string') {
      // UTF-8 needs at most 3 bytes per UTF-16 unit.
      const ptr = stagingSpace(payload.length * 3);
      const { written } = textEncoder.encodeInto(payload, memoryBytes().subarray(ptr, ptr + payload.length * 3));
      return written;
    }
    const ptr = stagingSpace(payload.length);
    memoryBytes().set(payload, ptr);
    return payload.length;
  }
}
