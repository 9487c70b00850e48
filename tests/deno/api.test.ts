// The Deno API (pkg/deno.mjs): listenWS/connectWS over Deno.Conn, against each other, Deno's
// native WebSocket client, Deno.upgradeWebSocket, and raw Deno.connect peers. 127.0.0.1 only;
// every test bounded and closing what it opened.
import { assert, assertEquals } from './support/assert.ts';
import {
  WebSocketServerFactory, WebSocketServerProtocol, WebSocketClientFactory, WebSocketClientProtocol,
  listenWS, connectWS,
} from '../../pkg/deno.mjs';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Rejects after `ms` with what was awaited (so a hang fails the test instead of the suite). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: number;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `condition` until it holds; throws after `ms` (and stops polling: no timer left behind). */
async function waitFor(condition: () => boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() >= deadline) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

type CloseArgs = [boolean, number | null, string | null];

/** An echo server; its connections' onClose arguments arrive on `closes`. */
async function echoServer(setup: (f: any) => void = () => {}) {
  const closes: CloseArgs[] = [];
  const closed = deferred<CloseArgs>();
  class Echo extends WebSocketServerProtocol {
    onMessage(payload: Uint8Array, isBinary: boolean) { this.sendMessage(payload, isBinary); }
    onClose(wasClean: boolean, code: number, reason: string) {
      closes.push([wasClean, code, reason]);
      closed.resolve([wasClean, code, reason]);
    }
  }
  const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
  factory.protocol = Echo;
  setup(factory);
  const listener = await listenWS(factory, { port: 0, host: '127.0.0.1' });
  return { factory, listener, closes, closed: closed.promise };
}

/** A client that records everything; `opened`/`closed` resolve on onOpen/onClose. */
async function client(url: string, { setup = (_: any) => {}, onOpen = (_: any) => {} } = {}) {
  const messages: [Uint8Array, boolean][] = [];
  const opened = deferred();
  const closed = deferred<CloseArgs>();
  let onMessage = (_p: any) => {};
  class C extends WebSocketClientProtocol {
    onOpen() { opened.resolve(); onOpen(this); }
    onMessage(payload: Uint8Array, isBinary: boolean) { messages.push([payload, isBinary]); onMessage(this); }
    onClose(wasClean: boolean, code: number, reason: string) { closed.resolve([wasClean, code, reason]); }
  }
  const factory = new WebSocketClientFactory(url);
  factory.protocol = C;
  setup(factory);
  const handle = await connectWS(factory, { timeout: 5 });
  return {
    handle, messages, opened: opened.promise, closed: closed.promise,
    onMessage: (fn: (p: any) => void) => { onMessage = fn; },
  };
}

async function rawHandshake(conn: Deno.Conn, port: number) {
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  await writeAll(conn, enc.encode(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  ));
  let head = '';
  const buf = new Uint8Array(1);
  while (!head.endsWith('\r\n\r\n')) {
    const n = await conn.read(buf);
    if (n === null) throw new Error(`EOF in handshake response: ${head}`);
    head += String.fromCharCode(buf[0]);
  }
  assert(head.startsWith('HTTP/1.1 101'), head);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array) {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

async function readAll(conn: Deno.Conn) {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  for (;;) {
    let n: number | null;
    try { n = await conn.read(buf); } catch { n = null; }
    if (n === null) break;
    chunks.push(buf.slice(0, n));
  }
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/** A masked frame from a raw client. */
function maskedFrame(opcode: number, payload: Uint8Array, fin = true) {
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const head = payload.length < 126 ? [((fin ? 0x80 : 0) | opcode), 0x80 | payload.length] : [((fin ? 0x80 : 0) | opcode), 0x80 | 126, payload.length >> 8, payload.length & 255];
  const out = new Uint8Array(head.length + 4 + payload.length);
  out.set(head);
  out.set(mask, head.length);
  for (let i = 0; i < payload.length; i++) out[head.length + 4 + i] = payload[i] ^ mask[i & 3];
  return out;
}

Deno.test('no node: imports on the deno entry\'s module graph', async () => {
  const seen = new Set<string>();
  const visit = async (url: URL) => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const text = await Deno.readTextFile(url);
    for (const [, spec] of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"\n;]*?(?:from\s*)?['"]([^'"]+)['"]/g)) {
      assert(!spec.startsWith('node:') && !/^(fs|net|tls|util|events|stream)$/.test(spec), `${url.pathname} imports ${spec}`);
      if (spec.startsWith('.') && /\.(m?js|ts)$/.test(spec)) await visit(new URL(spec, url));
    }
    assert(!/\bBuffer\.|\bprocess\.|\brequire\(/.test(text.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '')) || url.pathname.endsWith('wasmsocket.js'),
      `${url.pathname} uses a Node global`);
  };
  await visit(new URL('../../pkg/deno.mjs', import.meta.url));
  assert([...seen].some((u) => u.endsWith('/js/deno/transport.mjs')), 'the graph includes the Deno transport');
});

Deno.test('our Deno client and server: text, binary, 0 B to 1 MiB, client-initiated close', async () => {
  const server = await echoServer((f) => f.setProtocolOptions({ echoCloseCodeReason: true }));
  const c = await client(server.listener.url);
  await within(c.opened, 5000, 'onOpen');
  const sizes = [0, 1, 125, 126, 65535, 65536, 300_000, 1 << 20];
  const sent: [Uint8Array, boolean][] = [];
  for (const size of sizes) {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + size) & 255;
    sent.push([bytes, true]);
    const text = 'ü€x'.repeat(Math.ceil(size / 6)).slice(0, Math.ceil(size / 3));
    sent.push([enc.encode(text), false]);
  }
  const all = deferred();
  c.onMessage(() => { if (c.messages.length === sent.length) all.resolve(); });
  for (const [bytes, isBinary] of sent) {
    if (isBinary) c.handle.protocol.sendMessage(bytes, true);
    else c.handle.protocol.sendMessage(dec.decode(bytes), false);
  }
  await within(all.promise, 10000, 'all echoes');
  for (let i = 0; i < sent.length; i++) {
    assertEquals(c.messages[i][1], sent[i][1], `message ${i} binary flag`);
    assertEquals(c.messages[i][0].length, sent[i][0].length, `message ${i} length`);
    assert(c.messages[i][0].every((b, j) => b === sent[i][0][j]), `message ${i} bytes`);
  }
  c.handle.close(4000, 'client bye');
  assertEquals(await within(c.closed, 5000, 'client onClose'), [true, 4000, 'client bye']);
  assertEquals(await within(server.closed, 5000, 'server onClose'), [true, 4000, 'client bye']);
  await within(server.listener.close(), 5000, 'listener close');
});

// The Deno transport lends its read buffer to the protocol, reads into a 64 KiB one during a
// burst and frees that (transfer(0)) once a small read has ended the burst and been handled;
// reading pauses while an async handler runs. Large random messages (incompressible: deflate is
// offered), each followed by a small one while its handler is pending: a buffer freed too early
// shows as a lost or wrong echo (freeing before the protocol took the read fails here).
Deno.test('an async handler pausing reads across bursts and quiet spells: every echo intact and in order', async () => {
  const server = await echoServer((f) => {
    f.protocol = class extends WebSocketServerProtocol {
      async onMessage(payload: Uint8Array, isBinary: boolean) {
        await new Promise((r) => setTimeout(r, 10));
        this.sendMessage(payload, isBinary);
      }
    };
  });
  const c = await client(server.listener.url);
  await within(c.opened, 5000, 'onOpen');
  const sent: Uint8Array[] = [];
  const send = (size: number) => {
    // Random: incompressible, so the frames are as large as the messages (deflate is offered).
    const bytes = new Uint8Array(size);
    for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
    sent.push(bytes);
    c.handle.protocol.sendMessage(bytes, true);
  };
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  for (const [large, small] of [[200_000, 100], [70_000, 5], [150_000, 3000], [65_536, 1]]) {
    send(large);
    await pause(5); // the server is in the large message's handler when the small one arrives
    send(small);
    await pause(30);
  }
  const all = deferred();
  c.onMessage(() => { if (c.messages.length === sent.length) all.resolve(); });
  if (c.messages.length === sent.length) all.resolve();
  await within(all.promise, 10000, 'all echoes');
  for (let i = 0; i < sent.length; i++) {
    assertEquals(c.messages[i][0].length, sent[i].length, `message ${i} length`);
    assert(c.messages[i][0].every((b, j) => b === sent[i][j]), `message ${i} bytes`);
  }
  c.handle.close(1000, 'done');
  await within(c.closed, 5000, 'client onClose');
  await within(server.listener.close(), 5000, 'listener close');
});

Deno.test('our Deno client and server: server-initiated close, peer strings', async () => {
  let serverProtocol: any;
  const server = await echoServer((f) => {
    const Base = f.protocol;
    f.protocol = class extends Base { onOpen() { serverProtocol = this; } };
  });
  const c = await client(server.listener.url);
  await within(c.opened, 5000, 'onOpen');
  await waitFor(() => serverProtocol !== undefined, 5000, 'server onOpen');
  assert(/^tcp4:127\.0\.0\.1:\d+$/.test(c.handle.protocol.peer), c.handle.protocol.peer);
  assertEquals(c.handle.protocol.peer, `tcp4:127.0.0.1:${server.listener.port}`);
  assert(/^tcp4:127\.0\.0\.1:\d+$/.test(serverProtocol.peer), serverProtocol.peer);
  serverProtocol.sendClose(4321, 'server bye');
  assertEquals(await within(c.closed, 5000, 'client onClose'), [true, 4321, 'server bye']);
  const [clean, code] = await within(server.closed, 5000, 'server onClose');
  assertEquals([clean, code], [true, 1000]);
  await within(server.listener.close(), 5000, 'listener close');
});

Deno.test('listener close: open connections get 1001 going away', async () => {
  const server = await echoServer();
  const c = await client(server.listener.url);
  await within(c.opened, 5000, 'onOpen');
  await within(server.listener.close(), 5000, 'listener close');
  const [clean, code] = await within(c.closed, 5000, 'client onClose');
  assertEquals([clean, code], [true, 1001]);
});

// TODO(compression): once permessage-deflate is wired into JS, assert here what was negotiated.
// Checked with Deno 2.9.6: its native client sends no Sec-WebSocket-Extensions at all, so the
// assertion is "no extension in use (ws.extensions === '', extensionsInUse empty), echoes intact".
Deno.test('our Deno server with Deno\'s native WebSocket client', async () => {
  const server = await echoServer((f) => f.setProtocolOptions({ echoCloseCodeReason: true }));
  const ws = new WebSocket(server.listener.url);
  ws.binaryType = 'arraybuffer';
  const closed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
  await within(new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; }), 5000, 'open');
  const received: (string | Uint8Array)[] = [];
  const all = deferred();
  ws.onmessage = (m) => {
    received.push(typeof m.data === 'string' ? m.data : new Uint8Array(m.data));
    if (received.length === 3) all.resolve();
  };
  const big = new Uint8Array(1 << 20).map((_, i) => i & 255);
  ws.send('hello');
  ws.send(big);
  ws.send('');
  await within(all.promise, 10000, 'echoes');
  assertEquals(received[0], 'hello');
  assert(received[1] instanceof Uint8Array && received[1].length === big.length && received[1].every((b, i) => b === big[i]), 'binary 1 MiB');
  assertEquals(received[2], '');
  ws.close(4002, 'native bye');
  const event = await within(closed, 5000, 'native close');
  assertEquals([event.wasClean, event.code, event.reason], [true, 4002, 'native bye']);
  assertEquals(await within(server.closed, 5000, 'server onClose'), [true, 4002, 'native bye']);
  await within(server.listener.close(), 5000, 'listener close');
});

// TODO(compression): once permessage-deflate is wired into JS, assert the negotiation here.
// Checked with Deno 2.9.6 and main's deflate: our client offers "permessage-deflate;
// client_max_window_bits", Deno.upgradeWebSocket (fastwebsockets) declines it, and the
// connection runs uncompressed (extensionsInUse empty), which this test should pin.
Deno.test('our Deno client against Deno.upgradeWebSocket', async () => {
  const ac = new AbortController();
  const serverClosed = deferred<[number, string]>();
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, signal: ac.signal, onListen: () => {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (m) => socket.send(m.data);
    socket.onclose = (e) => serverClosed.resolve([e.code, e.reason]);
    return response;
  });
  const c = await client(`ws://127.0.0.1:${server.addr.port}/`);
  await within(c.opened, 5000, 'onOpen');
  const done = deferred();
  c.onMessage(() => { if (c.messages.length === 2) done.resolve(); });
  c.handle.protocol.sendMessage('hi fastwebsockets');
  c.handle.protocol.sendMessage(new Uint8Array(200_000).fill(7), true);
  await within(done.promise, 5000, 'echoes');
  assertEquals(dec.decode(c.messages[0][0]), 'hi fastwebsockets');
  assertEquals([c.messages[1][0].length, c.messages[1][1], c.messages[1][0][199_999]], [200_000, true, 7]);
  c.handle.close(4100, 'done');
  const [clean, code, reason] = await within(c.closed, 5000, 'client onClose');
  assert(clean, 'clean close');
  // Deno's WebSocket echoes the close code (and reason) back.
  assertEquals([code, reason], [4100, 'done']);
  assertEquals(await within(serverClosed.promise, 5000, 'server onclose'), [4100, 'done']);
  ac.abort();
  await server.finished;
});

Deno.test('a reserved opcode from a raw peer: our close 1002 and onClose(false, 1002, …)', async () => {
  const server = await echoServer();
  const conn = await Deno.connect({ hostname: '127.0.0.1', port: server.listener.port });
  await rawHandshake(conn, server.listener.port);
  await writeAll(conn, maskedFrame(3, enc.encode('x')));
  const rest = await within(readAll(conn), 5000, 'server closes');
  conn.close();
  assertEquals([rest[0], rest[1] & 0x7f], [0x88, rest.length - 2]);
  assertEquals((rest[2] << 8) | rest[3], 1002);
  const [clean, code, reason] = await within(server.closed, 5000, 'server onClose');
  assertEquals([clean, code], [false, 1002]);
  assert(typeof reason === 'string' && reason.length > 0, `a reason: ${reason}`);
  await within(server.listener.close(), 5000, 'listener close');
});

Deno.test('open-handshake timeout: server (silent peer) and client (silent server)', async () => {
  const server = await echoServer((f) => f.setProtocolOptions({ openHandshakeTimeout: 0.3 }));
  const silent = await Deno.connect({ hostname: '127.0.0.1', port: server.listener.port });
  const [clean, code, reason] = await within(server.closed, 5000, 'server onClose');
  assertEquals([clean, code], [false, 1006]);
  assert(String(reason).includes('opening handshake timeout'), String(reason));
  assertEquals(await within(readAll(silent), 5000, 'dropped'), new Uint8Array(0));
  silent.close();
  await within(server.listener.close(), 5000, 'listener close');

  // A TCP server that accepts and never answers.
  const tcp = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  const accepted = tcp.accept();
  const c = await client(`ws://127.0.0.1:${(tcp.addr as Deno.NetAddr).port}/`, {
    setup: (f) => f.setProtocolOptions({ openHandshakeTimeout: 0.3 }),
  });
  const [cclean, ccode, creason] = await within(c.closed, 5000, 'client onClose');
  assertEquals([cclean, ccode], [false, 1006]);
  assert(String(creason).includes('opening handshake timeout'), String(creason));
  const peerConn = await accepted;
  await within(readAll(peerConn), 5000, 'client dropped');
  peerConn.close();
  tcp.close();
});

Deno.test('connectWS: a refused connection rejects', async () => {
  const tcp = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  const port = (tcp.addr as Deno.NetAddr).port;
  tcp.close();
  const factory = new WebSocketClientFactory(`ws://127.0.0.1:${port}`);
  let error: unknown = null;
  try { await connectWS(factory, { timeout: 5 }); } catch (e) { error = e; }
  assert(error instanceof Error, `rejected: ${error}`);
});

// Backpressure, TLS and Unix sockets: tests/shared/cases.mjs (run by shared-cases.test.ts).
