// The timer options with short values: openHandshakeTimeout, closeHandshakeTimeout,
// serverConnectionDropTimeout, autoPingInterval/Timeout/Size. Each waits for a peer that
// misbehaves in exactly one way and checks when and how we give up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import { State } from '../../pkg/node.mjs';
import { startServer, startClient, cleanup, wsOpen, next, sleep, closeArgs } from './support/api.mjs';
import { rawConnect, rawClient, rawServer, closePayload, upgradeRequest } from './support/raw.mjs';

const T = 0.2; // seconds: the timeout under test
const SLACK = 1500; // ms a loaded machine may add

function assertElapsed(started, seconds, what) {
  const ms = Date.now() - started;
  assert.ok(ms >= seconds * 1000 - 20, `${what}: gave up after ${ms} ms, before ${seconds} s`);
  assert.ok(ms < seconds * 1000 + SLACK, `${what}: gave up after ${ms} ms, long after ${seconds} s`);
}

async function onlyClose(recorder) {
  await recorder.wait('onClose', { timeout: 5000 });
  await sleep(30);
  return closeArgs(recorder);
}

async function wsServer(defer, options = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, ...options });
  await next(wss, 'listening');
  defer(() => new Promise((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(() => resolve()); }));
  return { wss, url: `ws://127.0.0.1:${wss.address().port}/` };
}

// ----- openHandshakeTimeout -----

for (const [what, send] of [['sends nothing', null], ['sends half a request', upgradeRequest().slice(0, 40)]]) {
  test(`openHandshakeTimeout (server): a peer that ${what} is dropped after it`, async (t) => {
    const defer = cleanup(t);
    const srv = defer.server(await startServer({}, { options: { openHandshakeTimeout: T } }));
    const started = Date.now();
    const peer = defer.raw(await rawConnect(srv.port));
    if (send) peer.write(send);
    await peer.gone(5000);
    assertElapsed(started, T, 'server');
    assert.equal(peer.bytes.length, 0, 'nothing was sent to it');
    assert.deepEqual(await onlyClose(srv.recorder), [false, 1006, 'connection was closed uncleanly (opening handshake timeout)']);
  });
}

test('openHandshakeTimeout (server): an onConnect that never answers is cut off; a late answer is ignored', async (t) => {
  const defer = cleanup(t);
  let answer;
  const srv = defer.server(await startServer({ onConnect() { return new Promise((resolve) => { answer = resolve; }); } }, { options: { openHandshakeTimeout: T } }));
  const peer = defer.raw(await rawConnect(srv.port));
  peer.write(upgradeRequest());
  await peer.gone(5000);
  assert.equal(peer.bytes.length, 0);
  answer(null);
  await sleep(30);
  assert.equal(srv.recorder.count('onOpen'), 0);
  assert.equal(srv.recorder.count('onError'), 0);
  assert.deepEqual(await onlyClose(srv.recorder), [false, 1006, 'connection was closed uncleanly (opening handshake timeout)']);
});

test('openHandshakeTimeout (client): a server that never answers is dropped after it', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer({ answer: false });
  defer(() => raw.close());
  const started = Date.now();
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, {}, { options: { openHandshakeTimeout: T } });
  const peer = await raw.waitPeer();
  await peer.gone(5000);
  assertElapsed(started, T, 'client');
  assert.deepEqual(await onlyClose(client.recorder), [false, 1006, 'connection was closed uncleanly (opening handshake timeout)']);
  assert.equal(client.protocol.state, State.CLOSED);
});

test('openHandshakeTimeout stops once open, and 0 disables it', async (t) => {
  const defer = cleanup(t);
  const timed = defer.server(await startServer({}, { options: { openHandshakeTimeout: 0.1 } }));
  const open = defer.raw(await rawClient(timed.port));
  const none = defer.server(await startServer({}, { options: { openHandshakeTimeout: 0 } }));
  const idle = defer.raw(await rawConnect(none.port));
  await sleep(400);
  assert.equal(open.closed, false, 'an open connection outlives openHandshakeTimeout');
  assert.equal(idle.closed, false, 'no opening timeout with 0');
  assert.equal(timed.recorder.count('onClose') + none.recorder.count('onClose'), 0);
});

// ----- closeHandshakeTimeout -----

test('closeHandshakeTimeout (server): a peer that never answers our close is dropped after it', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({ onOpen() { this.sendClose(4000, 'answer me'); } }, { options: { closeHandshakeTimeout: T } }));
  const peer = defer.raw(await rawClient(srv.port));
  const close = await peer.closeFrame();
  const started = Date.now();
  assert.deepEqual([close.code, close.reason], [4000, 'answer me']);
  await peer.gone(5000);
  assertElapsed(started, T, 'server');
  assert.deepEqual(await onlyClose(srv.recorder), [false, 1006, 'connection was closed uncleanly (closing handshake timeout)']);
});

test('closeHandshakeTimeout (client): a server that never answers our close is dropped after it', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer();
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, { onOpen() { this.sendClose(1000); } }, { options: { closeHandshakeTimeout: T, serverConnectionDropTimeout: 5 } });
  const peer = await raw.waitPeer();
  await peer.closeFrame();
  const started = Date.now();
  await peer.gone(5000);
  assertElapsed(started, T, 'client');
  assert.deepEqual(await onlyClose(client.recorder), [false, 1006, 'connection was closed uncleanly (closing handshake timeout)']);
});

test('closeHandshakeTimeout 0: we wait for the peer however long it takes', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({ onOpen() { this.sendClose(1000); } }, { options: { closeHandshakeTimeout: 0 } }));
  const peer = defer.raw(await rawClient(srv.port));
  await peer.closeFrame();
  await sleep(400);
  assert.equal(peer.closed, false);
  peer.send({ opcode: 8, payload: closePayload(1000) });
  await peer.gone();
  assert.deepEqual(await onlyClose(srv.recorder), [true, 1000, '']);
});

test('closeHandshakeTimeout (server): after failing, a peer that keeps TCP open is dropped after it', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}, { options: { closeHandshakeTimeout: T } }));
  const peer = defer.raw(await rawClient(srv.port));
  peer.socket.allowHalfOpen = true; // do not answer the server's FIN
  peer.send({ opcode: 3 });
  await peer.closeFrame();
  await peer.until(() => peer.ended, 'the server FIN');
  const started = Date.now();
  // The peer cannot see the drop (it already has the FIN); the server's onClose tells.
  assert.deepEqual(await onlyClose(srv.recorder), [false, 1002, 'reserved opcode 0x3']);
  assertElapsed(started, T, 'drop after the FIN');
  assert.equal(peer.closed, false, 'the peer still holds its half');
});

// ----- serverConnectionDropTimeout -----

test('serverConnectionDropTimeout: after the server\'s close, a server that keeps TCP open is dropped; unclean', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer();
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, {}, { options: { serverConnectionDropTimeout: T, closeHandshakeTimeout: 5 } });
  const peer = await raw.waitPeer();
  await client.recorder.wait('onOpen');
  peer.send({ opcode: 8, payload: closePayload(1001, 'going away') });
  const reply = await peer.closeFrame();
  const started = Date.now();
  assert.equal(reply.code, 1000);
  await peer.gone(5000);
  assertElapsed(started, T, 'client');
  // autobahn: wasClean is false when the server did not drop TCP in time.
  assert.deepEqual(await onlyClose(client.recorder), [false, 1006, 'connection was closed uncleanly (server did not drop the TCP connection in time)']);
});

test('serverConnectionDropTimeout: after our close and the server\'s reply, it replaces closeHandshakeTimeout', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer();
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, { onOpen() { this.sendClose(3000, 'bye'); } }, { options: { serverConnectionDropTimeout: T, closeHandshakeTimeout: 5 } });
  const peer = await raw.waitPeer();
  await peer.closeFrame();
  peer.send({ opcode: 8, payload: closePayload(3000, 'bye') });
  const started = Date.now();
  await peer.gone(5000);
  assertElapsed(started, T, 'client');
  assert.deepEqual(await onlyClose(client.recorder), [false, 1006, 'connection was closed uncleanly (server did not drop the TCP connection in time)']);
});

test('serverConnectionDropTimeout: a server that drops TCP in time gives a clean close', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer();
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, { onOpen() { this.sendClose(1000, 'bye'); } }, { options: { serverConnectionDropTimeout: 0.3 } });
  const peer = await raw.waitPeer();
  await peer.closeFrame();
  peer.send({ opcode: 8, payload: closePayload(1000, 'ok') });
  await sleep(50);
  peer.socket.end();
  assert.deepEqual(await onlyClose(client.recorder), [true, 1000, 'ok']);
});

// ----- autoPing -----

test('autoPingInterval/autoPingSize (server): pings of that size at that interval; answered pongs keep it open', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}, { options: { autoPingInterval: 0.1, autoPingTimeout: 0.15, autoPingSize: 10 } }));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url));
  const pings = [];
  ws.on('ping', (data) => pings.push(data));
  await sleep(550);
  // 5 expected; a loaded machine (the suite runs files side by side) may fire late, never early.
  assert.ok(pings.length >= 2 && pings.length <= 6, `${pings.length} pings in 550 ms at 100 ms`);
  for (const p of pings) assert.equal(p.length, 10);
  assert.notDeepEqual(pings[0], pings[1], 'fresh random payloads');
  assert.equal(ws.readyState, WebSocket.OPEN);
  assert.equal(srv.recorder.count('onClose'), 0);
  // onPong sees the answers to our own pings
  const pongs = srv.recorder.all('onPong').map((e) => e.args[0].toString('hex'));
  assert.ok(pongs.length >= 2);
  for (const pong of pongs) assert.ok(pings.some((p) => p.toString('hex') === pong));
});

test('autoPingTimeout (server): a peer that never answers pings is dropped', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}, { options: { autoPingInterval: 0.1, autoPingTimeout: T } }));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url, [], { autoPong: false }));
  const started = Date.now();
  const [code] = await next(ws, 'close', 5000);
  assert.equal(code, 1006, 'dropped, no close frame');
  assertElapsed(started, 0.1 + T, 'server');
  assert.deepEqual(await onlyClose(srv.recorder), [false, 1006, 'connection was closed uncleanly (WebSocket ping timeout)']);
});

test('autoPing (client): pings of autoPingSize to a ws server; a server that never pongs gets the client dropped', async (t) => {
  const defer = cleanup(t);
  const { wss, url } = await wsServer(defer);
  const pings = [];
  wss.on('connection', (ws) => ws.on('ping', (data) => pings.push(data)));
  const client = await startClient(url, {}, { options: { autoPingInterval: 0.1, autoPingSize: 125 } });
  defer(() => client.protocol.dropConnection());
  await sleep(350);
  assert.ok(pings.length >= 2, `${pings.length} pings`);
  for (const p of pings) assert.equal(p.length, 125);
  const silent = await wsServer(defer, { autoPong: false });
  const client2 = await startClient(silent.url, {}, { options: { autoPingInterval: 0.1, autoPingTimeout: T } });
  assert.deepEqual(await onlyClose(client2.recorder), [false, 1006, 'connection was closed uncleanly (WebSocket ping timeout)']);
});

test('autoPingInterval 0 (default): no pings', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url));
  let pings = 0;
  ws.on('ping', () => { pings += 1; });
  await sleep(250);
  assert.equal(pings, 0);
});
