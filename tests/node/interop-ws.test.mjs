// The wasm core against npm `ws` over real sockets on 127.0.0.1, in both roles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { startEchoServer, connectClient } from './support/wire-over-net.mjs';
import { within } from './support/api.mjs';

// Every wait on a socket is bounded, so a hang fails its test instead of the whole run.
const event = (emitter, name) => within(once(emitter, name), 10_000, `'${name}'`);

const SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20];

function pattern(size, seed) {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

test('our server echoes text and binary to a ws client, then completes the close handshake', async () => {
  const { server, port, closes } = await startEchoServer();
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat?room=1`, ['chat.v1'], { perMessageDeflate: false });
    await event(ws, 'open');
    assert.equal(ws.protocol, 'chat.v1');
    const replies = [];
    ws.on('message', (data, isBinary) => replies.push({ data, isBinary }));
    const sent = [];
    for (const size of SIZES) {
      const bin = pattern(size, size & 0xff);
      const text = 'κόσμε-'.repeat(Math.ceil(size / 11)).slice(0, size);
      ws.send(bin, { binary: true }); sent.push({ data: bin, isBinary: true });
      ws.send(text); sent.push({ data: Buffer.from(text), isBinary: false });
    }
    while (replies.length < sent.length) await event(ws, 'message');
    for (let i = 0; i < sent.length; i++) {
      assert.equal(replies[i].isBinary, sent[i].isBinary, `message ${i} kind`);
      assert.ok(Buffer.from(replies[i].data).equals(sent[i].data), `message ${i} payload`);
    }
    ws.close(4000, 'bye');
    const [code] = await event(ws, 'close');
    assert.equal(code, 1000, 'we reply 1000 unless echoCloseCodeReason');
    assert.deepEqual(closes.map((c) => [c.code, c.reason]), [[4000, 'bye']]);
  } finally {
    server.close();
  }
});

test('echoCloseCodeReason replies with the peer code and reason', async () => {
  const { server, port } = await startEchoServer({ echoCloseCodeReason: true });
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await event(ws, 'open');
    ws.close(3001, 'later');
    const [code, reason] = await event(ws, 'close');
    assert.deepEqual([code, reason.toString()], [3001, 'later']);
  } finally {
    server.close();
  }
});

test('our client refused by a ws server: handshake-failed with the status and WS_ERR_HANDSHAKE_REFUSED', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: (_info, done) => done(false, 403) });
  await once(wss, 'listening');
  try {
    const client = connectClient(wss.address().port);
    const failed = await within(client.next((e) => e.type === 'open' || e.type === 'handshake-failed'), 10_000, 'handshake');
    assert.deepEqual(failed, {
      type: 'handshake-failed',
      error: { status: 403, message: 'server rejected WebSocket connection: HTTP 403', code: 'WS_ERR_HANDSHAKE_REFUSED' },
    });
    assert.equal(client.wire.closeInfo().failure ?? null, null, 'a handshake failure is not a failed connection');
  } finally {
    wss.close();
  }
});

test('our client talks to a ws server: subprotocol, echo of every size, clean close', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, handleProtocols: (p) => [...p][1] });
  await once(wss, 'listening');
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  try {
    const client = connectClient(wss.address().port, { protocols: ['a', 'b'], resource: '/x?y=1' });
    const open = await client.next((e) => e.type === 'open' || e.type === 'handshake-failed');
    assert.equal(open.type, 'open');
    assert.equal(open.response.protocol, 'b');
    assert.equal(client.wire.subprotocol(), 'b');
    let seen = 0;
    for (const size of SIZES) {
      const bin = pattern(size, 7);
      client.send(bin, true);
      client.send('x'.repeat(size), false);
      const messages = () => client.events.filter((e) => e.type === 'text' || e.type === 'binary');
      await client.next(() => messages().length >= seen + 2);
      const [b, t] = messages().slice(seen, seen + 2);
      seen += 2;
      assert.equal(b.type, 'binary');
      assert.ok(Buffer.from(b.data).equals(bin), `binary ${size}`);
      assert.equal(t.type, 'text');
      assert.equal(Buffer.from(t.data).toString(), 'x'.repeat(size));
    }
    client.close(1000, 'done');
    await client.next((e) => e.type === 'eof');
    const info = client.wire.closeInfo();
    assert.equal(info.wasClean, true);
    assert.deepEqual(info.received, { code: 1000, reason: 'done' });
  } finally {
    wss.close();
  }
});

async function rawExchange(port, bytes) {
  const socket = net.connect(port, '127.0.0.1');
  const chunks = [];
  socket.on('data', (c) => chunks.push(c));
  socket.write(bytes);
  await event(socket, 'close');
  return Buffer.concat(chunks);
}

test('a request without Sec-WebSocket-Key is refused with 400 and the reason', async () => {
  const { server, port } = await startEchoServer();
  try {
    const reply = await rawExchange(port,
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n');
    const text = reply.toString();
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.match(text, /Sec-WebSocket-Key/);
  } finally {
    server.close();
  }
});

test('an unsupported version is refused with 426 and Sec-WebSocket-Version: 13', async () => {
  const { server, port } = await startEchoServer();
  try {
    const reply = (await rawExchange(port,
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n')).toString();
    assert.match(reply, /^HTTP\/1\.1 426 /);
    assert.match(reply, /\r\nSec-WebSocket-Version: 13\r\n/i);
  } finally {
    server.close();
  }
});

test('a reserved opcode fails the connection with close 1002 and the server closes TCP', async () => {
  const { server, port } = await startEchoServer();
  try {
    const request = 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    // Pipelined behind the request: a masked frame with reserved opcode 0x3.
    const frame = Buffer.from([0x83, 0x80, 1, 2, 3, 4]);
    const reply = await rawExchange(port, Buffer.concat([Buffer.from(request), frame]));
    const headEnd = reply.indexOf('\r\n\r\n') + 4;
    assert.match(reply.subarray(0, headEnd).toString(), /^HTTP\/1\.1 101 /);
    assert.match(reply.toString(), /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
    const close = reply.subarray(headEnd);
    assert.equal(close[0], 0x88, 'a close frame');
    assert.equal(close.readUInt16BE(2), 1002);
  } finally {
    server.close();
  }
});
