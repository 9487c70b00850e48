// The send methods with autobahn's argument rules, what they put on the wire (seen by a raw
// peer), Disconnected, backpressure (bufferedAmount, sendHighWaterMark, onDrain) and the
// input pause while an async onMessage runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import { Disconnected, State } from '../../pkg/node.mjs';
import { startServer, startClient, cleanup, wsOpen, next, sleep, closeArgs, within } from './support/api.mjs';
import { rawClient, rawServer } from './support/raw.mjs';

/** A server whose onOpen runs `fn(protocol)`, and a raw client that completed the handshake. */
async function serverAndRawPeer(t, handlers = {}, options = {}) {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(handlers, { options }));
  const peer = defer.raw(await rawClient(srv.port));
  const protocol = (await srv.recorder.wait('onOpen')).protocol;
  return { defer, srv, peer, protocol };
}

test('sendMessage: payload types and isBinary, exactly as framed on the wire (server: unmasked)', async (t) => {
  const { peer, protocol } = await serverAndRawPeer(t);
  const bytes = Uint8Array.from([1, 2, 3, 250]);
  assert.equal(protocol.sendMessage('héllo'), true);
  protocol.sendMessage('as binary', true);
  protocol.sendMessage(Buffer.from('buffer'), true);
  protocol.sendMessage(bytes, true);
  protocol.sendMessage(bytes.buffer, true);
  protocol.sendMessage(new DataView(bytes.buffer, 1, 2), true);
  protocol.sendMessage(Buffer.from('text bytes'));
  protocol.sendMessage('');
  protocol.sendMessage(Buffer.alloc(70000, 1), true);
  const frames = await peer.until(() => peer.frames.length >= 9 && peer.frames, '9 frames');
  const expected = [
    [1, Buffer.from('héllo')],
    [2, Buffer.from('as binary')],
    [2, Buffer.from('buffer')],
    [2, Buffer.from([1, 2, 3, 250])],
    [2, Buffer.from([1, 2, 3, 250])],
    [2, Buffer.from([2, 3])],
    [1, Buffer.from('text bytes')],
    [1, Buffer.alloc(0)],
    [2, Buffer.alloc(70000, 1)],
  ];
  assert.equal(frames.length, expected.length);
  frames.forEach((f, i) => {
    assert.equal(f.opcode, expected[i][0], `frame ${i} opcode`);
    assert.ok(f.payload.equals(expected[i][1]), `frame ${i} payload`);
    assert.equal(f.fin, true);
    assert.equal(f.masked, false);
    assert.equal(f.rsv, 0);
  });
  assert.throws(() => protocol.sendMessage(42), TypeError);
  assert.throws(() => protocol.sendMessage({}), TypeError);
  await sleep(20);
  assert.equal(peer.frames.length, expected.length, 'a rejected payload sends nothing');
});

test('sendMessage with fragmentSize: frames of that size on the wire, one message for the peer', async (t) => {
  const { peer, protocol } = await serverAndRawPeer(t);
  protocol.sendMessage('abcdefg', false, 3);
  protocol.sendMessage(Buffer.from([1, 2, 3, 4]), true, 2);
  protocol.sendMessage('xy', false, 10);
  protocol.sendMessage('', false, 4);
  const frames = await peer.until(() => peer.frames.length >= 7 && peer.frames, '7 frames');
  assert.deepEqual(frames.map((f) => [f.opcode, f.fin, f.payload.toString('latin1')]), [
    [1, false, 'abc'], [0, false, 'def'], [0, true, 'g'],
    [2, false, '\x01\x02'], [0, true, '\x03\x04'],
    [1, true, 'xy'],
    [1, true, ''],
  ]);
  for (const bad of [0, -1, 1.5, '3', NaN]) {
    assert.throws(() => protocol.sendMessage('x', false, bad), RangeError, String(bad));
  }
  await sleep(20);
  assert.equal(peer.frames.length, 7, 'a rejected fragmentSize sends nothing');
});

test('sendMessage with fragmentSize: a ws peer receives each message reassembled (both roles)', async (t) => {
  const defer = cleanup(t);
  const text = 'κόσμε ☃ snow '.repeat(40); // multi-byte characters split across fragments
  const binary = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
  // our server → ws client
  const srv = defer.server(await startServer({ onOpen() { this.sendMessage(text, false, 7); this.sendMessage(binary, true, 100); } }));
  const ws = defer.ws(new WebSocket(srv.url, { perMessageDeflate: false }));
  const got = [];
  await within(new Promise((resolve) => ws.on('message', (data, isBinary) => { got.push([data, isBinary]); if (got.length === 2) resolve(); })), 3000, 'two messages');
  assert.equal(got[0][0].toString(), text);
  assert.equal(got[0][1], false);
  assert.ok(got[1][0].equals(binary));
  assert.equal(got[1][1], true);
  // our client (masked fragments) → ws server
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await next(wss, 'listening');
  defer(() => new Promise((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(() => resolve()); }));
  const received = new Promise((resolve) => wss.on('connection', (s) => s.on('message', (data, isBinary) => resolve([data.toString(), isBinary]))));
  const client = await startClient(`ws://127.0.0.1:${wss.address().port}/`, { onOpen() { this.sendMessage(text, false, 5); } });
  defer(() => client.protocol.dropConnection());
  assert.deepEqual(await received, [text, false]);
});

test('client sendMessage: masked frames with a fresh key each, payload intact', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer();
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, { onOpen() { this.sendMessage('one'); this.sendMessage('two'); this.sendMessage(Buffer.from([9]), true); } });
  defer(() => client.protocol.dropConnection());
  const peer = await raw.waitPeer();
  const frames = await peer.until(() => peer.frames.length >= 3 && peer.frames, '3 frames');
  assert.deepEqual(frames.map((f) => [f.opcode, f.masked, f.payload.toString('latin1')]), [[1, true, 'one'], [1, true, 'two'], [2, true, '\x09']]);
  assert.notDeepEqual(frames[0].key, frames[1].key);
  assert.notDeepEqual(frames[0].rawPayload, frames[0].payload, 'the payload is XORed on the wire');
});

test('sendPing / sendPong: payload up to 125 bytes; more throws RangeError and sends nothing', async (t) => {
  const { peer, protocol } = await serverAndRawPeer(t);
  protocol.sendPing();
  protocol.sendPing('hi');
  protocol.sendPing(Buffer.alloc(125, 1));
  protocol.sendPong(Buffer.from([7]));
  protocol.sendPong();
  assert.throws(() => protocol.sendPing(Buffer.alloc(126)), (e) => e instanceof RangeError && /125/.test(e.message));
  assert.throws(() => protocol.sendPong('x'.repeat(126)), RangeError);
  assert.throws(() => protocol.sendPing('é'.repeat(63)), RangeError, '126 UTF-8 bytes');
  protocol.sendMessage('marker');
  const frames = await peer.until(() => peer.frames.length >= 6 && peer.frames, '6 frames');
  assert.deepEqual(frames.map((f) => [f.opcode, f.payload.length]), [[9, 0], [9, 2], [9, 125], [10, 1], [10, 0], [1, 6]]);
  assert.equal(frames[1].payload.toString(), 'hi');
  await sleep(20);
  assert.equal(peer.frames.length, 6);
});

test('sendClose: argument rules (code 1000 or 3000-4999, reason needs a code, at most 123 UTF-8 bytes)', async (t) => {
  const { peer, protocol } = await serverAndRawPeer(t);
  assert.throws(() => protocol.sendClose(null, 'why'), (e) => e instanceof TypeError && /needs a close code/.test(e.message));
  assert.throws(() => protocol.sendClose(undefined, 'why'), TypeError);
  for (const code of [0, 999, 1001, 1002, 1005, 1006, 1011, 1015, 2000, 2999, 5000, 65535, 1000.5, '1000', 3000.1]) {
    assert.throws(() => protocol.sendClose(code), (e) => e instanceof RangeError && /1000 or within 3000-4999/.test(e.message), String(code));
  }
  assert.throws(() => protocol.sendClose(1000, 'é'.repeat(62)), (e) => e instanceof RangeError && /124/.test(e.message));
  assert.throws(() => protocol.sendClose(1000, 'x'.repeat(124)), RangeError);
  assert.throws(() => protocol.sendClose(1000, 42), TypeError);
  await sleep(20);
  assert.equal(peer.frames.length, 0, 'nothing sent by rejected calls');
  assert.equal(protocol.state, State.OPEN);
  const reason = `${'é'.repeat(61)}x`; // 123 bytes
  protocol.sendClose(4999, reason);
  assert.equal(protocol.state, State.CLOSING);
  protocol.sendClose(1000, 'again'); // a no-op
  protocol.sendClose();
  const close = await peer.closeFrame();
  assert.deepEqual([close.code, close.reason], [4999, reason]);
  await sleep(20);
  assert.equal(peer.frames.length, 1, 'one close frame only');
});

for (const [args, code, reason, payloadLength] of [[[], null, '', 0], [[1000], 1000, '', 2], [[3000, 'x'], 3000, 'x', 3]]) {
  test(`sendClose(${args.join(', ')}) sends a close frame of ${payloadLength} payload bytes and completes the handshake`, async (t) => {
    const { peer, protocol, srv } = await serverAndRawPeer(t);
    protocol.sendClose(...args);
    const close = await peer.closeFrame();
    assert.equal(close.payload.length, payloadLength);
    assert.deepEqual([close.code, close.reason], [code, reason]);
    peer.send({ opcode: 8, payload: Buffer.from([0x03, 0xe8, 0x6f, 0x6b]) }); // 1000 "ok"
    await peer.gone();
    await srv.recorder.wait('onClose');
    assert.deepEqual(closeArgs(srv.recorder), [true, 1000, 'ok']);
  });
}

test('sendClose while connecting (client) drops the connection: onClose(false, 1006) once', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer({ answer: false });
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`);
  defer(() => client.protocol.dropConnection());
  const peer = await raw.waitPeer();
  await peer.headReceived();
  assert.equal(client.protocol.state, State.CONNECTING);
  client.protocol.sendClose(1000, 'never mind');
  await peer.gone();
  await client.recorder.wait('onClose');
  await sleep(30);
  const [wasClean, code, reason] = closeArgs(client.recorder);
  assert.deepEqual([wasClean, code], [false, 1006]);
  assert.match(reason, /closed before the connection opened/);
  assert.equal(peer.frames.length, 0, 'no close frame before the handshake');
});

test('sendClose from a server onConnect drops the connection: no onOpen, onClose once', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({ onConnect() { this.sendClose(); } }));
  const ws = defer.ws(new WebSocket(srv.url, { perMessageDeflate: false }));
  let opened = false;
  ws.on('open', () => { opened = true; });
  await next(ws, 'close');
  await srv.recorder.wait('onClose');
  await sleep(30);
  assert.equal(opened, false, 'the client never saw a 101');
  assert.equal(srv.recorder.count('onOpen'), 0);
  const [wasClean, code] = closeArgs(srv.recorder);
  assert.deepEqual([wasClean, code], [false, 1006]);
});

test('sending on a connection that is not open throws Disconnected', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer({ answer: false });
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`);
  defer(() => client.protocol.dropConnection());
  const p = client.protocol;
  const isDisconnected = (e) => e instanceof Disconnected && e.name === 'Disconnected';
  assert.equal(p.state, State.CONNECTING);
  assert.throws(() => p.sendMessage('x'), isDisconnected);
  assert.throws(() => p.sendPing(), isDisconnected);
  assert.throws(() => p.sendPong(), isDisconnected);
  // open → closing → closed
  const { peer, protocol, srv } = await serverAndRawPeer(t);
  protocol.sendClose(1000);
  assert.equal(protocol.state, State.CLOSING);
  assert.throws(() => protocol.sendMessage('x'), isDisconnected);
  assert.throws(() => protocol.sendMessage('x', false, 1), isDisconnected);
  assert.throws(() => protocol.sendPing('x'), isDisconnected);
  assert.throws(() => protocol.sendPong('x'), isDisconnected);
  assert.equal(protocol.sendClose(1000), undefined, 'closing again is a no-op');
  peer.send({ opcode: 8 });
  await srv.recorder.wait('onClose');
  assert.equal(protocol.state, State.CLOSED);
  assert.throws(() => protocol.sendMessage('x'), isDisconnected);
  assert.throws(() => protocol.sendPing(), isDisconnected);
  assert.equal(protocol.sendClose(), undefined);
  assert.equal(protocol.sendClose(1000, 'x'), undefined);
  await peer.gone();
  assert.equal(peer.frames.filter((f) => f.opcode !== 8).length, 0);
});

test('backpressure: sendMessage returns false above sendHighWaterMark, onDrain follows once the peer reads', async (t) => {
  const hwm = 64 * 1024;
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  const results = [];
  const { peer, protocol, srv } = await serverAndRawPeer(t, {}, { sendHighWaterMark: hwm });
  peer.keep = false;
  peer.byteCount = 0;
  peer.socket.pause();
  await sleep(10);
  assert.equal(protocol.bufferedAmount, 0);
  let sent = 0;
  for (let i = 0; i < 200; i++) {
    const ok = protocol.sendMessage(chunk, true);
    sent += chunk.length + 10; // 10-byte header for 256 KiB
    results.push(ok);
    if (!ok) break;
  }
  assert.equal(results.at(-1), false, 'sendMessage eventually returns false');
  assert.ok(results.slice(0, -1).every((ok) => ok === true));
  assert.ok(protocol.bufferedAmount > hwm, `bufferedAmount ${protocol.bufferedAmount} above the mark`);
  await sleep(30);
  assert.equal(srv.recorder.count('onDrain'), 0, 'no onDrain while the peer does not read');
  // Still above the mark: more sends keep returning false without a second onDrain later.
  assert.equal(protocol.sendMessage(chunk, true), false);
  sent += chunk.length + 10;
  peer.socket.resume();
  await srv.recorder.wait('onDrain', { timeout: 5000 });
  assert.ok(protocol.bufferedAmount <= hwm);
  await peer.until(() => peer.byteCount >= sent, 'every byte', 5000);
  assert.equal(peer.byteCount, sent);
  await sleep(30);
  assert.equal(srv.recorder.count('onDrain'), 1, 'one onDrain per return of false');
  assert.equal(protocol.sendMessage('small'), true);
});

// A send from onOpen is held (the transport is corked while input is dispatched) and then
// written at once by a socket with room for it: the socket never refuses a write, so it emits no
// 'drain', and onDrain must come another way (it did not: a producer waiting for it stalled).
test('backpressure: onDrain follows a sendMessage that returned false in onOpen, when the socket then took it all at once', async (t) => {
  const defer = cleanup(t);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await next(wss, 'listening');
  defer(() => new Promise((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(() => resolve()); }));
  const COUNT = 40;
  let received = 0;
  const all = new Promise((resolve) => wss.on('connection', (s) => s.on('message', () => { if (++received === COUNT) resolve(); })));
  const chunk = Buffer.alloc(64 * 1024, 0x62);
  let sent = 0;
  let refused = 0;
  const pump = (protocol) => {
    while (sent < COUNT) {
      sent++;
      if (!protocol.sendMessage(chunk, true)) {
        refused++;
        return;
      }
    }
  };
  const client = await startClient(`ws://127.0.0.1:${wss.address().port}/`, {
    onOpen() { pump(this); },
    onDrain() { pump(this); },
  }, { options: { sendHighWaterMark: 64 * 1024 } });
  defer(() => client.protocol.dropConnection());
  await within(all, 10000, `all ${COUNT} messages at the server`);
  assert.ok(refused > 0, 'sendMessage returned false at least once');
  // One onDrain per false (the one after the last send may still be on its way).
  const drains = client.recorder.count('onDrain');
  assert.ok(drains === refused || drains === refused - 1, `${drains} onDrain for ${refused} false`);
});

test('bufferedAmount is 0 for a protocol that has no transport', async () => {
  const { WebSocketServerProtocol } = await import('../../pkg/node.mjs');
  assert.equal(new WebSocketServerProtocol().bufferedAmount, 0);
});

test('an async onMessage pauses input: handlers never overlap, order is kept (messages and pings)', async (t) => {
  const defer = cleanup(t);
  const log = [];
  const srv = defer.server(await startServer({
    async onMessage(payload) {
      const text = payload.toString();
      log.push(`start ${text}`);
      await sleep(15);
      if (!this.transport.socket.isPaused()) log.push('NOT PAUSED');
      log.push(`end ${text}`);
      this.sendMessage(text);
    },
    onPing() { log.push('ping'); },
  }));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url));
  const echoed = [];
  const done = new Promise((resolve) => ws.on('message', (d) => { echoed.push(d.toString()); if (echoed.length === 5) resolve(); }));
  ws.send('1');
  ws.send('2');
  ws.ping();
  ws.send('3');
  ws.send('4');
  ws.send('5');
  await done;
  assert.deepEqual(echoed, ['1', '2', '3', '4', '5']);
  assert.deepEqual(log, ['start 1', 'end 1', 'start 2', 'end 2', 'ping', 'start 3', 'end 3', 'start 4', 'end 4', 'start 5', 'end 5']);
  assert.equal(srv.recorder.all('onOpen')[0].protocol.transport.socket.isPaused(), false, 'reading resumes');
});

test('an async onMessage: a close from the peer waits behind it, our reply follows the pending messages', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({
    async onMessage(payload) {
      await sleep(20);
      this.sendMessage(payload);
    },
  }));
  const peer = defer.raw(await rawClient(srv.port));
  peer.send({ opcode: 1, payload: 'a' });
  peer.send({ opcode: 1, payload: 'b' });
  peer.send({ opcode: 8, payload: Buffer.from([0x0f, 0xa0]) }); // 4000
  await peer.gone();
  assert.deepEqual(peer.frames.map((f) => [f.opcode, f.opcode === 8 ? f.code : f.payload.toString()]), [[1, 'a'], [1, 'b'], [8, 1000]]);
  await srv.recorder.wait('onClose');
  assert.deepEqual(closeArgs(srv.recorder), [true, 4000, '']);
});

test('client: an async onMessage pauses input too; replies keep the order', async (t) => {
  const defer = cleanup(t);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await next(wss, 'listening');
  defer(() => new Promise((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(() => resolve()); }));
  const replies = [];
  const done = new Promise((resolve) => wss.on('connection', (ws) => {
    for (const n of ['1', '2', '3', '4']) ws.send(n);
    ws.on('message', (d) => { replies.push(d.toString()); if (replies.length === 4) resolve(); });
  }));
  const log = [];
  const client = await startClient(`ws://127.0.0.1:${wss.address().port}/`, {
    async onMessage(payload) {
      const n = payload.toString();
      log.push(`start ${n}`);
      await sleep(Number(n) % 2 ? 25 : 5);
      log.push(`end ${n}`);
      this.sendMessage(`re ${n}`);
    },
  });
  defer(() => client.protocol.dropConnection());
  await within(done, 3000, 'four replies');
  assert.deepEqual(replies, ['re 1', 're 2', 're 3', 're 4']);
  assert.deepEqual(log, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3', 'start 4', 'end 4']);
});
