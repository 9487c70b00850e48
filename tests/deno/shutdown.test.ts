// Graceful shutdown on Deno: listenWS's close({ timeout }) sends 1001 behind everything already
// sent, waits for the closing handshakes until the deadline (not closeHandshakeTimeout), drops
// the rest, and counts them. Raw Deno.connect peers read as slowly as we like. 127.0.0.1 only.
import { assert, assertEquals } from './support/assert.ts';
import { WebSocketServerFactory, WebSocketServerProtocol, WebSocketClientFactory, WebSocketClientProtocol, listenWS, connectWS } from '../../pkg/deno.mjs';

const MiB = 1024 * 1024;
const REASON = 'server shutting down';
const enc = new TextEncoder();

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: number;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Close = [boolean, number, string];

/** A server whose connections arrive on `opened` and whose onClose arguments on `closes`. */
async function server(options: Record<string, unknown>) {
  const opened: any[] = [];
  const closes: Close[] = [];
  class P extends WebSocketServerProtocol {
    override onOpen() { opened.push(this); }
    override onClose(wasClean: boolean, code: number, reason: string) { closes.push([wasClean, code, reason]); }
  }
  const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
  factory.protocol = P;
  factory.setProtocolOptions(options);
  const listener = await listenWS(factory, { port: 0, host: '127.0.0.1' });
  const nthOpen = async (n: number) => {
    while (opened.length < n) await sleep(5);
    return opened[n - 1];
  };
  return { listener, closes, nthOpen };
}

async function rawClient(port: number) {
  const conn = await Deno.connect({ hostname: '127.0.0.1', port });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  await conn.write(enc.encode(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`));
  let head = '';
  const byte = new Uint8Array(1);
  while (!head.endsWith('\r\n\r\n')) {
    if (await conn.read(byte) === null) throw new Error(`EOF in handshake response: ${head}`);
    head += String.fromCharCode(byte[0]);
  }
  assert(head.startsWith('HTTP/1.1 101'), head);
  return conn;
}

/** Unmasked server frames in `bytes`: [{ opcode, payload }]. */
function parseFrames(bytes: Uint8Array) {
  const frames: { opcode: number; payload: Uint8Array }[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.length;) {
    let length = bytes[at + 1] & 0x7f;
    let off = at + 2;
    if (length === 126) { length = view.getUint16(off); off += 2; } else if (length === 127) { length = Number(view.getBigUint64(off)); off += 8; }
    frames.push({ opcode: bytes[at] & 0x0f, payload: bytes.subarray(off, off + length) });
    at = off + length;
  }
  return frames;
}

const frameLength = (size: number) => size + (size < 126 ? 2 : size < 65536 ? 4 : 10);

/** The masked close frame a client answers with. */
function closeFrame(code: number) {
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const payload = [code >> 8, code & 255].map((b, i) => b ^ mask[i]);
  return new Uint8Array([0x88, 0x82, ...mask, ...payload]);
}

function equal(a: Uint8Array, b: Uint8Array) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

Deno.test('close({ timeout }): a slow reader gets every byte sent before close(), then 1001; counted as closed cleanly', async () => {
  // closeHandshakeTimeout far below the reading time: the shutdown deadline must govern.
  const srv = await server({ closeHandshakeTimeout: 0.2, maxBufferedAmount: 0 });
  const conn = await rawClient(srv.listener.port!);
  try {
    const protocol = await within(srv.nthOpen(1), 3000, 'onOpen');
    const messages = Array.from({ length: 4 }, () => {
      const m = new Uint8Array(2 * MiB);
      for (let at = 0; at < m.length; at += 65536) crypto.getRandomValues(m.subarray(at, at + 65536));
      return m;
    });
    for (const message of messages) protocol.sendMessage(message, true);
    const started = Date.now();
    const closing = srv.listener.close({ timeout: 20 });
    const total = messages.reduce((sum, m) => sum + frameLength(m.length), 0) + frameLength(2 + REASON.length);
    const received = new Uint8Array(total);
    const reading = (async () => {
      for (let at = 0; at < total;) {
        const n = await conn.read(received.subarray(at, Math.min(total, at + 65536)));
        if (n === null) throw new Error(`EOF after ${at} of ${total} bytes`);
        at += n;
        await sleep(10);
      }
    })();
    await within(reading, 15000, 'every byte');
    const readingTook = Date.now() - started;
    const frames = parseFrames(received);
    assertEquals(frames.map((f) => f.opcode), [2, 2, 2, 2, 8]);
    frames.slice(0, 4).forEach((f, i) => assert(equal(f.payload, messages[i]), `message ${i} intact`));
    const close = frames[4].payload;
    assertEquals([(close[0] << 8) | close[1], new TextDecoder().decode(close.subarray(2))], [1001, REASON]);
    assert(readingTook > 400, `the peer read for ${readingTook} ms, longer than closeHandshakeTimeout (200 ms)`);
    await conn.write(closeFrame(1001));
    // As a client does: read to the server's EOF, then close.
    assertEquals(await within(conn.read(new Uint8Array(1)), 3000, 'EOF'), null);
    conn.close();
    assertEquals(await within(closing, 5000, 'close()'), { closedCleanly: 1, dropped: 0, closedUncleanly: 0 });
    assertEquals(srv.closes.map(([clean, code]) => [clean, code]), [[true, 1001]]);
  } finally {
    try { conn.close(); } catch { /* closed */ }
  }
});

Deno.test('close({ timeout }): a peer that never reads is dropped at the deadline, and close() resolves on time', async () => {
  const srv = await server({ maxBufferedAmount: 0 });
  const stalled = await rawClient(srv.listener.port!);
  try {
    const protocol = await within(srv.nthOpen(1), 3000, 'onOpen');
    let clientClose: (args: Close) => void;
    const clientClosed = new Promise<Close>((resolve) => { clientClose = resolve; });
    class C extends WebSocketClientProtocol {
      override onClose(wasClean: boolean, code: number, reason: string) { clientClose([wasClean, code, reason]); }
    }
    const factory = new WebSocketClientFactory(srv.listener.url);
    factory.protocol = C;
    await connectWS(factory, { timeout: 5 });
    await within(srv.nthOpen(2), 3000, 'second onOpen');
    // More than loopback's socket buffers take: output stays queued on our side.
    protocol.sendMessage(new Uint8Array(16 * MiB), true);
    const started = Date.now();
    const result = await within(srv.listener.close({ timeout: 0.5 }), 3000, 'close()');
    const took = Date.now() - started;
    assertEquals(result, { closedCleanly: 1, dropped: 1, closedUncleanly: 0 });
    assert(took >= 450 && took < 2000, `close() took ${took} ms for a 500 ms deadline`);
    assertEquals((await within(clientClosed, 3000, 'client onClose')).slice(0, 2), [true, 1001]);
    const dropped = srv.closes.find(([clean]) => !clean)!;
    assertEquals(dropped.slice(0, 2), [false, 1006]);
    assert(dropped[2].includes('deadline passed'), dropped[2]);
  } finally {
    try { stalled.close(); } catch { /* closed */ }
  }
});
