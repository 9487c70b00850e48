// The factories' constructors: this library's options object and autobahn's positional form
// (issue 12, defect 7: a positional protocols list must work, never be silently ignored), and
// `server: null` (defect 6: no Server header, and the status page still served).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { WebSocketServerFactory, WebSocketClientFactory, listenWS } from '../../pkg/node.mjs';
import { within } from './support/api.mjs';

test('new WebSocketServerFactory(url, [protocols]) is autobahn\'s positional form: the protocols are used', async (t) => {
  const factory = new WebSocketServerFactory('ws://127.0.0.1:0', ['chat'], null, { 'X-Test': 'yes' }, 8443);
  assert.deepEqual(factory.protocols, ['chat']);
  assert.equal(factory.server, null);
  assert.deepEqual(factory.headers, { 'X-Test': 'yes' });
  assert.equal(factory.externalPort, 8443);
  const handle = await listenWS(factory);
  t.after(() => handle.close());
  // externalPort 8443: the Host header must name that port (autobahn's check).
  const ws = new WebSocket(`ws://127.0.0.1:${handle.port}`, ['other', 'chat'], { headers: { Host: '127.0.0.1:8443' } });
  let response;
  ws.once('upgrade', (r) => { response = r; });
  await within(once(ws, 'open'), 3000, 'ws open');
  assert.equal(ws.protocol, 'chat', 'the positional protocols list was negotiated');
  assert.equal(response.headers['x-test'], 'yes');
  assert.equal(response.headers.server, undefined, 'server: null sends no Server header');
  ws.close();
});

test('positional null lists take their defaults; too many arguments or unknown option names throw', () => {
  const f = new WebSocketServerFactory('ws://127.0.0.1:9000', null, 'MyServer/1');
  assert.deepEqual(f.protocols, []);
  assert.equal(f.server, 'MyServer/1');
  assert.throws(() => new WebSocketServerFactory('ws://127.0.0.1:9000', { protocol: ['chat'] }), /unknown factory argument\(s\): protocol \(known: protocols, server, headers, externalPort\)/);
  assert.throws(() => new WebSocketServerFactory('ws://127.0.0.1:9000', [], null, {}, null, 'extra'), /at most 5 arguments/);
  assert.throws(() => new WebSocketClientFactory('ws://127.0.0.1:9000', { origins: 'x' }), /unknown factory argument\(s\): origins/);
});

test('new WebSocketClientFactory(url, origin, protocols, useragent) is autobahn\'s positional form', async (t) => {
  const c = new WebSocketClientFactory('ws://127.0.0.1:9000', 'https://app.example.com', ['chat'], 'Agent/2', null);
  assert.equal(c.origin, 'https://app.example.com');
  assert.deepEqual(c.protocols, ['chat']);
  assert.equal(c.useragent, 'Agent/2');
  assert.deepEqual(c.headers, {});
  // The object form still works and means the same.
  const o = new WebSocketClientFactory('ws://127.0.0.1:9000', { origin: 'https://app.example.com', protocols: ['chat'], useragent: 'Agent/2' });
  assert.deepEqual([o.origin, o.protocols, o.useragent], [c.origin, c.protocols, c.useragent]);
  // And the positional values reach the wire: a raw server reads the request.
  const raw = net.createServer();
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  t.after(() => raw.close());
  const got = new Promise((resolve) => raw.once('connection', (socket) => {
    socket.once('data', (data) => { resolve(data.toString('latin1')); socket.destroy(); });
  }));
  const { connectWS } = await import('../../pkg/node.mjs');
  const factory = new WebSocketClientFactory(`ws://127.0.0.1:${raw.address().port}`, 'https://app.example.com', ['chat'], 'Agent/2');
  factory.protocol.prototype.onClose = () => {};
  const connection = await connectWS(factory);
  const request = await got;
  connection.close();
  assert.match(request, /\r\nOrigin: https:\/\/app\.example\.com\r\n/i);
  assert.match(request, /\r\nSec-WebSocket-Protocol: chat\r\n/i);
  assert.match(request, /\r\nUser-Agent: Agent\/2\r\n/i);
});

test('server: null with webStatus on serves the status page without a Server header', async (t) => {
  const factory = new WebSocketServerFactory('ws://127.0.0.1:0', { server: null });
  const handle = await listenWS(factory);
  t.after(() => handle.close());
  const socket = net.connect(handle.port, '127.0.0.1');
  socket.end('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  let text = '';
  for await (const chunk of socket) text += chunk.toString('latin1');
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.doesNotMatch(text, /\r\nServer:/i);
  assert.match(text, /This is a wasmsocket \d+\.\d+\.\d+ WebSocket server/);
});
