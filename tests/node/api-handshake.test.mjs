// The opening handshake through the API: what a client factory's session parameters put in
// the request, what a server factory's put in the response, client onConnect answers, and
// every way a handshake fails (each ends in exactly one onClose(false, 1006, …)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { WebSocket } from 'ws';
import { State, VERSION } from '../../pkg/node.mjs';
import { startServer, startClient, cleanup, wsOpen, next, sleep, closeArgs } from './support/api.mjs';
import { rawServer, rawConnect, rawClient, upgradeRequest, parseHead, acceptKey, frame } from './support/raw.mjs';

/** Waits for the one onClose and returns its arguments (after checking no second one follows). */
async function onlyClose(recorder) {
  await recorder.wait('onClose');
  await sleep(40);
  return closeArgs(recorder);
}

test('client request: URL resource, Host, origin, protocols, useragent and headers from the factory', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer({ answer: false });
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/chat/room?x=1&y=%20`, {}, {
    factory: { origin: 'http://origin.example', protocols: ['v1.chat', 'v2.chat'], useragent: 'test-agent/2', headers: { 'X-Token': 'secret', 'X-Num': 7 } },
  });
  defer(() => client.protocol.dropConnection());
  const peer = await raw.waitPeer();
  const head = await peer.headReceived();
  const [requestLine] = head.split('\r\n');
  assert.equal(requestLine, 'GET /chat/room?x=1&y=%20 HTTP/1.1');
  const { headers } = parseHead(`HTTP/1.1 000 x\r\n${head.split('\r\n').slice(1).join('\r\n')}`);
  assert.equal(headers.host, `127.0.0.1:${raw.port}`);
  assert.equal(headers.origin, 'http://origin.example');
  assert.equal(headers['sec-websocket-protocol'], 'v1.chat, v2.chat');
  assert.equal(headers['user-agent'], 'test-agent/2');
  assert.equal(headers['x-token'], 'secret');
  assert.equal(headers['x-num'], '7');
  assert.equal(headers['sec-websocket-version'], '13');
  assert.equal(headers.upgrade.toLowerCase(), 'websocket');
  assert.equal(Buffer.from(headers['sec-websocket-key'], 'base64').length, 16);
  assert.equal(client.protocol.state, State.CONNECTING);
});

test('client request defaults: resource "/", useragent wasmsocket/VERSION, no origin, no subprotocols', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer({ answer: false });
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}`);
  defer(() => client.protocol.dropConnection());
  const head = await (await raw.waitPeer()).headReceived();
  assert.match(head, /^GET \/ HTTP\/1\.1\r\n/);
  const lower = head.toLowerCase();
  assert.ok(lower.includes(`user-agent: wasmsocket/${VERSION}\r\n`));
  assert.ok(!lower.includes('origin:'));
  assert.ok(!lower.includes('sec-websocket-protocol:'));
});

test('server response: Server header from the factory (none when null), factory headers', async (t) => {
  const defer = cleanup(t);
  const custom = defer.server(await startServer({}, { factory: { server: 'MyServer/1.0', headers: { 'X-Powered': 'tests' } } }));
  const ws1 = defer.ws(new WebSocket(custom.url, { perMessageDeflate: false }));
  const [res1] = await next(ws1, 'upgrade');
  assert.equal(res1.headers.server, 'MyServer/1.0');
  assert.equal(res1.headers['x-powered'], 'tests');
  const anonymous = defer.server(await startServer({}, { factory: { server: null } }));
  const ws2 = defer.ws(new WebSocket(anonymous.url, { perMessageDeflate: false }));
  const [res2] = await next(ws2, 'upgrade');
  assert.equal(res2.headers.server, undefined);
  const plain = defer.server(await startServer({}));
  const ws3 = defer.ws(new WebSocket(plain.url, { perMessageDeflate: false }));
  const [res3] = await next(ws3, 'upgrade');
  assert.equal(res3.headers.server, `wasmsocket/${VERSION}`);
});

test('server: repeated request headers are joined with ", " in request.headers', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}));
  const peer = defer.raw(await rawConnect(srv.port));
  const head = upgradeRequest({ host: 'example.com:1234' }).replace('\r\n\r\n', '\r\nX-Dup: a\r\nX-DUP: b\r\n\r\n');
  peer.write(head);
  const [request] = (await srv.recorder.wait('onConnect')).args;
  assert.equal(request.headers['x-dup'], 'a, b');
  assert.equal(request.host, 'example.com:1234');
  assert.equal(request.origin, null);
  assert.deepEqual(request.protocols, []);
  assert.deepEqual(request.extensions, []);
  assert.deepEqual(request.params, {});
  assert.equal(request.path, '/');
});

test('server: frames pipelined right behind the request are delivered after onOpen (also with an async onConnect)', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({
    async onConnect() { await sleep(30); },
    onMessage(payload) { this.sendMessage(payload); },
  }));
  const peer = defer.raw(await rawConnect(srv.port));
  const key = crypto.randomBytes(16).toString('base64');
  peer.write(Buffer.concat([Buffer.from(upgradeRequest({ key })), frame({ opcode: 1, payload: 'early', mask: true })]));
  const echoed = await peer.frame((f) => f.opcode === 1);
  assert.equal(echoed.payload.toString(), 'early');
  assert.equal(parseHead(peer.head).status, 101);
  assert.equal(parseHead(peer.head).headers['sec-websocket-accept'], acceptKey(key));
  assert.deepEqual(srv.recorder.names(), ['onConnecting', 'onConnect', 'onOpen', 'onMessage']);
});

test('client: frames right behind the 101 are delivered after onConnect and onOpen', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer({
    answer: (head) => {
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)[1];
      return Buffer.concat([
        Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`),
        frame({ opcode: 1, payload: 'right away' }),
      ]);
    },
  });
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, { async onConnect() { await sleep(20); } });
  defer(() => client.protocol.dropConnection());
  const message = await client.recorder.wait('onMessage');
  assert.equal(message.args[0].toString(), 'right away');
  assert.deepEqual(client.recorder.names(), ['onConnecting', 'onConnect', 'onOpen', 'onMessage']);
});

for (const [what, onConnect] of [
  ['throws', function () { throw new Error('refuse this server'); }],
  ['rejects', async function () { await sleep(5); throw new Error('refuse this server'); }],
]) {
  test(`client: an onConnect that ${what} goes to onError, the connection is dropped, never opens`, async (t) => {
    const defer = cleanup(t);
    const raw = await rawServer();
    defer(() => raw.close());
    const client = await startClient(`ws://127.0.0.1:${raw.port}/`, { onConnect });
    defer(() => client.protocol.dropConnection());
    const peer = await raw.waitPeer();
    const [wasClean, code, reason] = await onlyClose(client.recorder);
    assert.deepEqual([wasClean, code], [false, 1006]);
    assert.match(reason, /internal error: refuse this server/);
    assert.equal(client.recorder.all('onError')[0].args[0].message, 'refuse this server');
    assert.equal(client.recorder.count('onOpen'), 0);
    await peer.gone();
    assert.equal(peer.frames.length, 0);
  });
}

const BAD_RESPONSES = [
  ['a non-101 status', () => 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n', /403/],
  ['a wrong Sec-WebSocket-Accept', () => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n', /accept/i],
  ['a subprotocol that was not offered', (key) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\nSec-WebSocket-Protocol: other\r\n\r\n`, /protocol/i],
  ['an extension that was not offered', (key) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\nSec-WebSocket-Extensions: x-not-offered\r\n\r\n`, /extension/i],
  ['no Upgrade header', (key) => `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`, /upgrade/i],
  ['not HTTP at all', () => 'SSH-2.0-OpenSSH_9.0\r\n\r\n', /./],
];

for (const [what, response, pattern] of BAD_RESPONSES) {
  test(`client: a handshake response with ${what} → onClose(false, 1006, …) once, no onConnect`, async (t) => {
    const defer = cleanup(t);
    const raw = await rawServer({ answer: (head) => response(/sec-websocket-key:\s*(\S+)/i.exec(head)[1]) });
    defer(() => raw.close());
    const client = await startClient(`ws://127.0.0.1:${raw.port}/`, {}, { factory: { protocols: ['mine'] } });
    defer(() => client.protocol.dropConnection());
    const peer = await raw.waitPeer();
    const [wasClean, code, reason] = await onlyClose(client.recorder);
    assert.deepEqual([wasClean, code], [false, 1006]);
    assert.match(reason, /^connection was closed uncleanly \(opening handshake failed: /);
    assert.match(reason, pattern);
    assert.deepEqual(client.recorder.names(), ['onConnecting', 'onClose']);
    await peer.gone();
  });
}

test('client: the server closes TCP before answering → onClose(false, 1006, …) once', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer({ answer: (head, peer) => { peer.socket.end(); return ''; } });
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`);
  const [wasClean, code, reason] = await onlyClose(client.recorder);
  assert.deepEqual([wasClean, code], [false, 1006]);
  assert.match(reason, /connection closed before the handshake response/);
});

test('connectWS rejects when nothing listens (no protocol is built)', async () => {
  const raw = await rawServer();
  const { port } = raw;
  await raw.close();
  await assert.rejects(startClient(`ws://127.0.0.1:${port}/`), /ECONNREFUSED/);
});

const BAD_REQUESTS = [
  ['version 8', upgradeRequest({ version: 8 }), 426, { 'sec-websocket-version': '13' }],
  ['no Sec-WebSocket-Key', upgradeRequest().replace(/Sec-WebSocket-Key: \S+\r\n/, ''), 400, {}],
  ['a POST', upgradeRequest().replace(/^GET/, 'POST'), 405, {}],
  ['garbage', 'HELLO\r\n\r\n', 400, {}],
];

for (const [what, request, status, headers] of BAD_REQUESTS) {
  test(`server: a request with ${what} → ${status}, no onConnect, onClose(false, 1006, …) once`, async (t) => {
    const defer = cleanup(t);
    const srv = defer.server(await startServer({}));
    const peer = defer.raw(await rawConnect(srv.port));
    peer.write(request);
    const response = parseHead(await peer.headReceived());
    assert.equal(response.status, status);
    for (const [name, value] of Object.entries(headers)) assert.equal(response.headers[name], value);
    await peer.gone();
    const [wasClean, code, reason] = await onlyClose(srv.recorder);
    assert.deepEqual([wasClean, code], [false, 1006]);
    assert.match(reason, new RegExp(`opening handshake refused: ${status}`));
    assert.deepEqual(srv.recorder.names(), ['onConnecting', 'onClose']);
  });
}

test('server: the handshake completes with a ws client and protocolInUse is null without subprotocols', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url));
  assert.equal(ws.protocol, '');
  const protocol = (await srv.recorder.wait('onOpen')).protocol;
  assert.equal(protocol.protocolInUse, null);
  assert.equal(protocol.request.path, '/');
});

test('raw client helper sanity: a well-formed handshake gets 101 (guards the tests above)', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}));
  const peer = defer.raw(await rawClient(srv.port, { path: '/x?y=1' }));
  assert.equal(parseHead(peer.head).status, 101);
  assert.equal((await srv.recorder.wait('onConnect')).args[0].path, '/x');
});
