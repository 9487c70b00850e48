// Compression settings checked in the core (issue 10: the rules live in src/*/params.rs; the JS
// factories and autobahn's classes pass raw values and report the core's error), bzip2's
// maxMessageSize (as deflate's: a per-connection decompressed-size limit, 1009 beyond) and
// ServerPerMessageDeflateFactory's requireClientMaxWindowBits (python-websockets'
// require_client_max_window_bits), each on real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import {
  ServerPerMessageBzip2Factory, ClientPerMessageBzip2Factory, ServerPerMessageDeflateFactory, ClientPerMessageDeflateFactory,
  PerMessageBzip2Offer, PerMessageBzip2OfferAccept, PerMessageBzip2Response, PerMessageBzip2ResponseAccept, PerMessageBzip2,
  PerMessageDeflateOffer, PerMessageDeflateOfferAccept, NegotiationError,
} from '../../pkg/node.mjs';
import { startServer, startClient, cleanup, within, closeArgs } from './support/api.mjs';

const echo = { onMessage(payload, isBinary) { this.sendMessage(payload, isBinary); } };
const lengthOf = { onMessage(payload) { this.sendMessage(String(payload.length)); } };

// ----- the bzip2 factories' options, checked by the core -----

test('bzip2 factory options: the core checks them and each error names the option', () => {
  for (const Factory of [ServerPerMessageBzip2Factory, ClientPerMessageBzip2Factory]) {
    const bad = (options, pattern) => assert.throws(() => new Factory(options), (e) => e instanceof RangeError && pattern.test(e.message), `${Factory.name} ${JSON.stringify(options)}`);
    bad({ level: 10 }, /^invalid permessage-bzip2 options: level must be an integer 1-9, got 10$/);
    bad({ level: 0 }, /level must be an integer 1-9, got 0/);
    bad({ level: 2.5 }, /level must be an integer 1-9, got 2.5/);
    bad({ level: '3' }, /level must be a number or null/);
    bad({ serverMaxCompressLevel: 12 }, /serverMaxCompressLevel must be an integer 1-9, got 12/);
    bad({ serverMaxCompressLevel: -1 }, /serverMaxCompressLevel must be an integer 1-9, got -1/);
    bad({ acceptClientMaxCompressLevel: 'yes' }, /acceptClientMaxCompressLevel must be a boolean/);
    bad({ smallDecompress: 1 }, /smallDecompress must be a boolean/);
    // Unknown and misspelled keys throw as the deflate factories' do.
    bad({ levle: 3 }, /unknown option levle \(known: level, serverMaxCompressLevel, clientMaxCompressLevel, acceptClientMaxCompressLevel, smallDecompress\)/);
    bad({ server_max_compress_level: 3 }, /unknown option server_max_compress_level: this library spells it serverMaxCompressLevel/);
    bad({ small_decompress: true }, /spells it smallDecompress/);
    bad('fast', /option must be an object/);
  }
  assert.throws(() => new ServerPerMessageBzip2Factory({ clientMaxCompressLevel: 10 }), /clientMaxCompressLevel must be an integer 1-9, got 10/);
  assert.throws(() => new ClientPerMessageBzip2Factory({ clientMaxCompressLevel: 3 }), /clientMaxCompressLevel is a server setting/);
  // What passes is kept as the core read it (null: unset, as for deflate).
  assert.deepEqual({ ...new ServerPerMessageBzip2Factory({ level: 4, serverMaxCompressLevel: 3, clientMaxCompressLevel: null, smallDecompress: true }).settings },
    { level: 4, serverMaxCompressLevel: 3, clientMaxCompressLevel: null, acceptClientMaxCompressLevel: true, smallDecompress: true });
  assert.deepEqual({ ...new ClientPerMessageBzip2Factory().settings },
    { level: 9, serverMaxCompressLevel: null, clientMaxCompressLevel: null, acceptClientMaxCompressLevel: true, smallDecompress: false });
  assert.ok(Object.isFrozen(new ClientPerMessageBzip2Factory().settings));
});

test('bzip2 factories checked by the core still negotiate what they were given, on a socket', async (t) => {
  const defer = cleanup(t);
  const server = defer.server(await startServer(echo, {
    options: { compression: null, extensions: [new ServerPerMessageBzip2Factory({ level: 4, clientMaxCompressLevel: 2 })] },
  }));
  let reply;
  const client = await startClient(server.url, {
    onOpen() { this.sendMessage('z'.repeat(5000)); },
    onMessage(payload) { reply = payload.toString(); this.sendClose(1000); },
  }, { options: { compression: null, extensions: [new ClientPerMessageBzip2Factory({ serverMaxCompressLevel: 3 })] } });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onClose', { timeout: 5000 });
  assert.equal(reply, 'z'.repeat(5000));
  assert.equal(client.protocol.response.extensions.map((e) => e.name).join(), 'permessage-bzip2');
  const [inUse] = client.protocol.extensionsInUse;
  assert.deepEqual([inUse.serverMaxCompressLevel, inUse.clientMaxCompressLevel], [3, 2]);
});

test('maxMessageSize of the accepts: a byte count or null, the core\'s error names it', () => {
  const offer = new PerMessageBzip2Offer();
  const response = new PerMessageBzip2Response(0, 0);
  for (const bad of [-1, 1.5, 'big']) {
    assert.throws(() => new PerMessageBzip2OfferAccept(offer, 0, null, bad), (e) => e instanceof RangeError && /permessage-bzip2: invalid accept: .*maxMessageSize as a byte count/.test(e.message), String(bad));
    assert.throws(() => new PerMessageBzip2ResponseAccept(response, null, bad), /maxMessageSize as a byte count/);
    assert.throws(() => new PerMessageDeflateOfferAccept(new PerMessageDeflateOffer(), false, 0, null, null, null, bad), /permessage-deflate: invalid accept: .*maxMessageSize as a byte count/);
  }
  assert.equal(new PerMessageBzip2OfferAccept(offer, 0, null, 0).maxMessageSize, 0);
  assert.equal(new PerMessageBzip2OfferAccept(offer).maxMessageSize, null);
  assert.equal(new PerMessageBzip2ResponseAccept(response, 5, 100).maxMessageSize, 100);
  assert.equal(new PerMessageBzip2(true, 9, 9, 1000).maxMessageSize, 1000);
  assert.equal(new PerMessageBzip2(true, 9, 9).maxMessageSize, null);
});

// ----- bzip2's maxMessageSize -----

test('maxMessageSize on PerMessageBzip2OfferAccept: a message decompressing beyond it closes 1009; one of exactly it passes', async (t) => {
  const defer = cleanup(t);
  const server = defer.server(await startServer(lengthOf, {
    options: {
      // The connection's own limit is far above: the 1009 is the extension's.
      maxMessagePayloadSize: 1 << 20,
      perMessageCompressionAccept: (offers) => new PerMessageBzip2OfferAccept(offers.find((o) => o instanceof PerMessageBzip2Offer), 0, null, 1000),
    },
  }));
  const replies = [];
  const client = await startClient(server.url, {
    onOpen() { this.sendMessage('a'.repeat(1000)); },
    onMessage(payload) { replies.push(payload.toString()); this.sendMessage('a'.repeat(1001)); },
  }, { options: { perMessageCompressionOffers: [new PerMessageBzip2Offer()] } });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onOpen');
  assert.equal(client.protocol.response.extensions.map((e) => e.name).join(), 'permessage-bzip2');
  const [serverSide] = [...server.factory._connections][0].extensionsInUse;
  assert.ok(serverSide instanceof PerMessageBzip2);
  assert.equal(serverSide.maxMessageSize, 1000);
  assert.equal(client.protocol.extensionsInUse[0].maxMessageSize, null, 'the client set no limit of its own');
  await client.recorder.wait('onClose', { timeout: 5000 });
  assert.deepEqual(replies, ['1000'], 'a message of exactly maxMessageSize passes');
  const [wasClean, code] = closeArgs(client.recorder);
  assert.deepEqual([wasClean, code], [true, 1009], 'the server closed with 1009 (message too big)');
});

test('maxMessageSize on PerMessageBzip2ResponseAccept limits what the client decompresses (1009)', async (t) => {
  const defer = cleanup(t);
  const server = defer.server(await startServer(echo, {
    options: { compression: null, extensions: [new ServerPerMessageBzip2Factory()] },
  }));
  const got = [];
  const client = await startClient(server.url, {
    onOpen() { this.sendMessage('b'.repeat(500)); },
    onMessage(payload) { got.push(payload.length); this.sendMessage('b'.repeat(501)); },
  }, {
    options: {
      perMessageCompressionOffers: [new PerMessageBzip2Offer()],
      perMessageCompressionAccept: (response) => new PerMessageBzip2ResponseAccept(response, null, 500),
    },
  });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onClose', { timeout: 5000 });
  assert.deepEqual(got, [500], 'the 500-byte echo passes, the 501-byte one does not');
  assert.equal(client.protocol.extensionsInUse[0].maxMessageSize, 500);
  const [, code] = closeArgs(client.recorder);
  assert.equal(code, 1009);
  const serverClose = await server.recorder.wait('onClose');
  assert.equal(serverClose.args[1], 1009, 'the server got the client\'s 1009');
});

// ----- requireClientMaxWindowBits -----

test('requireClientMaxWindowBits: checked by the core; needs a clientMaxWindowBits value; server only', () => {
  assert.throws(() => new ServerPerMessageDeflateFactory({ requireClientMaxWindowBits: true }),
    (e) => e instanceof RangeError && /requireClientMaxWindowBits needs clientMaxWindowBits set to a window \(8-15\)/.test(e.message));
  assert.throws(() => new ServerPerMessageDeflateFactory({ requireClientMaxWindowBits: true, clientMaxWindowBits: null }), /requireClientMaxWindowBits needs clientMaxWindowBits/);
  assert.throws(() => new ServerPerMessageDeflateFactory({ requireClientMaxWindowBits: 1, clientMaxWindowBits: 10 }), /requireClientMaxWindowBits must be a boolean/);
  assert.throws(() => new ServerPerMessageDeflateFactory({ require_client_max_window_bits: true }), /spells it requireClientMaxWindowBits/);
  assert.throws(() => new ClientPerMessageDeflateFactory({ requireClientMaxWindowBits: true }), /requireClientMaxWindowBits is an option of ServerPerMessageDeflateFactory only/);
  assert.equal(new ServerPerMessageDeflateFactory().settings.requireClientMaxWindowBits, false);
  const f = new ServerPerMessageDeflateFactory({ clientMaxWindowBits: 10, requireClientMaxWindowBits: true });
  assert.equal(f.settings.requireClientMaxWindowBits, true);
  // Called from JS, as python-websockets' process_request_params: declined without the parameter.
  assert.throws(() => f.processRequestParams([], []), (e) => e instanceof NegotiationError && /required client_max_window_bits/.test(e.message));
  const [response] = f.processRequestParams([['client_max_window_bits', null]], []);
  assert.deepEqual(response, [['client_max_window_bits', '10']]);
});

/** Opens a ws client with `perMessageDeflate`; resolves with what it negotiated and one echo. */
async function wsEcho(defer, url, perMessageDeflate) {
  const ws = defer.ws(new WebSocket(url, { perMessageDeflate }));
  const upgrade = new Promise((resolve) => ws.once('upgrade', (res) => resolve(res.headers['sec-websocket-extensions'] ?? null)));
  await within(new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); }), 3000, 'ws open');
  const text = 'x'.repeat(2000);
  const reply = within(new Promise((resolve) => ws.once('message', (data) => resolve(data.toString()))), 3000, 'echo');
  ws.send(text);
  assert.equal(await reply, text);
  const header = await upgrade;
  ws.close(1000);
  return { header, extensions: ws.extensions };
}

test('requireClientMaxWindowBits against ws: an offer without client_max_window_bits is declined (no compression), one with it is capped', async (t) => {
  const defer = cleanup(t);
  const requiring = defer.server(await startServer(echo, {
    options: { compression: null, extensions: [new ServerPerMessageDeflateFactory({ clientMaxWindowBits: 10, requireClientMaxWindowBits: true })] },
  }));
  // ws's default offer has client_max_window_bits (no value): accepted, the client's window capped at 10.
  const withBits = await wsEcho(defer, requiring.url, { threshold: 0 });
  assert.equal(withBits.header, 'permessage-deflate; client_max_window_bits=10');
  assert.equal(withBits.extensions, 'permessage-deflate', 'ws agreed');
  // clientMaxWindowBits: false makes ws offer permessage-deflate without the parameter: declined,
  // and the connection goes on uncompressed (python-websockets: no compression at all).
  const without = await wsEcho(defer, requiring.url, { clientMaxWindowBits: false, threshold: 0 });
  assert.equal(without.header, null, 'no Sec-WebSocket-Extensions in the response');
  assert.equal(without.extensions, '', 'ws runs without permessage-deflate');
  const servers = [...requiring.recorder.all('onOpen')].map((r) => r.protocol.extensionsInUse.map((e) => e.name));
  assert.deepEqual(servers, [['permessage-deflate'], []]);

  // The same factory without the option accepts that offer, leaving the client its window.
  const lenient = defer.server(await startServer(echo, {
    options: { compression: null, extensions: [new ServerPerMessageDeflateFactory({ clientMaxWindowBits: 10 })] },
  }));
  const accepted = await wsEcho(defer, lenient.url, { clientMaxWindowBits: false, threshold: 0 });
  assert.equal(accepted.header, 'permessage-deflate');
  assert.equal(accepted.extensions, 'permessage-deflate');
});

test('requireClientMaxWindowBits with our client: a factory that does not offer the parameter gets no compression', async (t) => {
  const defer = cleanup(t);
  const server = defer.server(await startServer(echo, {
    options: { compression: null, extensions: [new ServerPerMessageDeflateFactory({ clientMaxWindowBits: 9, requireClientMaxWindowBits: true })] },
  }));
  const open = async (clientMaxWindowBits) => {
    const client = await startClient(server.url, {}, { options: { compression: null, extensions: [new ClientPerMessageDeflateFactory({ clientMaxWindowBits })] } });
    defer(() => client.protocol.dropConnection());
    await client.recorder.wait('onOpen');
    return client.protocol.response.extensions;
  };
  assert.deepEqual(await open(false), []);
  assert.deepEqual(await open(true), [{ name: 'permessage-deflate', params: [['client_max_window_bits', '9']] }]);
  assert.deepEqual(await open(12), [{ name: 'permessage-deflate', params: [['client_max_window_bits', '9']] }]);
});
