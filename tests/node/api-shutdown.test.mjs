// Graceful shutdown: listenWS's close({ timeout }) sends 1001 behind everything already sent,
// waits for the closing handshakes until the deadline (not closeHandshakeTimeout), drops the
// rest and the opening connections, and counts them. Raw peers read as slowly as we like.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { WebSocket } from 'ws';
import { startServer, cleanup, wsOpen, next, within, sleep } from './support/api.mjs';
import { rawClient, rawConnect, frame, closePayload, parseFrames } from './support/raw.mjs';
import { NO_OPENSSL, certificate } from './support/tls-certs.mjs';

const MiB = 1024 * 1024;

/**
 * Takes a raw client's socket over from its RawPeer (no per-chunk copying of megabytes) and
 * reads one chunk every `pauseMs`; `bytes()` joins what arrived.
 */
function slowReader(peer, pauseMs) {
  const { socket } = peer;
  socket.removeAllListeners('data');
  const chunks = [];
  let received = 0;
  let waiter = null;
  socket.on('data', (chunk) => {
    chunks.push(chunk);
    received += chunk.length;
    socket.pause();
    setTimeout(() => socket.resume(), pauseMs);
    waiter?.();
  });
  return {
    get received() { return received; },
    /** Resolves once at least `n` bytes have arrived. */
    until(n, ms) {
      return within(new Promise((resolve) => {
        waiter = () => { if (received >= n) resolve(); };
        waiter();
      }), ms, `${n} bytes (got ${received})`);
    },
    bytes: () => Buffer.concat(chunks),
  };
}

/** The bytes of an unmasked server frame carrying `size` bytes of payload. */
const frameLength = (size) => size + (size < 126 ? 2 : size < 65536 ? 4 : 10);

test('close({ timeout }): a slow reader gets every byte sent before close(), then 1001; counted as closed cleanly', async (t) => {
  const defer = cleanup(t);
  // closeHandshakeTimeout far below the reading time: the shutdown deadline must govern.
  const srv = defer.server(await startServer({}, { options: { closeHandshakeTimeout: 0.2, maxBufferedAmount: 0 } }));
  const peer = defer.raw(await rawClient(srv.port));
  const reader = slowReader(peer, 10);
  const { protocol } = await srv.recorder.wait('onOpen');
  const messages = Array.from({ length: 4 }, () => crypto.randomBytes(2 * MiB));
  for (const message of messages) protocol.sendMessage(message, true);
  const started = Date.now();
  const closing = srv.close({ timeout: 20 });
  const reason = 'server shutting down';
  const total = messages.reduce((sum, m) => sum + frameLength(m.length), 0) + frameLength(2 + reason.length);
  await reader.until(total, 15000);
  const readingTook = Date.now() - started;
  const { frames, rest } = parseFrames(reader.bytes());
  assert.equal(rest.length, 0);
  assert.deepEqual(frames.map((f) => f.opcode), [2, 2, 2, 2, 8]);
  frames.slice(0, 4).forEach((f, i) => assert.ok(f.payload.equals(messages[i]), `message ${i} intact`));
  assert.deepEqual([frames[4].code, frames[4].reason], [1001, reason]);
  assert.ok(readingTook > 400, `the peer read for ${readingTook} ms, longer than closeHandshakeTimeout (200 ms)`);
  peer.socket.write(frame({ opcode: 8, payload: closePayload(1001), mask: true }));
  assert.deepEqual(await within(closing, 5000, 'close()'), { closedCleanly: 1, dropped: 0, closedUncleanly: 0 });
  const [wasClean, code] = (await srv.recorder.wait('onClose')).args;
  assert.deepEqual([wasClean, code], [true, 1001]);
});

test('close({ timeout }): a peer that never reads is dropped at the deadline, and close() resolves on time', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}, { options: { maxBufferedAmount: 0 } }));
  const stalled = defer.raw(await rawClient(srv.port));
  stalled.socket.pause();
  const { protocol } = await srv.recorder.wait('onOpen');
  const ws = defer.ws(await wsOpen(WebSocket, srv.url));
  await srv.recorder.wait('onOpen', { count: 2 });
  // More than loopback's socket buffers take: output stays queued on our side.
  protocol.sendMessage(Buffer.alloc(16 * MiB), true);
  assert.ok(protocol.bufferedAmount > 0);
  const wsClosed = next(ws, 'close');
  const started = Date.now();
  const result = await within(srv.close({ timeout: 0.5 }), 3000, 'close()');
  const took = Date.now() - started;
  assert.deepEqual(result, { closedCleanly: 1, dropped: 1, closedUncleanly: 0 });
  assert.ok(took >= 450 && took < 2000, `close() took ${took} ms for a 500 ms deadline`);
  const [code] = await wsClosed;
  assert.equal(code, 1001);
  const closes = await srv.recorder.wait('onClose', { count: 2 }).then(() => srv.recorder.all('onClose'));
  const stalledClose = closes.find((e) => e.protocol === protocol).args;
  assert.deepEqual(stalledClose.slice(0, 2), [false, 1006]);
  assert.match(stalledClose[2], /server shutting down: deadline passed/);
});

test('close(): opening connections dropped, an unclean end counted, new connections refused, one promise for every call', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}, { options: { openHandshakeTimeout: 0 } }));
  await assert.rejects(srv.close({ timeout: -1 }), RangeError);
  await assert.rejects(srv.close({ timeout: '5' }), RangeError);
  const ws = defer.ws(await wsOpen(WebSocket, srv.url));
  // This one answers the 1001 by resetting the connection: closed, but not cleanly.
  const rude = defer.raw(await rawClient(srv.port));
  rude.closeFrame().then(() => rude.socket.resetAndDestroy(), () => {});
  const opening = defer.raw(await rawConnect(srv.port));
  await srv.recorder.wait('onOpen', { count: 2 });
  await sleep(20); // the opening connection reached the server
  const wsClosed = next(ws, 'close');
  const closing = srv.close();
  assert.equal(srv.close({ timeout: 9 }), closing);
  assert.deepEqual(await within(closing, 3000, 'close()'), { closedCleanly: 1, dropped: 1, closedUncleanly: 1 });
  assert.equal((await wsClosed)[0], 1001);
  await opening.gone();
  await assert.rejects(rawConnect(srv.port), /ECONNREFUSED/);
});


test('close() over TLS: a connection still in its TLS handshake is dropped and counted, not waited for', { skip: NO_OPENSSL }, async (t) => {
  const defer = cleanup(t);
  const { key, cert } = certificate('shutdown', ['wasmsocket.test']);
  const srv = defer.server(await startServer({}, { url: 'wss://127.0.0.1:0', listen: { tls: { key, cert } } }));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url, [], { ca: cert }));
  // Connected over TCP, never says hello: server.close() alone would wait for it.
  const silent = net.connect({ port: srv.port, host: '127.0.0.1' });
  defer(() => silent.destroy());
  silent.on('error', () => {}).resume();
  await next(silent, 'connect');
  await sleep(20);
  const wsClosed = next(ws, 'close');
  const silentClosed = next(silent, 'close');
  assert.deepEqual(await within(srv.close({ timeout: 5 }), 3000, 'close()'), { closedCleanly: 1, dropped: 1, closedUncleanly: 0 });
  assert.equal((await wsClosed)[0], 1001);
  await silentClosed;
});
