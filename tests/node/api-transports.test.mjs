// Transports: wss (self-signed certificates made with the openssl CLI; skipped without it),
// SNI and `ca`, Unix domain sockets in both roles, an HTTP CONNECT proxy, attachWS routing on
// an http server, handleUpgrade from a bare 'upgrade' listener, and listenWS/connectWS handles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import {
  WebSocketServerFactory, WebSocketServerProtocol, WebSocketClientFactory, listenWS, connectWS, attachWS, handleUpgrade,
} from '../../pkg/node.mjs';
import { startServer, startClient, recording, Recorder, cleanup, wsOpen, next, sleep, closeArgs, within } from './support/api.mjs';
import { OPENSSL, NO_OPENSSL, certificate } from './support/tls-certs.mjs';
import { rawConnect, upgradeRequest, frame, parseHead } from './support/raw.mjs';

const echo = { onMessage(payload, isBinary) { this.sendMessage(payload, isBinary); } };

// ----- certificates -----


// ----- wss -----

test('wss: our server and our client over TLS (ca option), isSecure in onConnecting, echo', { skip: NO_OPENSSL }, async (t) => {
  const defer = cleanup(t);
  const { key, cert } = certificate('main', ['wasmsocket.test']);
  const srv = defer.server(await startServer(echo, { url: 'wss://127.0.0.1:0', listen: { tls: { key, cert } } }));
  assert.match(srv.url, /^wss:\/\/127\.0\.0\.1:\d+\/$/);
  const client = await startClient(srv.url, { onOpen() { this.sendMessage('over tls'); } }, { connect: { tls: { ca: cert } } });
  defer(() => client.protocol.dropConnection());
  const message = await client.recorder.wait('onMessage');
  assert.equal(message.args[0].toString(), 'over tls');
  const { peer, isSecure } = client.recorder.all('onConnecting')[0].args[0]; // a TransportDetails
  assert.deepEqual({ peer, isSecure }, { peer: `tcp4:127.0.0.1:${srv.port}`, isSecure: true });
  assert.equal(srv.recorder.all('onConnecting')[0].args[0].isSecure, true);
  assert.ok(client.protocol.transport.socket.encrypted);
  // npm ws as the client
  const ws = defer.ws(await wsOpen(WebSocket, srv.url, [], { ca: cert }));
  ws.send('ws over tls');
  assert.equal((await next(ws, 'message'))[0].toString(), 'ws over tls');
});

test('wss: a self-signed certificate is refused without `ca`, accepted with rejectUnauthorized: false', { skip: NO_OPENSSL }, async (t) => {
  const defer = cleanup(t);
  const { key, cert } = certificate('main', ['wasmsocket.test']);
  const srv = defer.server(await startServer(echo, { url: 'wss://127.0.0.1:0', listen: { tls: { key, cert } } }));
  await assert.rejects(startClient(srv.url), (e) => /self[- ]signed/i.test(e.message) || e.code === 'DEPTH_ZERO_SELF_SIGNED_CERT');
  const client = await startClient(srv.url, {}, { connect: { tls: { rejectUnauthorized: false } } });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onOpen');
  // A failed TLS handshake did not disturb the listener.
  assert.equal(srv.recorder.count('onOpen'), 1);
});

test('wss: SNI — the client sends the servername it is given, verifies the certificate against it', { skip: NO_OPENSSL }, async (t) => {
  const defer = cleanup(t);
  const a = certificate('a', ['a.test']);
  const b = certificate('b', ['b.test']);
  const contexts = { 'a.test': tls.createSecureContext(a), 'b.test': tls.createSecureContext(b) };
  const asked = [];
  const srv = defer.server(await startServer(echo, {
    url: 'wss://127.0.0.1:0',
    listen: { tls: { ...a, SNICallback: (name, done) => { asked.push(name); done(null, contexts[name] ?? contexts['a.test']); } } },
  }));
  const client = await startClient(srv.url, {}, { connect: { tls: { servername: 'b.test', ca: b.cert } } });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onOpen');
  assert.deepEqual(asked, ['b.test']);
  assert.equal(client.protocol.transport.socket.getPeerCertificate().subject.CN, 'b.test');
  // A name the certificate does not carry fails verification.
  await assert.rejects(startClient(srv.url, {}, { connect: { tls: { servername: 'c.test', ca: a.cert } } }), (e) => e.code === 'ERR_TLS_CERT_ALTNAME_INVALID');
  // An IP address URL sends no SNI by default.
  const plain = await startClient(srv.url, {}, { connect: { tls: { ca: a.cert } } });
  defer(() => plain.protocol.dropConnection());
  await plain.recorder.wait('onOpen');
  assert.deepEqual(asked, ['b.test', 'c.test'], 'no servername for an IP address');
});

test('connectWS timeout: a TLS handshake that never completes rejects after `timeout` seconds', async (t) => {
  const defer = cleanup(t);
  const sockets = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise((resolve) => { for (const s of sockets) s.destroy(); silent.close(() => resolve()); }));
  const factory = new WebSocketClientFactory(`wss://127.0.0.1:${silent.address().port}/`);
  const started = Date.now();
  await assert.rejects(connectWS(factory, { timeout: 0.2 }), /timeout after 0\.2 s connecting to wss:\/\/127\.0\.0\.1/);
  assert.ok(Date.now() - started < 1500);
  await sleep(20);
});

// ----- Unix domain sockets -----

function socketPath(t) {
  const file = path.join(os.tmpdir(), `wasmsocket-${process.pid}-${crypto.randomBytes(4).toString('hex')}.sock`);
  t.after(() => fs.rmSync(file, { force: true }));
  return file;
}

test('Unix sockets: listenWS and connectWS with ws://unix:/path URLs, peers and resource', async (t) => {
  const defer = cleanup(t);
  const file = socketPath(t);
  const srv = defer.server(await startServer(echo, { url: `ws://unix:${file}` }));
  assert.equal(srv.url, `ws://unix:${file}`);
  assert.equal(srv.port, null);
  const client = await startClient(`ws://unix:${file}:/chat?room=1`, { onOpen() { this.sendMessage('over a unix socket'); } });
  defer(() => client.protocol.dropConnection());
  assert.equal((await client.recorder.wait('onMessage')).args[0].toString(), 'over a unix socket');
  const [request] = (await srv.recorder.wait('onConnect')).args;
  assert.equal(request.path, '/chat');
  assert.deepEqual(request.params, { room: ['1'] });
  assert.equal(request.host, 'localhost');
  assert.equal(request.peer, `unix:${file}`);
  const { peer, isSecure } = client.recorder.all('onConnecting')[0].args[0]; // a TransportDetails
  assert.deepEqual({ peer, isSecure }, { peer: `unix:${file}`, isSecure: false });
  // npm ws over the same socket
  const ws = defer.ws(await wsOpen(WebSocket, `ws+unix:${file}:/x`));
  ws.send('ws too');
  assert.equal((await next(ws, 'message'))[0].toString(), 'ws too');
  // clean close over a Unix socket
  client.protocol.sendClose(1000, 'done');
  await client.recorder.wait('onClose');
  assert.deepEqual(closeArgs(client.recorder), [true, 1000, '']);
});

test('Unix sockets: listenWS({ path }) with a tcp URL factory', async (t) => {
  const defer = cleanup(t);
  const file = socketPath(t);
  const srv = defer.server(await startServer(echo, { listen: { path: file } }));
  assert.equal(srv.host, `unix:${file}`);
  const client = await startClient(`ws://unix:${file}`, { onOpen() { this.sendMessage('x'); } });
  defer(() => client.protocol.dropConnection());
  assert.equal((await client.recorder.wait('onMessage')).args[0].toString(), 'x');
});

// ----- HTTP CONNECT proxy -----

/** A tiny HTTP CONNECT proxy; `refuse` answers 407 instead. Records the request lines. */
async function connectProxy(defer, { refuse = false } = {}) {
  const requests = [];
  const sockets = new Set();
  const proxy = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const requestLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      requests.push(head.subarray(0, end).toString('latin1'));
      const [, target] = /^CONNECT (\S+) HTTP\/1\.1$/.exec(requestLine) ?? [];
      if (refuse || !target) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const at = target.lastIndexOf(':');
      const upstream = net.connect({ host: target.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(target.slice(at + 1)) });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      upstream.once('connect', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
    };
    client.on('data', onData);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise((resolve) => { for (const s of sockets) s.destroy(); proxy.close(() => resolve()); }));
  return { port: proxy.address().port, requests };
}

test('HTTP CONNECT proxy: the client tunnels through it (ws and wss)', async (t) => {
  const defer = cleanup(t);
  const proxy = await connectProxy(defer);
  const srv = defer.server(await startServer(echo));
  const client = await startClient(srv.url, { onOpen() { this.sendMessage('through the proxy'); } }, { factory: { proxy: { host: '127.0.0.1', port: proxy.port } } });
  defer(() => client.protocol.dropConnection());
  assert.equal((await client.recorder.wait('onMessage')).args[0].toString(), 'through the proxy');
  assert.equal(proxy.requests.length, 1);
  assert.match(proxy.requests[0], new RegExp(`^CONNECT 127\\.0\\.0\\.1:${srv.port} HTTP/1\\.1\r\nHost: 127\\.0\\.0\\.1:${srv.port}$`));
  // The server sees the proxy's side of the tunnel; the Host header names the target.
  const [request] = (await srv.recorder.wait('onConnect')).args;
  assert.equal(request.host, `127.0.0.1:${srv.port}`);
  if (!OPENSSL) return t.diagnostic('wss through the proxy skipped: no openssl');
  const { key, cert } = certificate('main', ['wasmsocket.test']);
  const secure = defer.server(await startServer(echo, { url: 'wss://127.0.0.1:0', listen: { tls: { key, cert } } }));
  const tlsClient = await startClient(secure.url, { onOpen() { this.sendMessage('tls in a tunnel'); } }, {
    factory: { proxy: { host: '127.0.0.1', port: proxy.port } },
    connect: { tls: { ca: cert, servername: 'wasmsocket.test' } },
  });
  defer(() => tlsClient.protocol.dropConnection());
  assert.equal((await tlsClient.recorder.wait('onMessage')).args[0].toString(), 'tls in a tunnel');
  assert.equal(proxy.requests.length, 2);
  return undefined;
});

test('HTTP CONNECT proxy: a refusal rejects connectWS with the proxy status line', async (t) => {
  const defer = cleanup(t);
  const proxy = await connectProxy(defer, { refuse: true });
  const factory = new WebSocketClientFactory('ws://127.0.0.1:9/', { proxy: { host: '127.0.0.1', port: proxy.port } });
  await assert.rejects(connectWS(factory, { timeout: 2 }), /proxy refused CONNECT 127\.0\.0\.1:9: HTTP\/1\.1 407 Proxy Authentication Required/);
});

test('client factory: a malformed proxy option throws', () => {
  assert.throws(() => new WebSocketClientFactory('ws://127.0.0.1/', { proxy: { host: 'h' } }), /proxy must be \{host, port\}/);
  assert.throws(() => new WebSocketClientFactory('ws://127.0.0.1/', { proxy: 'http://proxy:3128' }), TypeError);
});

// ----- attachWS and handleUpgrade -----

function serverFactory(url, handlers, recorder) {
  const factory = new WebSocketServerFactory(url);
  factory.protocol = recording(WebSocketServerProtocol, recorder, handlers);
  return factory;
}

async function listenHttp(defer, server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('upgrade', (req, s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  defer(() => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }));
  return server.address().port;
}

test('attachWS: two factories on two paths of one http server, 404 for others, plain HTTP untouched', async (t) => {
  const defer = cleanup(t);
  const recA = new Recorder();
  const recB = new Recorder();
  const httpServer = http.createServer((req, res) => res.end(`plain ${req.url}`));
  const a = serverFactory('ws://127.0.0.1/a', { onMessage(p) { this.sendMessage(`A:${p}`); } }, recA);
  const b = serverFactory(null, { onMessage(p) { this.sendMessage(`B:${p}`); } }, recB);
  attachWS(httpServer, a); // the path of the factory's URL
  const routeB = attachWS(httpServer, b, { path: '/b' });
  assert.throws(() => attachWS(httpServer, b, { path: '/b' }), /already attached to path \/b/);
  const port = await listenHttp(defer, httpServer);
  const wsA = defer.ws(await wsOpen(WebSocket, `ws://127.0.0.1:${port}/a?x=1`));
  const wsB = defer.ws(await wsOpen(WebSocket, `ws://127.0.0.1:${port}/b`));
  wsA.send('1');
  wsB.send('2');
  assert.equal((await next(wsA, 'message'))[0].toString(), 'A:1');
  assert.equal((await next(wsB, 'message'))[0].toString(), 'B:2');
  assert.deepEqual((await recA.wait('onConnect')).args[0].params, { x: ['1'] });
  assert.equal(recA.count('onOpen'), 1);
  assert.equal(recB.count('onOpen'), 1);
  const other = new WebSocket(`ws://127.0.0.1:${port}/c`);
  other.on('error', () => {});
  const [, res] = await next(other, 'unexpected-response');
  assert.equal(res.statusCode, 404);
  const page = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/page', agent: false }, (r) => { let body = ''; r.on('data', (c) => { body += c; }); r.on('end', () => resolve(body)); }).on('error', reject);
  });
  assert.equal(page, 'plain /page');
  // removing a route makes its path unknown
  routeB.close();
  const gone = new WebSocket(`ws://127.0.0.1:${port}/b`);
  gone.on('error', () => {});
  assert.equal((await next(gone, 'unexpected-response'))[1].statusCode, 404);
  // the open connection on /b is unaffected
  wsB.send('3');
  assert.equal((await next(wsB, 'message'))[0].toString(), 'B:3');
});

test('attachWS: a factory without a URL path takes every path', async (t) => {
  const defer = cleanup(t);
  const rec = new Recorder();
  const httpServer = http.createServer();
  attachWS(httpServer, serverFactory(null, {}, rec));
  const port = await listenHttp(defer, httpServer);
  defer.ws(await wsOpen(WebSocket, `ws://127.0.0.1:${port}/any/where`));
  assert.equal((await rec.wait('onConnect')).args[0].path, '/any/where');
});

test('handleUpgrade from a bare upgrade listener: request fields, head bytes, isSecure', async (t) => {
  const defer = cleanup(t);
  const rec = new Recorder();
  const factory = serverFactory(null, echo, rec);
  factory.protocols = ['sub'];
  const httpServer = http.createServer();
  let method = 0;
  httpServer.on('upgrade', (req, socket, head) => {
    // both spellings: the method and the exported function
    if (method++ % 2 === 0) factory.handleUpgrade(req, socket, head);
    else handleUpgrade(factory, req, socket, head);
  });
  const port = await listenHttp(defer, httpServer);
  const ws = defer.ws(await wsOpen(WebSocket, `ws://127.0.0.1:${port}/up?k=v`, ['sub'], { headers: { 'X-Up': 'yes' } }));
  ws.send('upgraded');
  assert.equal((await next(ws, 'message'))[0].toString(), 'upgraded');
  const [request] = (await rec.wait('onConnect')).args;
  assert.equal(request.path, '/up');
  assert.deepEqual(request.params, { k: ['v'] });
  assert.equal(request.headers['x-up'], 'yes');
  assert.deepEqual(request.protocols, ['sub']);
  assert.equal(ws.protocol, 'sub');
  assert.equal(request.peer, `tcp4:127.0.0.1:${ws._socket.localPort}`);
  assert.equal(rec.all('onConnecting')[0].args[0].isSecure, false);
  // A frame in the same packet as the request arrives in `head`.
  const peer = defer.raw(await rawConnect(port));
  peer.write(Buffer.concat([Buffer.from(upgradeRequest({ path: '/second' })), frame({ opcode: 1, payload: 'in head', mask: true })]));
  const echoed = await peer.frame();
  assert.equal(parseHead(peer.head).status, 101);
  assert.equal(echoed.payload.toString(), 'in head');
  if (!OPENSSL) return t.diagnostic('https part skipped: no openssl');
  const { key, cert } = certificate('main', ['wasmsocket.test']);
  const secureRec = new Recorder();
  const secureFactory = serverFactory(null, echo, secureRec);
  const httpsServer = https.createServer({ key, cert });
  httpsServer.on('upgrade', (req, socket, head) => secureFactory.handleUpgrade(req, socket, head));
  const securePort = await listenHttp(defer, httpsServer);
  const wss = defer.ws(await wsOpen(WebSocket, `wss://127.0.0.1:${securePort}/`, [], { ca: cert }));
  wss.send('secure upgrade');
  assert.equal((await next(wss, 'message'))[0].toString(), 'secure upgrade');
  assert.equal(secureRec.all('onConnecting')[0].args[0].isSecure, true);
  return undefined;
});

// ----- listenWS / connectWS handles -----

test('listenWS handle: close() sends 1001 (going away) to open connections, drops opening ones, stops listening', async (t) => {
  const defer = cleanup(t);
  const srv = await startServer({}, { options: { openHandshakeTimeout: 0 } });
  defer(() => srv.close());
  const ws = defer.ws(await wsOpen(WebSocket, srv.url));
  const opening = defer.raw(await rawConnect(srv.port));
  const closed = next(ws, 'close');
  await within(srv.close(), 3000, 'handle.close()');
  const [code, reason] = await closed;
  assert.deepEqual([code, reason.toString()], [1001, 'server shutting down']);
  await opening.gone();
  await assert.rejects(rawConnect(srv.port), /ECONNREFUSED/);
  await srv.recorder.wait('onClose', { count: 2 });
  assert.deepEqual(srv.recorder.all('onClose').map((e) => e.args[0]).sort(), [false, true]);
});

test('listenWS rejects when the address is in use', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}));
  const factory = new WebSocketServerFactory(`ws://127.0.0.1:${srv.port}`);
  await assert.rejects(listenWS(factory), (e) => e.code === 'EADDRINUSE');
});

test('connectWS handle: close() sends a close when open, drops the connection while connecting', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}));
  const client = await startClient(srv.url);
  await client.recorder.wait('onOpen');
  client.close(4000, 'handle close');
  await client.recorder.wait('onClose');
  assert.deepEqual(closeArgs(client.recorder), [true, 1000, '']);
  assert.deepEqual((await srv.recorder.wait('onClose')).args, [true, 4000, 'handle close']);
  const early = await startClient(srv.url);
  early.close();
  await early.recorder.wait('onClose');
  const [wasClean, code] = closeArgs(early.recorder);
  assert.deepEqual([wasClean, code], [false, 1006]);
  assert.equal(early.recorder.count('onOpen'), 0);
});
