// Every protocol option of js/options.mjs: its default per role, validation (unknown names,
// bad values, the wrong role), resetProtocolOptions, and the documented effect of a changed
// value over real sockets. The timer options are in api-timeouts.test.mjs, sendHighWaterMark
// in api-send.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import {
  WebSocketServerFactory, WebSocketClientFactory, PROTOCOL_OPTIONS, PerMessageDeflateOffer, ServerPerMessageDeflateFactory, ClientPerMessageDeflateFactory,
} from '../../pkg/node.mjs';
import { startServer, startClient, cleanup, wsOpen, next, sleep, closeArgs, within } from './support/api.mjs';
import { rawClient, rawServer, closePayload } from './support/raw.mjs';

const MiB = 1024 * 1024;

/** The core's record of why it failed the connection `recorder`'s first onClose was for. */
const failureOf = (recorder) => recorder.all('onClose')[0].protocol.wire.closeInfo().failure;
const echo = { onMessage(payload, isBinary) { this.sendMessage(payload, isBinary); } };

const SERVER_DEFAULTS = {
  versions: [13],
  webStatus: true,
  utf8validateIncoming: true,
  maskServerFrames: false,
  requireMaskedClientFrames: true,
  applyMask: true,
  maxFramePayloadSize: 16 * MiB,
  maxMessagePayloadSize: 16 * MiB,
  autoFragmentSize: 0,
  failByDrop: false,
  echoCloseCodeReason: false,
  openHandshakeTimeout: 5,
  closeHandshakeTimeout: 1,
  tcpNoDelay: true,
  extensions: [],
  compression: 'deflate',
  perMessageCompressionAccept: null,
  autoPingInterval: 0,
  autoPingTimeout: 0,
  autoPingSize: 4,
  autoPingRestartOnAnyTraffic: true,
  allowedOrigins: ['*'],
  allowNullOrigin: true,
  maxConnections: 0,
  trustXForwardedFor: 0,
  sendHighWaterMark: 64 * 1024,
  pauseOnBackpressure: true,
  maxBufferedAmount: 4 * MiB,
  serveFlashSocketPolicy: false,
  flashSocketPolicy: '',
};

const CLIENT_DEFAULTS = {
  version: 13,
  utf8validateIncoming: true,
  acceptMaskedServerFrames: false,
  maskClientFrames: true,
  applyMask: true,
  maxFramePayloadSize: 16 * MiB,
  maxMessagePayloadSize: 16 * MiB,
  autoFragmentSize: 0,
  failByDrop: false,
  echoCloseCodeReason: false,
  openHandshakeTimeout: 5,
  closeHandshakeTimeout: 1,
  serverConnectionDropTimeout: 1,
  tcpNoDelay: true,
  perMessageCompressionOffers: [],
  extensions: [],
  compression: 'deflate',
  perMessageCompressionAccept: null,
  autoPingInterval: 0,
  autoPingTimeout: 0,
  autoPingSize: 4,
  autoPingRestartOnAnyTraffic: true,
  sendHighWaterMark: 64 * 1024,
  pauseOnBackpressure: true,
  maxBufferedAmount: 4 * MiB,
};

test('defaults: every option of each role, and nothing else', () => {
  assert.deepEqual(new WebSocketServerFactory().protocolOptions, SERVER_DEFAULTS);
  assert.deepEqual(new WebSocketClientFactory().protocolOptions, CLIENT_DEFAULTS);
  const all = new Set([...Object.keys(SERVER_DEFAULTS), ...Object.keys(CLIENT_DEFAULTS)]);
  assert.deepEqual([...all].sort(), Object.keys(PROTOCOL_OPTIONS).sort(), 'the tests cover every option');
});

// A valid non-default value and invalid values for every option.
const VALUES = {
  versions: [[13], [[], [8], [8, 13], 13, null]],
  version: [13, [8, '13', [13]]],
  webStatus: [false, [0, 'false', null]],
  utf8validateIncoming: [false, [1, null]],
  maskServerFrames: [true, ['yes']],
  requireMaskedClientFrames: [false, [0]],
  acceptMaskedServerFrames: [true, [1]],
  maskClientFrames: [false, [null]],
  applyMask: [false, [undefined]],
  maxFramePayloadSize: [1000, [-1, 1.5, '10', NaN, 2 ** 60, null]],
  maxMessagePayloadSize: [0, [-1, Infinity]],
  autoFragmentSize: [16, [-16, 0.5]],
  failByDrop: [true, ['true']],
  echoCloseCodeReason: [true, [1]],
  openHandshakeTimeout: [0.25, [-1, Infinity, NaN, '1']],
  closeHandshakeTimeout: [0, [-0.1, null]],
  serverConnectionDropTimeout: [2.5, [-1]],
  tcpNoDelay: [false, [0]],
  perMessageCompressionOffers: [[new PerMessageDeflateOffer()], [null, {}, [{}], ['permessage-deflate']]],
  compression: [null, ['gzip', false, undefined]],
  // Each role takes its own factories (a server factory on a client is a bad value).
  extensions: [{ server: [new ServerPerMessageDeflateFactory()], client: [new ClientPerMessageDeflateFactory()] }, [null, [{}], [{ name: 'x' }], ['permessage-deflate']]],
  perMessageCompressionAccept: [() => null, ['fn', {}]],
  autoPingInterval: [0.5, [-1]],
  autoPingTimeout: [0.5, [-0.5]],
  autoPingSize: [125, [3, 126, 10.5, '8']],
  autoPingRestartOnAnyTraffic: [false, [0, 'no', null]],
  allowedOrigins: [['https://*.example.com'], ['*', [1], null]],
  allowNullOrigin: [false, ['no']],
  maxConnections: [10, [-1, 2.5]],
  trustXForwardedFor: [2, [-1, true]],
  sendHighWaterMark: [1024, [-1, 1.5]],
  pauseOnBackpressure: [false, [0, 'no']],
  maxBufferedAmount: [8 * MiB, [-1, 1.5, '4']],
  serveFlashSocketPolicy: [true, [1]],
  flashSocketPolicy: ['<cross-domain-policy/>', [1]],
};

test('the validation table covers every option', () => {
  assert.deepEqual(Object.keys(VALUES).sort(), Object.keys(PROTOCOL_OPTIONS).sort());
});

for (const [name, [goods, badValues]] of Object.entries(VALUES)) {
  const roles = [['server', WebSocketServerFactory, SERVER_DEFAULTS], ['client', WebSocketClientFactory, CLIENT_DEFAULTS]];
  for (const [role, Factory, defaults] of roles) {
    const good = goods?.constructor === Object ? goods[role] : goods;
    const otherRole = role === 'server' ? 'client' : 'server';
    const bads = goods?.constructor === Object ? [...badValues, goods[otherRole]] : badValues;
    if (name in defaults) {
      test(`${role} option ${name}: accepts ${typeof good === 'function' ? 'a function' : JSON.stringify(good)}, rejects bad values naming the option`, () => {
        const factory = new Factory();
        factory.setProtocolOptions({ [name]: good });
        assert.deepEqual(factory.protocolOptions[name], good);
        for (const bad of bads) {
          assert.throws(
            () => factory.setProtocolOptions({ [name]: bad }),
            (e) => e instanceof RangeError && e.message.includes(`"${name}" must be`),
            `${name} = ${String(bad)}`,
          );
          assert.deepEqual(factory.protocolOptions[name], good, 'a rejected value changes nothing');
        }
        factory.resetProtocolOptions();
        assert.deepEqual(factory.protocolOptions[name], defaults[name]);
      });
    } else {
      test(`${name} is rejected on a ${role} factory (it is a ${role === 'server' ? 'client' : 'server'} option)`, () => {
        const factory = new Factory();
        assert.throws(
          () => factory.setProtocolOptions({ [name]: good }),
          (e) => e instanceof RangeError && e.message.includes(`"${name}" is a ${role === 'server' ? 'client' : 'server'} option`),
        );
        assert.ok(!(name in factory.protocolOptions));
      });
    }
  }
}

test('setProtocolOptions: unknown names throw naming them; one bad entry changes nothing; non-objects throw', () => {
  const factory = new WebSocketServerFactory();
  assert.throws(() => factory.setProtocolOptions({ maxFrameSize: 10 }), (e) => e instanceof RangeError && /unknown option "maxFrameSize"/.test(e.message));
  assert.throws(
    () => factory.setProtocolOptions({ autoFragmentSize: 10, bogus: 1, maxConnections: -1 }),
    (e) => /unknown option "bogus"/.test(e.message) && /"maxConnections" must be a count \(0 = unlimited\), got -1/.test(e.message),
  );
  assert.equal(factory.protocolOptions.autoFragmentSize, 0, 'nothing applied from a rejected call');
  for (const bad of [null, undefined, 5, 'x', [1]]) assert.throws(() => factory.setProtocolOptions(bad), TypeError);
});

test('setProtocolOptions copies arrays; resetProtocolOptions restores every default', () => {
  const factory = new WebSocketServerFactory();
  const origins = ['http://a.example'];
  factory.setProtocolOptions({ allowedOrigins: origins, maxConnections: 3, webStatus: false });
  origins.push('http://b.example');
  assert.deepEqual(factory.protocolOptions.allowedOrigins, ['http://a.example']);
  factory.resetProtocolOptions();
  assert.deepEqual(factory.protocolOptions, SERVER_DEFAULTS);
  // The defaults are fresh copies: mutating one factory's does not leak into another's.
  factory.protocolOptions.allowedOrigins.push('x');
  assert.deepEqual(new WebSocketServerFactory().protocolOptions.allowedOrigins, ['*']);
});

test('options are read when a connection starts: a change applies to later connections only', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo));
  const first = defer.raw(await rawClient(srv.port));
  srv.factory.setProtocolOptions({ autoFragmentSize: 2 });
  const second = defer.raw(await rawClient(srv.port));
  first.send({ opcode: 1, payload: 'abcd' });
  second.send({ opcode: 1, payload: 'abcd' });
  await first.frame();
  await second.frame((f) => f.fin);
  assert.deepEqual(first.frames.map((f) => f.payload.toString()), ['abcd']);
  assert.deepEqual(second.frames.map((f) => f.payload.toString()), ['ab', 'cd']);
  // Connections share the factory's options object instead of copying it: it is frozen (a
  // write would reach open connections), and a change replaces it.
  const server = (await srv.recorder.wait('onOpen')).protocol;
  assert.ok(Object.isFrozen(srv.factory.protocolOptions));
  assert.throws(() => { srv.factory.protocolOptions.autoFragmentSize = 1; }, TypeError);
  assert.equal(server.options.autoFragmentSize, 0, 'the first connection keeps the options it started with');
});

// ----- frame and message limits -----

test('maxFramePayloadSize: a frame above it fails with 1009 at the header; one at the limit passes', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, { options: { maxFramePayloadSize: 100 } }));
  const ok = defer.raw(await rawClient(srv.port));
  ok.send({ opcode: 2, payload: Buffer.alloc(100) });
  assert.equal((await ok.frame()).payload.length, 100);
  // A fragmented message may exceed the frame limit in total.
  ok.send({ opcode: 2, fin: false, payload: Buffer.alloc(100) });
  ok.send({ opcode: 0, payload: Buffer.alloc(100) });
  assert.equal((await ok.frame(() => true, 2)).payload.length, 200);
  const big = defer.raw(await rawClient(srv.port));
  // Only the header: the limit is checked before any payload arrives.
  big.write(Buffer.from([0x82, 0xfe, 0x00, 101, 1, 2, 3, 4]));
  const close = await big.closeFrame();
  assert.deepEqual([close.code, close.reason], [1009, 'frame payload of 101 bytes exceeds the limit of 100']);
  await big.gone();
});

test('maxMessagePayloadSize: a fragmented message above it fails with 1009, WS_ERR_MESSAGE_TOO_BIG (server and client)', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, { options: { maxMessagePayloadSize: 100 } }));
  const peer = defer.raw(await rawClient(srv.port));
  peer.send({ opcode: 1, fin: false, payload: 'a'.repeat(60) });
  peer.send({ opcode: 0, payload: 'a'.repeat(41) });
  const close = await peer.closeFrame();
  assert.deepEqual([close.code, close.reason], [1009, 'message of 101+ bytes exceeds the limit of 100']);
  await srv.recorder.wait('onClose');
  assert.deepEqual(closeArgs(srv.recorder), [false, 1009, 'message of 101+ bytes exceeds the limit of 100']);
  assert.deepEqual(failureOf(srv.recorder), { code: 1009, reason: 'message of 101+ bytes exceeds the limit of 100', errorCode: 'WS_ERR_MESSAGE_TOO_BIG' });
  // client role, against ws
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await next(wss, 'listening');
  defer(() => new Promise((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(() => resolve()); }));
  const closed = new Promise((resolve) => wss.on('connection', (ws) => {
    ws.send(Buffer.alloc(11));
    ws.on('close', (code) => resolve(code));
  }));
  const client = await startClient(`ws://127.0.0.1:${wss.address().port}/`, {}, { options: { maxMessagePayloadSize: 10 } });
  assert.equal(await closed, 1009);
  await client.recorder.wait('onClose');
  assert.deepEqual(closeArgs(client.recorder), [false, 1009, 'message of 11+ bytes exceeds the limit of 10']);
  assert.equal(failureOf(client.recorder).errorCode, 'WS_ERR_MESSAGE_TOO_BIG');
});

test('maxFramePayloadSize / maxMessagePayloadSize 0 = unlimited', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, { options: { maxFramePayloadSize: 0, maxMessagePayloadSize: 0 } }));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url));
  const big = Buffer.alloc(17 * MiB, 3);
  ws.send(big);
  const [data] = await next(ws, 'message', 10000);
  assert.equal(data.length, big.length);
});

// ----- fragmentation and masking, seen on the wire -----

test('autoFragmentSize: a raw peer sees frames of that size (server and client)', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({ onOpen() { this.sendMessage('abcdefghij'); this.sendMessage('abcd'); } }, { options: { autoFragmentSize: 4 } }));
  const peer = defer.raw(await rawClient(srv.port));
  await peer.until(() => peer.frames.length >= 4, '4 frames');
  assert.deepEqual(peer.frames.map((f) => [f.opcode, f.fin, f.payload.toString()]), [[1, false, 'abcd'], [0, false, 'efgh'], [0, true, 'ij'], [1, true, 'abcd']]);
  const raw = await rawServer();
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, { onOpen() { this.sendMessage(Buffer.from('12345'), true); } }, { options: { autoFragmentSize: 2 } });
  defer(() => client.protocol.dropConnection());
  const server = await raw.waitPeer();
  await server.until(() => server.frames.length >= 3, '3 frames');
  assert.deepEqual(server.frames.map((f) => [f.opcode, f.fin, f.masked, f.payload.toString()]), [[2, false, true, '12'], [0, false, true, '34'], [0, true, true, '5']]);
});

test('maskServerFrames: the server masks its frames (a raw peer unmasks them); default unmasked', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({ onOpen() { this.sendMessage('masked text'); this.sendPing('p'); } }, { options: { maskServerFrames: true } }));
  const peer = defer.raw(await rawClient(srv.port));
  await peer.until(() => peer.frames.length >= 2, '2 frames');
  assert.deepEqual(peer.frames.map((f) => [f.opcode, f.masked, f.payload.toString()]), [[1, true, 'masked text'], [9, true, 'p']]);
  assert.notEqual(peer.frames[0].rawPayload.toString(), 'masked text');
});

test('maskClientFrames=false: the client sends unmasked frames', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer();
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, { onOpen() { this.sendMessage('plain'); } }, { options: { maskClientFrames: false } });
  defer(() => client.protocol.dropConnection());
  const peer = await raw.waitPeer();
  const f = await peer.frame();
  assert.deepEqual([f.masked, f.payload.toString()], [false, 'plain']);
});

test('applyMask=false: the mask bit and key are sent but the payload is not XORed (client and masking server)', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer();
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, { onOpen() { this.sendMessage('clear'); } }, { options: { applyMask: false } });
  defer(() => client.protocol.dropConnection());
  const peer = await raw.waitPeer();
  const f = await peer.frame();
  assert.equal(f.masked, true);
  assert.equal(f.key.length, 4);
  assert.equal(f.rawPayload.toString(), 'clear');
  const srv = defer.server(await startServer({ onOpen() { this.sendMessage('also clear'); } }, { options: { maskServerFrames: true, applyMask: false } }));
  const client2 = defer.raw(await rawClient(srv.port));
  const g = await client2.frame();
  assert.deepEqual([g.masked, g.rawPayload.toString()], [true, 'also clear']);
});

test('requireMaskedClientFrames=false: unmasked client frames are accepted (default: 1002)', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, { options: { requireMaskedClientFrames: false } }));
  const peer = defer.raw(await rawClient(srv.port));
  peer.send({ opcode: 1, payload: 'unmasked', mask: false });
  peer.send({ opcode: 1, payload: 'masked', mask: true });
  await peer.frame(() => true, 2);
  assert.deepEqual(peer.frames.map((f) => f.payload.toString()), ['unmasked', 'masked']);
  const strict = defer.server(await startServer(echo));
  const peer2 = defer.raw(await rawClient(strict.port));
  peer2.send({ opcode: 1, payload: 'unmasked', mask: false });
  assert.equal((await peer2.closeFrame()).code, 1002);
});

test('acceptMaskedServerFrames=true: the client accepts masked frames from the server', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer();
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, {}, { options: { acceptMaskedServerFrames: true } });
  defer(() => client.protocol.dropConnection());
  const peer = await raw.waitPeer();
  await client.recorder.wait('onOpen');
  peer.send({ opcode: 1, payload: 'masked by server', mask: true });
  const message = await client.recorder.wait('onMessage');
  assert.deepEqual([message.args[0].toString(), message.args[1]], ['masked by server', false]);
  assert.equal(peer.frames.length, 0, 'no close frame');
});

// ----- closing -----

test('echoCloseCodeReason: the reply to a close carries its code and reason (server and client); default 1000', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}, { options: { echoCloseCodeReason: true } }));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url));
  ws.close(4321, 'echo me');
  const [code, reason] = await next(ws, 'close');
  assert.deepEqual([code, reason.toString()], [4321, 'echo me']);
  // Echoing a close without a code is an empty close, as in autobahn.
  const peer = defer.raw(await rawClient(srv.port));
  peer.send({ opcode: 8 });
  const empty = await peer.closeFrame();
  assert.deepEqual([empty.code, empty.payload.length], [null, 0]);
  // client role
  const raw = await rawServer();
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, {}, { options: { echoCloseCodeReason: true } });
  defer(() => client.protocol.dropConnection());
  const server = await raw.waitPeer();
  await client.recorder.wait('onOpen');
  server.send({ opcode: 8, payload: closePayload(4444, 'from server') });
  const reply = await server.closeFrame();
  assert.deepEqual([reply.code, reply.reason], [4444, 'from server']);
  server.destroy();
  await client.recorder.wait('onClose');
  assert.deepEqual(closeArgs(client.recorder), [true, 4444, 'from server']);
});

test('failByDrop: a protocol error drops TCP without a close frame (server; default sends one)', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}, { options: { failByDrop: true } }));
  const peer = defer.raw(await rawClient(srv.port));
  peer.send({ opcode: 3 });
  await peer.gone();
  assert.equal(peer.frames.length, 0, 'no close frame');
  await srv.recorder.wait('onClose');
  const [wasClean, code] = closeArgs(srv.recorder);
  assert.deepEqual([wasClean, code], [false, 1002]);
  assert.deepEqual(failureOf(srv.recorder), { code: 1002, reason: 'reserved opcode 0x3', errorCode: 'WS_ERR_PROTOCOL' });
});

test('failByDrop: the client drops TCP at once, without a close frame', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer();
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, {}, { options: { failByDrop: true } });
  const peer = await raw.waitPeer();
  await client.recorder.wait('onOpen');
  peer.send({ opcode: 1, payload: Buffer.from([0xc0]) }); // invalid UTF-8
  await peer.gone(); // the client closed TCP; the server never did
  assert.equal(peer.frames.length, 0);
  await client.recorder.wait('onClose');
  const [wasClean, code] = closeArgs(client.recorder);
  assert.deepEqual([wasClean, code], [false, 1007]);
  assert.deepEqual(failureOf(client.recorder), { code: 1007, reason: 'text message is not valid UTF-8', errorCode: 'WS_ERR_INVALID_UTF8' });
});

test('utf8validateIncoming=false: invalid UTF-8 text is delivered as its bytes', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, { options: { utf8validateIncoming: false } }));
  const peer = defer.raw(await rawClient(srv.port));
  peer.send({ opcode: 1, payload: Buffer.from([0x61, 0xff, 0xfe]) });
  const [payload, isBinary] = (await srv.recorder.wait('onMessage')).args;
  assert.deepEqual([[...payload], isBinary], [[0x61, 0xff, 0xfe], false]);
  const echoed = await peer.frame();
  assert.deepEqual([echoed.opcode, [...echoed.payload]], [1, [0x61, 0xff, 0xfe]]);
});

// ----- server admission -----

function httpGet(port, path = '/', headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(3000, () => req.destroy(new Error('http timeout')));
  });
}

test('webStatus: a plain GET gets a 200 status page (default) or 426 when off; no onConnect', async (t) => {
  const defer = cleanup(t);
  const on = defer.server(await startServer({}));
  const page = await httpGet(on.port, '/anything');
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type'], /^text\/html/);
  assert.match(page.body, /wasmsocket/);
  assert.match(page.headers.server, /^wasmsocket\//);
  const off = defer.server(await startServer({}, { options: { webStatus: false } }));
  const refused = await httpGet(off.port, '/ws');
  assert.equal(refused.status, 426);
  assert.equal(refused.headers.upgrade, 'websocket');
  assert.equal(refused.headers['sec-websocket-version'], '13');
  assert.match(refused.body, /\/ws/);
  for (const srv of [on, off]) {
    await srv.recorder.wait('onClose');
    assert.equal(srv.recorder.count('onConnect'), 0);
    const [wasClean, code] = closeArgs(srv.recorder);
    assert.deepEqual([wasClean, code], [false, 1006]);
  }
});

async function status(url, options = {}) {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
  ws.on('error', () => {});
  return within(new Promise((resolve) => {
    ws.once('open', () => { resolve(101); ws.terminate(); });
    ws.once('unexpected-response', (req, res) => { resolve(res.statusCode); ws.terminate(); });
  }), 3000, 'a response');
}

test('allowedOrigins: * wildcards, case-insensitive; others get 403; no Origin is allowed', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}, { options: { allowedOrigins: ['http://*.example.com', 'https://exact.org:8443'] } }));
  const cases = [
    ['http://a.example.com', 101],
    ['http://deep.sub.example.com', 101],
    ['HTTP://A.EXAMPLE.COM', 101],
    ['https://exact.org:8443', 101],
    ['https://exact.org', 403],
    ['http://example.com', 403],
    ['http://a.example.com.evil.net', 403],
    ['https://a.example.com', 403],
    ['http://evil.com', 403],
  ];
  for (const [origin, expected] of cases) assert.equal(await status(srv.url, { origin }), expected, origin);
  assert.equal(await status(srv.url), 101, 'no Origin header');
  // "null" (a sandboxed or file: page) is governed by allowNullOrigin alone (default true)
  assert.equal(await status(srv.url, { origin: 'null' }), 101);
});

test('allowNullOrigin: Origin "null" is accepted by default, refused with 403 when false', async (t) => {
  const defer = cleanup(t);
  const yes = defer.server(await startServer({}));
  assert.equal(await status(yes.url, { origin: 'null' }), 101);
  const no = defer.server(await startServer({}, { options: { allowNullOrigin: false } }));
  assert.equal(await status(no.url, { origin: 'null' }), 403);
  assert.equal(await status(no.url, { origin: 'http://fine.example' }), 101);
  await no.recorder.wait('onClose', { match: (e) => /403/.test(e.args[2]) });
});

test('maxConnections: connections beyond the limit get 503; a freed slot is reused', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}, { options: { maxConnections: 2 } }));
  const a = defer.ws(await wsOpen(WebSocket, srv.url));
  defer.ws(await wsOpen(WebSocket, srv.url));
  assert.equal(await status(srv.url), 503);
  a.close();
  await next(a, 'close');
  await srv.recorder.wait('onClose', { match: (e) => e.args[0] === true });
  assert.equal(await status(srv.url), 101);
  const denied = srv.recorder.all('onClose').filter((e) => /503/.test(e.args[2]));
  assert.equal(denied.length, 1);
});

test('trustXForwardedFor: the peer is the N-th address from the right (0: the TCP peer)', async (t) => {
  const defer = cleanup(t);
  const chain = '203.0.113.1, 203.0.113.2,203.0.113.3';
  for (const [hops, expected] of [[0, null], [1, '203.0.113.3'], [2, '203.0.113.2'], [3, '203.0.113.1'], [9, '203.0.113.1']]) {
    const srv = defer.server(await startServer({}, { options: { trustXForwardedFor: hops } }));
    const ws = defer.ws(await wsOpen(WebSocket, srv.url, [], { headers: { 'X-Forwarded-For': chain } }));
    const [request] = (await srv.recorder.wait('onConnect')).args;
    const protocol = srv.recorder.all('onConnect')[0].protocol;
    const tcpPeer = `tcp4:127.0.0.1:${ws._socket.localPort}`;
    assert.equal(request.peer, expected ?? tcpPeer, `hops ${hops}`);
    assert.equal(protocol.peer, expected ?? tcpPeer, `hops ${hops}`);
    // onConnecting saw the TCP peer: the header is only read with the request
    assert.equal(srv.recorder.all('onConnecting')[0].args[0].peer, tcpPeer);
  }
  // without the header, the TCP peer
  const srv = defer.server(await startServer({}, { options: { trustXForwardedFor: 1 } }));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url));
  const [request] = (await srv.recorder.wait('onConnect')).args;
  assert.equal(request.peer, `tcp4:127.0.0.1:${ws._socket.localPort}`);
});

test('tcpNoDelay: applied to each connection socket (default true, false when off)', async (t) => {
  const defer = cleanup(t);
  const calls = [];
  const original = net.Socket.prototype.setNoDelay;
  net.Socket.prototype.setNoDelay = function (on) {
    calls.push([this.localPort, on]);
    return original.call(this, on);
  };
  defer(() => { net.Socket.prototype.setNoDelay = original; });
  const on = defer.server(await startServer({}));
  const off = defer.server(await startServer({}, { options: { tcpNoDelay: false } }));
  defer.ws(await wsOpen(WebSocket, on.url));
  defer.ws(await wsOpen(WebSocket, off.url));
  const client = await startClient(on.url, {}, { options: { tcpNoDelay: false } });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onOpen');
  net.Socket.prototype.setNoDelay = original;
  assert.ok(calls.some(([port, v]) => port === on.port && v === true), 'server default: true');
  assert.ok(calls.some(([port, v]) => port === off.port && v === false), 'server off: false');
  assert.ok(calls.some(([port, v]) => port !== on.port && port !== off.port && v === false), 'client off: false');
  assert.ok(!calls.some(([port, v]) => port === off.port && v === true));
});

test('versions / version: only RFC 6455 (13); a version 8 request is refused with 426', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}, { options: { versions: [13] } }));
  const ws = defer.ws(new WebSocket(srv.url, { protocolVersion: 8, perMessageDeflate: false }));
  const [, res] = await next(ws, 'unexpected-response');
  assert.equal(res.statusCode, 426);
  assert.equal(res.headers['sec-websocket-version'], '13');
  const client = await startClient(srv.url, {}, { options: { version: 13 } });
  defer(() => client.protocol.dropConnection());
  assert.equal((await client.recorder.wait('onConnect')).args[0].version, 13);
});

test('serveFlashSocketPolicy / flashSocketPolicy are accepted and have no effect', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, { options: { serveFlashSocketPolicy: true, flashSocketPolicy: '<cross-domain-policy/>' } }));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url));
  ws.send('still a WebSocket server');
  assert.equal((await next(ws, 'message'))[0].toString(), 'still a WebSocket server');
});

test('perMessageCompressionOffers / perMessageCompressionAccept: no extension is negotiated yet', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, { options: { perMessageCompressionAccept: () => null } }));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url, [], { perMessageDeflate: true }));
  assert.equal(ws.extensions, '');
  const client = await startClient(srv.url, {}, { options: { perMessageCompressionOffers: [] } });
  defer(() => client.protocol.dropConnection());
  assert.deepEqual((await client.recorder.wait('onConnect')).args[0].extensions, []);
});
