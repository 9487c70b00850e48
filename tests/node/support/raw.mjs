// A misbehaving peer over raw node:net sockets: builds and parses RFC 6455 frames by hand, so
// a test can send what no library would (bad opcodes, unmasked client frames, no close reply)
// and see exactly what our side put on the wire.
import net from 'node:net';
import crypto from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
export const acceptKey = (key) => crypto.createHash('sha1').update(key + GUID).digest('base64');

/** One frame's bytes. `mask`: true (random key), a 4-byte key, or false; `maskBit` forces the bit. */
export function frame({ fin = true, rsv = 0, opcode = 1, payload = Buffer.alloc(0), mask = false, length = null }) {
  const data = Buffer.from(payload);
  const len = length ?? data.length;
  const key = mask === true ? crypto.randomBytes(4) : mask ? Buffer.from(mask) : null;
  const head = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const m = key ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (len < 126) head.push(m | len);
  else if (len < 65536) { head.push(m | 126); ext = Buffer.alloc(2); ext.writeUInt16BE(len); }
  else { head.push(m | 127); ext = Buffer.alloc(8); ext.writeBigUInt64BE(BigInt(len)); }
  let body = data;
  if (key) body = Buffer.from(data.map((b, i) => b ^ key[i & 3]));
  return Buffer.concat([Buffer.from(head), ext, key ?? Buffer.alloc(0), body]);
}

/** A close frame payload: code (u16) + UTF-8 reason. */
export function closePayload(code, reason = '') {
  const out = Buffer.alloc(2 + Buffer.byteLength(reason));
  out.writeUInt16BE(code);
  out.write(reason, 2);
  return out;
}

/** Parses as many complete frames as `buf` holds: { frames, rest }. Masked payloads are unmasked (rawPayload keeps the wire bytes). */
export function parseFrames(buf) {
  const frames = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    const b0 = buf[at];
    const b1 = buf[at + 1];
    let len = b1 & 0x7f;
    let off = at + 2;
    if (len === 126) { if (buf.length - off < 2) break; len = buf.readUInt16BE(off); off += 2; }
    else if (len === 127) { if (buf.length - off < 8) break; len = Number(buf.readBigUInt64BE(off)); off += 8; }
    const masked = (b1 & 0x80) !== 0;
    let key = null;
    if (masked) { if (buf.length - off < 4) break; key = buf.subarray(off, off + 4); off += 4; }
    if (buf.length - off < len) break;
    const rawPayload = Buffer.from(buf.subarray(off, off + len));
    const payload = key ? Buffer.from(rawPayload.map((b, i) => b ^ key[i & 3])) : rawPayload;
    const f = { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, key: key && Buffer.from(key), payload, rawPayload };
    if (f.opcode === 8) {
      f.code = payload.length >= 2 ? payload.readUInt16BE(0) : null;
      f.reason = payload.length > 2 ? payload.subarray(2).toString('utf8') : '';
    }
    frames.push(f);
    at = off + len;
  }
  return { frames, rest: buf.subarray(at) };
}

/**
 * Wraps a connected socket: collects the HTTP head (if `expectHead`), then frames. Exposes
 * frames, head, ended/closed flags and waiters.
 */
class RawPeer {
  constructor(socket, { expectHead = true } = {}) {
    this.socket = socket;
    this.head = expectHead ? null : '';
    this.frames = [];
    this.bytes = Buffer.alloc(0); // every byte received, for "nothing else was sent" checks
    this.byteCount = 0;
    this.keep = true; // false: only count what arrives (for bulk transfers)
    this.ended = false; // peer sent FIN
    this.closed = false; // socket fully closed
    this.error = null;
    this.#buf = Buffer.alloc(0);
    socket.on('data', (chunk) => this.#data(chunk));
    socket.on('end', () => { this.ended = true; this.#notify(); });
    socket.on('error', (error) => { this.error = error; this.#notify(); });
    socket.on('close', () => { this.closed = true; this.#notify(); });
  }

  #buf;
  #waiters = [];

  #data(chunk) {
    this.byteCount += chunk.length;
    if (!this.keep) return this.#notify();
    this.bytes = Buffer.concat([this.bytes, chunk]);
    this.#buf = Buffer.concat([this.#buf, chunk]);
    if (this.head === null) {
      const end = this.#buf.indexOf('\r\n\r\n');
      if (end < 0) return this.#notify();
      this.headBytes = end + 4;
      this.head = this.#buf.subarray(0, end + 4).toString('latin1');
      this.#buf = this.#buf.subarray(end + 4);
      this.onHead?.(this.head);
    }
    const { frames, rest } = parseFrames(this.#buf);
    this.#buf = Buffer.from(rest);
    this.frames.push(...frames);
    return this.#notify();
  }

  #notify() {
    for (const w of [...this.#waiters]) {
      const value = w.test();
      if (value) {
        clearTimeout(w.timer);
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(value);
      }
    }
  }

  /** Resolves with test()'s first truthy value, re-evaluated on every socket event. */
  until(test, what = 'condition', timeout = 3000) {
    return new Promise((resolve, reject) => {
      const value = test();
      if (value) return resolve(value);
      const w = { test, resolve };
      w.timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        reject(new Error(`raw peer: timed out after ${timeout} ms waiting for ${what}; frames: ${JSON.stringify(this.frames.map((f) => f.opcode))}, ended ${this.ended}, closed ${this.closed}`));
      }, timeout);
      this.#waiters.push(w);
      return undefined;
    });
  }

  /** The n-th frame (1-based) matching `match`. */
  frame(match = () => true, n = 1, timeout = 3000) {
    return this.until(() => this.frames.filter(match)[n - 1], 'a frame', timeout);
  }

  closeFrame(timeout = 3000) {
    return this.frame((f) => f.opcode === 8, 1, timeout);
  }

  gone(timeout = 3000) {
    return this.until(() => this.closed, 'the socket to close', timeout);
  }

  /** The HTTP head received (status line + headers). */
  headReceived(timeout = 3000) {
    return this.until(() => this.head, 'the HTTP head', timeout);
  }

  write(bytes) {
    this.socket.write(bytes);
  }

  /** Sends a frame; `mask` defaults to true for a client peer. */
  send(options) {
    this.socket.write(frame({ mask: this.isClient, ...options }));
  }

  destroy() {
    this.socket.destroy();
  }
}

/** HTTP status code and lower-cased headers of a response head. */
export function parseHead(head) {
  const [statusLine, ...lines] = head.split('\r\n').filter(Boolean);
  const headers = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { statusLine, status: Number(statusLine.split(' ')[1]), headers };
}

/** A raw TCP connection to 127.0.0.1:port, nothing sent yet. */
export async function rawConnect(port, options = {}) {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const peer = new RawPeer(socket, options);
  peer.isClient = true;
  return peer;
}

/** An upgrade request head. */
export function upgradeRequest({ path = '/', host = '127.0.0.1', key = crypto.randomBytes(16).toString('base64'), headers = {}, version = 13 } = {}) {
  let head = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: ${version}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return `${head}\r\n`;
}

/** A raw client that completed the opening handshake (asserting a 101). */
export async function rawClient(port, requestOptions = {}) {
  const peer = await rawConnect(port);
  const key = crypto.randomBytes(16).toString('base64');
  peer.write(upgradeRequest({ ...requestOptions, key }));
  const head = await peer.headReceived();
  const { status, headers } = parseHead(head);
  if (status !== 101) throw new Error(`raw client: expected 101, got ${head}`);
  if (headers['sec-websocket-accept'] !== acceptKey(key)) throw new Error('raw client: bad accept key');
  return peer;
}

/**
 * A raw server on 127.0.0.1. `onPeer(peer)` runs for each connection; by default the
 * handshake is answered with 101 (set `answer: false` to never answer, or a function
 * (requestHead, peer) => string to answer yourself). Resolves to { server, port, peers, close }.
 */
export async function rawServer({ answer = true, onPeer = () => {} } = {}) {
  const peers = [];
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const peer = new RawPeer(socket);
    peer.isClient = false;
    peers.push(peer);
    peer.onHead = (head) => {
      peer.request = head;
      if (answer === false) return;
      if (typeof answer === 'function') {
        peer.write(answer(head, peer));
        return;
      }
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1];
      peer.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`);
    };
    onPeer(peer);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const waitPeer = (n = 1, timeout = 3000) => new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (peers.length >= n) return resolve(peers[n - 1]);
      if (Date.now() - started > timeout) return reject(new Error('raw server: no connection'));
      return setTimeout(poll, 5);
    };
    poll();
  });
  return {
    server,
    port: server.address().port,
    peers,
    waitPeer,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
