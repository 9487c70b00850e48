// autobahn's perMessageCompressionAccept with the offers real peers send, and its accept
// rules (compress_deflate.py / compress_bzip2.py): what a server's OfferAccept may answer and
// what a client's ResponseAccept changes in how the client compresses, seen on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { WebSocket } from 'ws';
import {
  PerMessageDeflateOffer, PerMessageDeflateOfferAccept, PerMessageDeflateResponse, PerMessageDeflateResponseAccept,
  PerMessageBzip2Offer, PerMessageBzip2Response, PerMessageBzip2ResponseAccept, NegotiationError,
} from '../../pkg/node.mjs';
import { startServer, startClient, cleanup, next, within, closeArgs } from './support/api.mjs';
import { rawConnect, rawServer, upgradeRequest, parseHead, acceptKey } from './support/raw.mjs';

const PYTHON = resolve(import.meta.dirname, '../../.venv-interop/bin/python');
const echo = { onMessage(payload, isBinary) { this.sendMessage(payload, isBinary); } };
// autobahn's examples and pkg-template/README.md.
const usualAccept = (offers) => (offers[0] instanceof PerMessageDeflateOffer ? new PerMessageDeflateOfferAccept(offers[0], true) : null);

async function rawOffer(defer, port, extensions) {
  const peer = defer.raw(await rawConnect(port));
  const key = crypto.randomBytes(16).toString('base64');
  peer.write(upgradeRequest({ key, headers: { 'Sec-WebSocket-Extensions': extensions } }));
  const { status, headers } = parseHead(await peer.headReceived());
  if (status === 101) assert.equal(headers['sec-websocket-accept'], acceptKey(key));
  return { status, extensions: headers['sec-websocket-extensions'] };
}

/** python-websockets' client with its default offer: prints the response's extensions and the echo. */
function pythonClient(url) {
  const script = `
import asyncio, sys
from websockets.asyncio.client import connect
async def main():
    async with connect(sys.argv[1]) as ws:
        print(ws.response.headers.get("Sec-WebSocket-Extensions"))
        await ws.send("hello " * 50)
        print(len(await ws.recv()))
asyncio.run(main())`;
  const child = spawn(PYTHON, ['-c', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  return within(new Promise((done) => child.on('exit', (code) => done({ code, out, err }))), 15000, 'the python client');
}

test('the usual autobahn accept function answers the offers browsers, ws, python-websockets and our client send', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, { options: { perMessageCompressionAccept: usualAccept } }));
  // Chromium and ws offer client_max_window_bits; Firefox offers nothing; some ask for server_no_context_takeover.
  const cases = [
    ['permessage-deflate; client_max_window_bits', 'permessage-deflate; client_no_context_takeover'],
    ['permessage-deflate', 'permessage-deflate; client_no_context_takeover'],
    ['permessage-deflate; client_max_window_bits=15; server_no_context_takeover', 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'],
    ['permessage-deflate; server_max_window_bits=10; client_max_window_bits', 'permessage-deflate; server_max_window_bits=10; client_no_context_takeover'],
  ];
  for (const [offer, expected] of cases) {
    assert.deepEqual(await rawOffer(defer, srv.port, offer), { status: 101, extensions: expected }, offer);
  }

  const ws = defer.ws(new WebSocket(srv.url));
  const [upgraded, opened] = [next(ws, 'upgrade'), next(ws, 'open')];
  const [upgrade] = await upgraded;
  assert.equal(upgrade.headers['sec-websocket-extensions'], 'permessage-deflate; client_no_context_takeover');
  await opened;
  ws.send('hello '.repeat(50));
  const [echoed] = await next(ws, 'message');
  assert.equal(echoed.toString(), 'hello '.repeat(50));

  const py = await pythonClient(srv.url);
  assert.equal(py.code, 0, py.err);
  assert.equal(py.out, 'permessage-deflate; client_no_context_takeover\n300\n');

  const ours = await startClient(srv.url, { onOpen() { this.sendMessage('hi '.repeat(40)); }, onMessage() { this.sendClose(1000); } });
  defer(() => ours.protocol.dropConnection());
  await ours.recorder.wait('onClose');
  assert.deepEqual(closeArgs(ours.recorder).slice(0, 2), [true, 1000]);
  assert.equal(ours.protocol.extensionsInUse[0].clientNoContextTakeover, true);
});

test('PerMessageDeflateOffer.parse and the accepts refuse exactly what autobahn refuses', () => {
  const offer = (params) => PerMessageDeflateOffer.parse(params);
  assert.deepEqual({ ...offer([['client_max_window_bits', null]]) },
    { acceptNoContextTakeover: true, acceptMaxWindowBits: true, requestNoContextTakeover: false, requestMaxWindowBits: 0 });
  assert.equal(offer([]).acceptMaxWindowBits, false);
  assert.throws(() => offer([['server_max_window_bits', '8']]), NegotiationError, 'autobahn: windows are 9-15');
  assert.throws(() => offer([['client_max_window_bits', '8']]), NegotiationError);
  assert.throws(() => new PerMessageDeflateOffer(true, true, false, 8), RangeError);

  const asksNoTakeover = offer([['server_no_context_takeover', null], ['server_max_window_bits', '10']]);
  // The response would say server_no_context_takeover while we kept our context.
  assert.throws(() => new PerMessageDeflateOfferAccept(asksNoTakeover, false, 0, false), /server_no_context_takeover/);
  assert.throws(() => new PerMessageDeflateOfferAccept(asksNoTakeover, false, 0, null, 11), RangeError);
  assert.throws(() => new PerMessageDeflateOfferAccept(asksNoTakeover, false, 9), /client_max_window_bits/);
  assert.throws(() => new PerMessageDeflateOfferAccept(asksNoTakeover, false, 0, null, null, 10), /memLevel/);
  const ok = new PerMessageDeflateOfferAccept(asksNoTakeover, true, 0, true, 9, 4);
  assert.equal(ok.getExtensionString(), 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_no_context_takeover');

  const response = new PerMessageDeflateResponse(10, true, 0, false);
  assert.throws(() => new PerMessageDeflateResponseAccept(response, false), /client_no_context_takeover/);
  assert.throws(() => new PerMessageDeflateResponseAccept(response, null, 11), RangeError);
  assert.throws(() => new PerMessageBzip2ResponseAccept(new PerMessageBzip2Response(3, 0), 4), RangeError);
  assert.throws(() => new PerMessageBzip2Offer(true, 10), RangeError);
});

test('a server accept function that breaks autobahn\'s rules fails the handshake (500), not a lying response', async (t) => {
  const defer = cleanup(t);
  const accept = (offers) => new PerMessageDeflateOfferAccept(offers[0], false, 0, false);
  const srv = defer.server(await startServer(echo, { options: { perMessageCompressionAccept: accept } }));
  assert.equal((await rawOffer(defer, srv.port, 'permessage-deflate; server_no_context_takeover')).status, 500);
  assert.equal((await rawOffer(defer, srv.port, 'permessage-deflate')).status, 101);
  // The accept function's RangeError reaches onError (it is the application's callback).
  const errors = srv.recorder.all('onError');
  assert.equal(errors.length, 1);
  assert.match(String(errors[0].args[0]), /server_no_context_takeover/);
});

/** Our client against a raw server answering `extensions`; resolves to the client frames' payloads. */
async function clientFrames(defer, extensions, options, messages) {
  const raw = await rawServer({
    answer: (head) => {
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)[1];
      return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
        `Sec-WebSocket-Extensions: ${extensions}\r\n\r\n`;
    },
  });
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, { onOpen() { for (const m of messages) this.sendMessage(m); } }, { options });
  defer(() => client.protocol.dropConnection());
  const peer = await raw.waitPeer();
  await peer.until(() => peer.frames.length >= messages.length, `${messages.length} frames`);
  return peer.frames.map((f) => { assert.equal(f.rsv, 4, 'compressed'); return f.payload; });
}

const text = JSON.stringify({ user: 'someone', text: 'the same message, sent twice over one connection' }).repeat(3);

test('client: PerMessageDeflateResponseAccept(noContextTakeover) sets how the client compresses', async (t) => {
  const defer = cleanup(t);
  // noContextTakeover true: each message compressed on its own, so a repeat is byte-identical.
  const independent = await clientFrames(defer, 'permessage-deflate', {
    perMessageCompressionOffers: [new PerMessageDeflateOffer(false)],
    perMessageCompressionAccept: (response) => new PerMessageDeflateResponseAccept(response, true),
  }, [text, text]);
  assert.deepEqual(independent[1], independent[0]);
  // null: the response's terms (no client_no_context_takeover), as autobahn: the repeat refers back.
  const takeover = await clientFrames(defer, 'permessage-deflate', {
    perMessageCompressionOffers: [new PerMessageDeflateOffer()],
    perMessageCompressionAccept: (response) => new PerMessageDeflateResponseAccept(response),
  }, [text, text]);
  assert.ok(takeover[1].length < takeover[0].length / 2, `${takeover[1].length} vs ${takeover[0].length}`);
});

test('client: PerMessageBzip2ResponseAccept(compressLevel) sets the client\'s bzip2 level', async (t) => {
  const defer = cleanup(t);
  // A message spanning several 100 kB blocks: the stream header names the block size used
  // (a shorter message gets the smallest block that holds it, whatever the level).
  const big = crypto.randomBytes(150 * 1024).toString('hex');
  const send = (level) => clientFrames(defer, 'permessage-bzip2', {
    perMessageCompressionOffers: [new PerMessageBzip2Offer()],
    perMessageCompressionAccept: (response) => new PerMessageBzip2ResponseAccept(response, level),
  }, [big]);
  const [[one], [unset]] = [await send(1), await send(null)];
  assert.equal(one.subarray(0, 4).toString('latin1'), 'BZh1');
  assert.notEqual(unset.subarray(0, 4).toString('latin1'), 'BZh1');
});

test('client: a ResponseAccept the response forbids fails the handshake', async (t) => {
  const defer = cleanup(t);
  const raw = await rawServer({
    answer: (head) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(/sec-websocket-key:\s*(\S+)/i.exec(head)[1])}\r\n` +
      'Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n\r\n',
  });
  defer(() => raw.close());
  const client = await startClient(`ws://127.0.0.1:${raw.port}/`, {}, {
    options: {
      perMessageCompressionOffers: [new PerMessageDeflateOffer()],
      perMessageCompressionAccept: (response) => new PerMessageDeflateResponseAccept(response, false),
    },
  });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onClose');
  const [wasClean, code, reason] = closeArgs(client.recorder);
  assert.deepEqual([wasClean, code], [false, 1006]);
  assert.match(reason, /client_no_context_takeover/);
  assert.equal(client.recorder.count('onError'), 1, 'the accept function\'s RangeError reaches onError');
});
