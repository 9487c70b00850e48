// A misbehaving peer over a runtime's raw byte stream (api.rawConnect): builds and parses
// RFC 6455 frames by hand on Uint8Arrays, so a case can send what no library would and see
// exactly what our side put on the wire. The stream is { read(): Promise<Uint8Array | null>,
// write(bytes): Promise<void> (settles once the bytes are handed to the kernel), close() }.
import { within, sleep, utf8, fromUtf8 } from './harness.mjs';

/** One frame's bytes; `mask`: true (random key) or false. */
export function frame({ fin = true, rsv = 0, opcode = 1, payload = new Uint8Array(0), mask = true }) {
  const data = typeof payload === 'string' ? utf8.encode(payload) : payload;
  const len = data.length;
  const head = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const bit = mask ? 0x80 : 0;
  if (len < 126) head.push(bit | len);
  else if (len < 65536) head.push(bit | 126, len >> 8, len & 255);
  else {
    head.push(bit | 127);
    const ext = new Uint8Array(8);
    new DataView(ext.buffer).setBigUint64(0, BigInt(len));
    head.push(...ext);
  }
  const key = mask ? crypto.getRandomValues(new Uint8Array(4)) : new Uint8Array(0);
  const out = new Uint8Array(head.length + key.length + len);
  out.set(head);
  out.set(key, head.length);
  const at = head.length + key.length;
  for (let i = 0; i < len; i++) out[at + i] = mask ? data[i] ^ key[i & 3] : data[i];
  return out;
}

/** A close frame's payload: code (u16) + UTF-8 reason. */
export function closePayload(code, reason = '') {
  const text = utf8.encode(reason);
  const out = new Uint8Array(2 + text.length);
  out[0] = code >> 8;
  out[1] = code & 255;
  out.set(text, 2);
  return out;
}

/** Parses the complete frames at the start of `buf`: { frames, used }. Payloads unmasked. */
export function parseFrames(buf) {
  const frames = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    const b0 = buf[at];
    const b1 = buf[at + 1];
    let len = b1 & 0x7f;
    let off = at + 2;
    if (len === 126) {
      if (buf.length - off < 2) break;
      len = (buf[off] << 8) | buf[off + 1];
      off += 2;
    } else if (len === 127) {
      if (buf.length - off < 8) break;
      len = Number(new DataView(buf.buffer, buf.byteOffset + off, 8).getBigUint64(0));
      off += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const key = masked ? buf.slice(off, off + 4) : null;
    if (masked) off += 4;
    if (buf.length - off < len) break;
    const payload = buf.slice(off, off + len);
    if (key) for (let i = 0; i < len; i++) payload[i] ^= key[i & 3];
    const f = { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, payload };
    if (f.opcode === 8) {
      f.code = len >= 2 ? (payload[0] << 8) | payload[1] : null;
      f.reason = len > 2 ? fromUtf8.decode(payload.subarray(2)) : '';
    }
    frames.push(f);
    at = off + len;
  }
  return { frames, used: at };
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Reads the stream in the background, collecting the HTTP head (if expected) and frames. */
export class RawPeer {
  constructor(stream, { expectHead = true } = {}) {
    this.stream = stream;
    this.head = expectHead ? null : '';
    this.frames = [];
    this.byteCount = 0;
    this.keep = true; // false: only count what arrives (bulk transfers)
    this.ended = false; // EOF or error: the other side is gone
    this.#pump = this.#readAll();
  }

  #buf = new Uint8Array(0);
  #pump;
  #paused = null; // a promise the pump waits on while reading is paused
  #unpause = null;

  async #readAll() {
    for (;;) {
      if (this.#paused) await this.#paused;
      let chunk;
      try {
        chunk = await this.stream.read();
      } catch {
        chunk = null;
      }
      if (chunk === null) break;
      this.byteCount += chunk.length;
      if (this.keep) this.#take(chunk);
    }
    this.ended = true;
    // The other side's EOF ends ours too (a Node socket without allowHalfOpen does so by itself).
    try { this.stream.close(); } catch { /* closed */ }
  }

  #take(chunk) {
    this.#buf = concat(this.#buf, chunk);
    if (this.head === null) {
      const text = fromUtf8.decode(this.#buf);
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.head = text.slice(0, end + 4);
      this.#buf = this.#buf.slice(utf8.encode(this.head).length);
    }
    const { frames, used } = parseFrames(this.#buf);
    this.frames.push(...frames);
    this.#buf = this.#buf.slice(used);
  }

  /** Stops reading from the socket (the kernel buffers fill), until resumeReading(). */
  pauseReading() {
    this.#paused ??= new Promise((resolve) => { this.#unpause = resolve; });
  }

  resumeReading() {
    this.#paused = null;
    this.#unpause?.();
  }

  /** Resolves with test()'s first truthy value (polled; bounded). */
  async until(test, what = 'a condition', ms = 3000) {
    return within((async () => {
      for (;;) {
        const value = test();
        if (value) return value;
        await sleep(5);
      }
    })(), ms, `raw peer: ${what}; frames ${JSON.stringify(this.frames.map((f) => f.opcode))}, ended ${this.ended}`);
  }

  /** The n-th frame (1-based) matching `match`. */
  frame(match = () => true, n = 1, ms = 3000) {
    return this.until(() => this.frames.filter(match)[n - 1], 'a frame', ms);
  }

  closeFrame(ms = 3000) {
    return this.frame((f) => f.opcode === 8, 1, ms);
  }

  /** Resolves once the other side closed the connection. */
  gone(ms = 3000) {
    return this.until(() => this.ended, 'the connection to close', ms);
  }

  write(bytes) {
    return this.stream.write(typeof bytes === 'string' ? utf8.encode(bytes) : bytes);
  }

  /** Sends one masked frame (a client's). */
  send(options) {
    return this.write(frame({ mask: true, ...options }));
  }

  /** Closes the connection and waits for the reader to finish. */
  async close() {
    this.resumeReading();
    try { this.stream.close(); } catch { /* closed */ }
    await this.#pump;
  }
}

/** An upgrade request head. */
export function upgradeRequest({ path = '/', key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16)))), headers = {} } = {}) {
  let head = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return `${head}\r\n`;
}

/** A raw TCP peer to 127.0.0.1:port, nothing sent yet; closed by `defer`. */
export async function rawConnect(api, defer, port) {
  const peer = new RawPeer(await api.rawConnect(port));
  defer(() => peer.close());
  return peer;
}

/** A raw client that completed the opening handshake (asserting a 101). */
export async function rawClient(api, defer, port, request = {}) {
  const peer = await rawConnect(api, defer, port);
  await peer.write(upgradeRequest(request));
  const head = await peer.until(() => peer.head, 'the HTTP head');
  if (!head.startsWith('HTTP/1.1 101')) throw new Error(`raw client: expected 101, got ${head}`);
  return peer;
}
