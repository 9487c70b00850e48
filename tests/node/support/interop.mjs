// Shared helpers of the interop tests (interop-*.test.mjs): test payloads, an echo server and
// a recording client built on the public API, and bounded waiting.
import { createHash } from 'node:crypto';
import {
  WebSocketServerFactory, WebSocketServerProtocol, WebSocketClientFactory, WebSocketClientProtocol,
  listenWS, connectWS,
} from '../../../pkg/node.mjs';

export const MiB = 1024 * 1024;
/** The sizes every peer is tested with; 16 MiB is the default maxMessagePayloadSize. */
export const SIZES = [0, 1, 125, 126, 65535, 65536, MiB, 16 * MiB];

/** `size` bytes of a position-dependent pattern (so a shifted or truncated echo shows). */
export function binaryPayload(size, seed = 0) {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed + (i >>> 8)) & 0xff;
  return bytes;
}

// 1-, 2-, 3- and 4-byte UTF-8 sequences: 10 bytes a unit.
const UNIT = 'aκ€𝄞';
/** A string of exactly `size` UTF-8 bytes, mostly multi-byte characters. */
export function textPayload(size) {
  const units = Math.floor(size / 10);
  return UNIT.repeat(units) + 'x'.repeat(size - units * 10);
}

// The interop tests check what goes over the wire, not timers: on a loaded 2-core machine a
// peer's reply can take longer than the 1 s default close timeouts (ours and autobahn's), so
// both sides get room. The Python peers do the same (peer_common.py).
const SERVER_TIMEOUTS = { openHandshakeTimeout: 10, closeHandshakeTimeout: 5 };
const CLIENT_TIMEOUTS = { ...SERVER_TIMEOUTS, serverConnectionDropTimeout: 5 };

/** A seeded generator of 32-bit numbers (mulberry32): the same payloads on every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `size` bytes that deflate cannot shrink (seeded). */
export function randomBytes(size, seed = 1) {
  const next = random(seed);
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = next() & 0xff;
  return bytes;
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'κόσμε', '✓'];
/**
 * About `size` bytes of JSON as applications send it (repeated keys, varying values, some
 * non-ASCII), cut to exactly `size` UTF-8 bytes at a character boundary and padded with spaces.
 */
export function jsonText(size, seed = 1) {
  const next = random(seed);
  const parts = [];
  let length = 1;
  for (let id = 0; length < size; id++) {
    const item = JSON.stringify({
      id, user: `${WORDS[next() % WORDS.length]}_${next() % 10000}`, active: (next() & 1) === 1,
      score: (next() % 100000) / 100, tags: [WORDS[next() % WORDS.length], WORDS[next() % WORDS.length]],
      updatedAt: new Date(1.7e12 + (next() % 1e9)).toISOString(),
    });
    parts.push(item);
    length += Buffer.byteLength(item) + 1;
  }
  let bytes = Buffer.from(`[${parts.join(',')}]`);
  if (bytes.length > size) {
    let end = size;
    while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // not inside a character
    bytes = bytes.subarray(0, end);
  }
  return bytes.toString('utf8') + ' '.repeat(size - bytes.length);
}

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Resolves `promise`, or rejects after `ms` with a message naming `what`. */
export function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

/**
 * Our echo server (listenWS on 127.0.0.1, a port of its own). Each connection is recorded:
 * request, subprotocol, received messages (kind, length, sha256), pongs and onClose's arguments.
 * A text message `!close CODE REASON` makes the server close with that code and reason
 * instead of echoing. `accept(request)` is the onConnect answer (default: factory protocols).
 */
export async function startEchoServer({ protocols = [], options = {}, accept } = {}) {
  const connections = [];
  const connected = [];
  class EchoProtocol extends WebSocketServerProtocol {
    record = { request: null, subprotocol: null, extensions: null, messages: [], pongs: 0, close: null, closed: deferred() };
    constructor() {
      super();
      connections.push(this.record);
      for (const w of connected.splice(0)) {
        if (w.index < connections.length) w.resolve(connections[w.index]);
        else connected.push(w);
      }
    }
    onConnect(request) {
      this.record.request = request;
      return accept ? accept(request) : null;
    }
    onOpen() {
      this.record.subprotocol = this.protocolInUse;
      this.record.extensions = this.extensionsInUse;
    }
    onMessage(payload, isBinary) {
      this.record.messages.push({ isBinary, length: payload.length, sha256: sha256(payload) });
      if (!isBinary && payload.length < 200) {
        const command = /^!close (\d+) (.*)$/s.exec(payload.toString('utf8'));
        if (command) return this.sendClose(Number(command[1]), command[2]);
      }
      this.sendMessage(payload, isBinary);
      return undefined;
    }
    onPong() {
      this.record.pongs++;
    }
    onClose(wasClean, code, reason) {
      this.record.close = { wasClean, code, reason };
      this.record.closed.resolve(this.record.close);
    }
  }
  const factory = new WebSocketServerFactory('ws://127.0.0.1:0', { protocols });
  factory.protocol = EchoProtocol;
  factory.setProtocolOptions({ ...SERVER_TIMEOUTS, ...options });
  const handle = await listenWS(factory, { host: '127.0.0.1', port: 0 });
  return {
    factory,
    handle,
    port: handle.port,
    url: `ws://127.0.0.1:${handle.port}`,
    connections,
    /** The next connection's record (or the first one, if it already came). */
    connection(index = 0) {
      if (connections[index]) return Promise.resolve(connections[index]);
      const d = deferred();
      connected.push({ index, resolve: d.resolve });
      return within(10_000, d.promise, `server connection ${index}`);
    },
    close: () => handle.close(),
  };
}

/**
 * Our client (connectWS) to `url`, recording everything in `events` in order:
 * {type:'connect', response}, {type:'open'}, {type:'message', isBinary, data}, {type:'pong', data},
 * {type:'close', wasClean, code, reason}. `next(pred)` waits for an event.
 */
export async function connectClient(url, { protocols = [], options = {}, headers = {} } = {}) {
  const events = [];
  let waiters = [];
  const notify = () => {
    waiters = waiters.filter((w) => {
      const found = events.find(w.pred);
      if (found) w.resolve(found);
      return !found;
    });
  };
  class RecordingProtocol extends WebSocketClientProtocol {
    onConnect(response) { events.push({ type: 'connect', response }); notify(); }
    onOpen() { events.push({ type: 'open', subprotocol: this.protocolInUse, extensions: this.extensionsInUse }); notify(); }
    onMessage(data, isBinary) { events.push({ type: 'message', isBinary, data }); notify(); }
    onPong(data) { events.push({ type: 'pong', data }); notify(); }
    onClose(wasClean, code, reason) { events.push({ type: 'close', wasClean, code, reason }); notify(); }
  }
  const factory = new WebSocketClientFactory(url, { protocols, headers });
  factory.protocol = RecordingProtocol;
  factory.setProtocolOptions({ ...CLIENT_TIMEOUTS, ...options });
  const connection = await connectWS(factory, { timeout: 5 });
  return {
    ...connection,
    events,
    messages: () => events.filter((e) => e.type === 'message'),
    next(pred, ms = 10_000, what = 'a client event') {
      const found = events.find(pred);
      if (found) return Promise.resolve(found);
      const d = deferred();
      waiters.push({ pred, resolve: d.resolve });
      return within(ms, d.promise, what);
    },
  };
}
