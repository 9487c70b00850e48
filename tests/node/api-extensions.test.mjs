// The extension API over real sockets: compression on by default and off with
// `compression: null`, the built-in deflate factories, a user-defined JavaScript extension
// chained with the core's deflate, negotiation errors, autobahn's PMCE style, the
// per-message opt-out, the decompression bomb, and wasm memory per connection.
// Raw peers (tests/node/support/raw.mjs) show what really went over the wire; Node's zlib is
// the independent deflate on the other end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import {
  ClientExtensionFactory, ClientPerMessageDeflateFactory, Extension, ExtensionError, Frame, NegotiationError,
  ClientPerMessageBzip2Factory, ServerPerMessageBzip2Factory, PerMessageBzip2Offer, PerMessageBzip2OfferAccept,
  OutgoingMessage, PerMessageDeflate, PerMessageDeflateOffer, PerMessageDeflateOfferAccept, PerMessageDeflateResponseAccept, RSV2,
  ServerExtensionFactory, ServerPerMessageDeflateFactory, State, wasmMemory,
} from '../../pkg/node.mjs';
import { startServer, startClient, cleanup, closeArgs, within, sleep } from './support/api.mjs';
import { acceptKey, closePayload, parseHead, rawConnect, upgradeRequest } from './support/raw.mjs';

const TAIL = Buffer.from([0, 0, 0xff, 0xff]);
const echo = { onMessage(payload, isBinary) { this.sendMessage(payload, isBinary); } };

/** A raw client that offers `extensions`; resolves to the peer and the response headers. */
async function rawOffer(defer, port, extensions) {
  const peer = defer.raw(await rawConnect(port));
  const key = crypto.randomBytes(16).toString('base64');
  const headers = extensions === null ? {} : { 'Sec-WebSocket-Extensions': extensions };
  peer.write(upgradeRequest({ key, headers }));
  const { status, headers: response } = parseHead(await peer.headReceived());
  assert.equal(status, 101);
  assert.equal(response['sec-websocket-accept'], acceptKey(key));
  return { peer, response };
}

/** A raw-deflate stream whose messages each end with a sync flush, stripped (RFC 7692 §7.2.1). */
function deflater(windowBits = 15) {
  const z = zlib.createDeflateRaw({ windowBits });
  return (data) => new Promise((resolve) => {
    const parts = [];
    const onData = (chunk) => parts.push(chunk);
    z.on('data', onData);
    z.write(data);
    z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      z.off('data', onData);
      const out = Buffer.concat(parts);
      assert.deepEqual(out.subarray(-4), TAIL);
      resolve(out.subarray(0, -4));
    });
  });
}

/** Inflates the payloads of one side's messages with context takeover, as a peer would. */
function inflater() {
  const z = zlib.createInflateRaw();
  return (payload) => new Promise((resolve, reject) => {
    const parts = [];
    const onData = (chunk) => parts.push(chunk);
    z.on('data', onData);
    z.once('error', reject);
    z.write(Buffer.concat([payload, TAIL]));
    z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      z.off('data', onData);
      resolve(Buffer.concat(parts));
    });
  });
}

const json = (i) => JSON.stringify({ id: i, user: `user${i % 7}`, text: 'hello there, how are you today?', tags: ['a', 'b', 'c'], ok: i % 2 === 0 });

test('default: a server negotiates permessage-deflate (no window caps) and its frames carry RSV1 and inflate with zlib', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo));
  const { peer, response } = await rawOffer(defer, srv.port, 'permessage-deflate; client_max_window_bits');
  // The server sends with window 15 and takeover in ≤ 64 KiB (src/extensions/deflate/history.rs) and caps no window.
  assert.equal(response['sec-websocket-extensions'], 'permessage-deflate');
  const deflate = deflater(15);
  const inflate = inflater();
  for (let i = 0; i < 5; i++) {
    const text = json(i).repeat(20);
    peer.send({ opcode: 1, rsv: 4, payload: await deflate(text) });
    const reply = await peer.frame(() => true, i + 1);
    assert.equal(reply.rsv, 4, 'RSV1: the echo is compressed');
    assert.ok(reply.payload.length < text.length / 4, `compressed to ${reply.payload.length} of ${text.length}`);
    assert.equal((await inflate(reply.payload)).toString(), text);
  }
  // The same server sends uncompressed messages (RSV1 clear) to a peer that may send either.
  peer.send({ opcode: 2, payload: Buffer.from([1, 2, 3]) });
  const plain = await peer.frame(() => true, 6);
  assert.equal(plain.rsv, 4);
  assert.deepEqual(await inflate(plain.payload), Buffer.from([1, 2, 3]));
});

test('default: our client and our server negotiate deflate; extensionsInUse on both sides', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo));
  const got = [];
  const client = await startClient(`ws://127.0.0.1:${srv.port}/`, {
    onOpen() { for (let i = 0; i < 20; i++) this.sendMessage(json(i), false); this.sendMessage(Buffer.alloc(100000, 9), true); },
    onMessage(payload, isBinary) { got.push([payload, isBinary]); if (got.length === 21) this.sendClose(1000); },
  });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onClose', {}, 5000);
  assert.deepEqual(got.slice(0, 20).map(([p]) => p.toString()), Array.from({ length: 20 }, (_, i) => json(i)));
  assert.deepEqual(got[20], [Buffer.alloc(100000, 9), true]);
  const [ours] = client.protocol.extensionsInUse;
  assert.ok(ours instanceof PerMessageDeflate);
  assert.deepEqual({ ...ours }, { isServer: false, serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15, memLevel: 8, maxMessageSize: null });
  const serverSide = srv.recorder.all('onOpen')[0].protocol;
  assert.equal(serverSide.extensionsInUse[0].isServer, true);
  assert.deepEqual(closeArgs(client.recorder), [true, 1000, '']);
});

test('compression: null — nothing is negotiated, and an RSV1 frame is a protocol error (1002)', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, { options: { compression: null } }));
  const { peer, response } = await rawOffer(defer, srv.port, 'permessage-deflate');
  assert.equal(response['sec-websocket-extensions'], undefined);
  peer.send({ opcode: 1, rsv: 4, payload: 'abc' });
  const close = await peer.closeFrame();
  assert.equal(close.code, 1002);
  // And a client with compression: null offers nothing.
  const srv2 = defer.server(await startServer(echo));
  const client = await startClient(`ws://127.0.0.1:${srv2.port}/`, {}, { options: { compression: null } });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onOpen');
  assert.equal(srv2.recorder.all('onConnect')[0].args[0].headers['sec-websocket-extensions'], undefined);
  assert.deepEqual(client.protocol.extensionsInUse, []);
});

test('ServerPerMessageDeflateFactory: every parameter reaches the response; window 8 and no context takeover', async (t) => {
  const defer = cleanup(t);
  const factory = new ServerPerMessageDeflateFactory({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 8 });
  const srv = defer.server(await startServer(echo, { options: { extensions: [factory] } }));
  const { peer, response } = await rawOffer(defer, srv.port, 'permessage-deflate; client_max_window_bits');
  assert.equal(response['sec-websocket-extensions'],
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=8');
  const text = 'abcdefghij'.repeat(300) + json(1).repeat(30);
  for (let i = 0; i < 3; i++) {
    // No context takeover on either side: each message stands alone.
    const z = zlib.deflateRawSync(text, { windowBits: 9 });
    peer.send({ opcode: 1, rsv: 4, payload: Buffer.concat([z, Buffer.from([0])]) });
    const reply = await peer.frame(() => true, i + 1);
    assert.equal(reply.rsv, 4);
    // A fresh inflater with a 512-byte window must read it: every distance fits the window.
    assert.equal(zlib.inflateRawSync(Buffer.concat([reply.payload, TAIL]), { windowBits: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString(), text);
  }
  // An offer with an invalid parameter is declined, the next one accepted (RFC 7692 §5).
  const second = await rawOffer(defer, srv.port, 'permessage-deflate; server_max_window_bits=16, permessage-deflate; server_max_window_bits=10');
  assert.equal(second.response['sec-websocket-extensions'],
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9');
});

test('ClientPerMessageDeflateFactory: the offer has its parameters; a response above them fails the handshake', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, { options: { compression: null, extensions: [new ServerPerMessageDeflateFactory({ serverMaxWindowBits: 11 })] } }));
  const client = await startClient(`ws://127.0.0.1:${srv.port}/`, {}, {
    options: { extensions: [new ClientPerMessageDeflateFactory({ serverNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9 })] },
  });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onOpen');
  const offered = srv.recorder.all('onConnect')[0].args[0].headers['sec-websocket-extensions'];
  assert.equal(offered, 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9');
  assert.deepEqual({ ...client.protocol.extensionsInUse[0] },
    { isServer: false, serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 10, clientMaxWindowBits: 9, memLevel: 8, maxMessageSize: null });
  assert.throws(() => new ClientPerMessageDeflateFactory({ serverMaxWindowBits: 16 }), /serverMaxWindowBits must be 8-15/);
  assert.throws(() => new ServerPerMessageDeflateFactory({ clientMaxWindowBits: true }), /clientMaxWindowBits must be 8-15 or null/);
  assert.throws(() => new ServerPerMessageDeflateFactory({ compressSettings: { level: 11 } }), /level must be -1-9/);
});

// ----- a user-defined extension, written in JS, chained with the core's deflate -----

/** XORs data frames with a key byte and marks the first frame of each message with RSV2. */
class Xor extends Extension {
  constructor(key) { super(); this.key = key; this.decoded = 0; }
  get name() { return 'x-xor'; }
  get rsvBits() { return RSV2; }
  #apply(frame, rsv2) { return frame.with({ data: frame.data.map((b) => b ^ this.key), rsv2 }); }
  encode(frame) { return frame.isControl ? frame : this.#apply(frame, frame.opcode !== Frame.OP_CONT); }
  // Like permessage-deflate: RSV2 on a message's first frame covers its continuations.
  #receiving = false;
  decode(frame, { maxSize }) {
    if (frame.isControl) return frame;
    if (frame.opcode !== Frame.OP_CONT) this.#receiving = frame.rsv2;
    if (!this.#receiving) return frame;
    if (maxSize !== null && frame.data.length > maxSize) throw new ExtensionError('x-xor: too big', 1009);
    if (frame.fin) this.decoded++;
    return this.#apply(frame, false);
  }
}

class ServerXor extends ServerExtensionFactory {
  get name() { return 'x-xor'; }
  processRequestParams(params, accepted) {
    const key = params.find(([n]) => n === 'key')?.[1];
    if (!key) throw new NegotiationError('x-xor needs a key');
    this.acceptedBefore = accepted.map((e) => e.name);
    return [[['key', key]], new Xor(Number(key))];
  }
}

class ClientXor extends ClientExtensionFactory {
  constructor(key) { super(); this.key = key; }
  get name() { return 'x-xor'; }
  getRequestParams() { return [['key', String(this.key)]]; }
  processResponseParams(params, accepted) {
    if (params[0]?.[1] !== String(this.key)) throw new NegotiationError('x-xor: the server changed the key');
    this.acceptedBefore = accepted.map((e) => e.name);
    this.extension = new Xor(this.key);
    return this.extension;
  }
}

test('a JS extension on the wire: RSV2 and XORed payloads both ways, Frame fields as python-websockets', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, { options: { compression: null, extensions: [new ServerXor()] } }));
  const { peer, response } = await rawOffer(defer, srv.port, 'x-xor; key=7');
  assert.equal(response['sec-websocket-extensions'], 'x-xor; key=7');
  peer.send({ opcode: 1, rsv: 2, fin: false, payload: Buffer.from('hel').map((b) => b ^ 7) });
  peer.send({ opcode: 9, payload: 'ping between fragments' });
  peer.send({ opcode: 0, payload: Buffer.from('lo').map((b) => b ^ 7) });
  const reply = await peer.frame((f) => f.opcode === 1);
  assert.equal(reply.rsv, 2);
  assert.equal(Buffer.from(reply.payload.map((b) => b ^ 7)).toString(), 'hello');
  // An RSV bit nobody declared is still a protocol error.
  peer.send({ opcode: 1, rsv: 1, payload: 'x' });
  assert.equal((await peer.closeFrame()).code, 1002);
});

test('a JS extension chained with the core deflate, both orders, our client ↔ our server', async (t) => {
  for (const xorFirst of [true, false]) {
    const defer = cleanup(t);
    const serverXor = new ServerXor();
    const serverExtensions = xorFirst ? [serverXor] : [new ServerPerMessageDeflateFactory(), serverXor];
    const srv = defer.server(await startServer(echo, { options: { extensions: serverExtensions } }));
    const clientXor = new ClientXor(0x5a);
    const clientExtensions = xorFirst ? [clientXor, new ClientPerMessageDeflateFactory()] : [new ClientPerMessageDeflateFactory(), clientXor];
    const got = [];
    const payloads = [json(1).repeat(50), 'é€😀'.repeat(1000), ''];
    const client = await startClient(`ws://127.0.0.1:${srv.port}/`, {
      onOpen() { for (const p of payloads) this.sendMessage(p); this.sendMessage(Buffer.alloc(70000, 3), true, 1000); },
      onMessage(payload, isBinary) { got.push([payload, isBinary]); if (got.length === 4) this.sendClose(1000, 'done'); },
    }, { options: { extensions: clientExtensions } });
    defer(() => client.protocol.dropConnection());
    await client.recorder.wait('onClose', {}, 5000);
    const order = xorFirst ? ['x-xor', 'permessage-deflate'] : ['permessage-deflate', 'x-xor'];
    assert.deepEqual(client.protocol.extensionsInUse.map((e) => e.name), order);
    assert.deepEqual(got.map(([p, b]) => [p.toString(), b]), [...payloads.map((p) => [p, false]), [Buffer.alloc(70000, 3).toString(), true]]);
    assert.ok(clientXor.extension.decoded >= 4, 'the client decoded every message through the JS extension');
    // `accepted` holds the extensions negotiated earlier: the core's deflate appears as a stand-in.
    assert.deepEqual(serverXor.acceptedBefore, xorFirst ? [] : ['permessage-deflate']);
    assert.deepEqual(clientXor.acceptedBefore, xorFirst ? [] : ['permessage-deflate']);
    assert.deepEqual(closeArgs(client.recorder), [true, 1000, ''], 'the server answered our close with 1000');
  }
});

test('negotiation errors: a server factory declining leaves the offer out; a client refusing fails the handshake', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, { options: { compression: null, extensions: [new ServerXor()] } }));
  const { response } = await rawOffer(defer, srv.port, 'x-xor; nokey');
  assert.equal(response['sec-websocket-extensions'], undefined, 'declined: no key');
  // The server answers with a different key: our client refuses.
  class Liar extends ServerXor {
    processRequestParams() { return [[['key', '9']], new Xor(9)]; }
  }
  const srv2 = defer.server(await startServer(echo, { options: { compression: null, extensions: [new Liar()] } }));
  const client = await startClient(`ws://127.0.0.1:${srv2.port}/`, {}, { options: { compression: null, extensions: [new ClientXor(1)] } });
  defer(() => client.protocol.dropConnection());
  const [wasClean, code, reason] = await within(client.recorder.wait('onClose').then(() => closeArgs(client.recorder)), 3000, 'onClose');
  assert.deepEqual([wasClean, code], [false, 1006]);
  assert.match(reason, /x-xor: the server changed the key/);
  assert.equal(client.recorder.count('onOpen'), 0);
});

test('an exception in a JS extension fails the connection with its closeCode (1009) or 1011', async (t) => {
  const defer = cleanup(t);
  class Angry extends Xor {
    decode(frame) { if (frame.data.length > 3) throw new ExtensionError('too long for me', 1009); throw new Error('boom'); }
  }
  class ServerAngry extends ServerXor { processRequestParams() { return [[], new Angry(1)]; } }
  const srv = defer.server(await startServer(echo, { options: { compression: null, extensions: [new ServerAngry()] } }));
  const a = (await rawOffer(defer, srv.port, 'x-xor')).peer;
  a.send({ opcode: 1, payload: 'long message' });
  assert.deepEqual([(await a.closeFrame()).code, (await a.closeFrame()).reason], [1009, 'too long for me']);
  const b = (await rawOffer(defer, srv.port, 'x-xor')).peer;
  b.send({ opcode: 1, payload: 'ab' });
  assert.equal((await b.closeFrame()).code, 1011);
});

// ----- autobahn's PMCE style -----

test('perMessageCompressionOffers / perMessageCompressionAccept: the server picks an offer and its response', async (t) => {
  const defer = cleanup(t);
  const seen = [];
  const srv = defer.server(await startServer(echo, {
    options: {
      perMessageCompressionAccept(offers) {
        seen.push(...offers.map((o) => o.getExtensionString()));
        const offer = offers.find((o) => o.requestMaxWindowBits === 10);
        return new PerMessageDeflateOfferAccept(offer, true, 9);
      },
    },
  }));
  const responses = [];
  const client = await startClient(`ws://127.0.0.1:${srv.port}/`, {
    onOpen() { this.sendMessage(json(1).repeat(40)); },
    onMessage(payload) { responses.push(payload.toString()); this.sendClose(1000); },
  }, {
    options: {
      perMessageCompressionOffers: [new PerMessageDeflateOffer(true, true, true, 12), new PerMessageDeflateOffer(true, true, false, 10)],
      perMessageCompressionAccept: (response) => { responses.push(response); return new PerMessageDeflateResponseAccept(response); },
    },
  });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onClose', {}, 5000);
  assert.deepEqual(seen, [
    'permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=12',
    'permessage-deflate; client_no_context_takeover; client_max_window_bits; server_max_window_bits=10',
  ]);
  assert.deepEqual({ ...responses[0] }, { clientMaxWindowBits: 9, clientNoContextTakeover: true, serverMaxWindowBits: 10, serverNoContextTakeover: false });
  assert.equal(responses[1], json(1).repeat(40));
  assert.deepEqual({ ...client.protocol.extensionsInUse[0] },
    { isServer: false, serverNoContextTakeover: false, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9, memLevel: 8, maxMessageSize: null });
});

test('PMCE: a client accept function returning null fails the handshake; a server one returning null declines', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo));
  const client = await startClient(`ws://127.0.0.1:${srv.port}/`, {}, { options: { perMessageCompressionAccept: () => null } });
  defer(() => client.protocol.dropConnection());
  await within(client.recorder.wait('onClose'), 3000, 'onClose');
  const [wasClean, code, reason] = closeArgs(client.recorder);
  assert.deepEqual([wasClean, code], [false, 1006]);
  assert.match(reason, /permessage-deflate response from server denied by client/);
  const srv2 = defer.server(await startServer(echo, { options: { perMessageCompressionAccept: () => null } }));
  const { response } = await rawOffer(defer, srv2.port, 'permessage-deflate');
  assert.equal(response['sec-websocket-extensions'], undefined);
  assert.deepEqual({ ...PerMessageDeflateOffer.parse({ server_max_window_bits: ['10'], client_max_window_bits: [true] }) },
    { acceptNoContextTakeover: true, acceptMaxWindowBits: true, requestNoContextTakeover: false, requestMaxWindowBits: 10 });
  assert.throws(() => PerMessageDeflateOffer.parse([['server_max_window_bits', '7']]), NegotiationError);
  assert.throws(() => PerMessageDeflateOffer.parse([['client_no_context_takeover', null], ['client_no_context_takeover', null]]), NegotiationError);
  assert.throws(() => PerMessageDeflateOffer.parse([['mystery', null]]), /unknown parameter mystery/);
});

// ----- per-message opt-out, bomb, memory -----

test('doNotCompress and OutgoingMessage.skipCompress send that message uncompressed (RSV1 clear)', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({
    onOpen() {
      this.sendMessage(json(1).repeat(10));
      this.sendMessage(json(2).repeat(10), false, null, false, true);
      this.sendMessage(new OutgoingMessage(json(3).repeat(10), false, true));
      this.sendMessage(new OutgoingMessage(Buffer.from(json(4).repeat(10)), true));
    },
  }));
  const { peer } = await rawOffer(defer, srv.port, 'permessage-deflate');
  await peer.frame(() => true, 4);
  const inflate = inflater();
  const [a, b, c, d] = peer.frames;
  assert.deepEqual([a.rsv, b.rsv, c.rsv, d.rsv, d.opcode], [4, 0, 0, 4, 2]);
  assert.equal((await inflate(a.payload)).toString(), json(1).repeat(10));
  assert.equal(b.payload.toString(), json(2).repeat(10));
  assert.equal(c.payload.toString(), json(3).repeat(10));
  assert.equal((await inflate(d.payload)).toString(), json(4).repeat(10));
});

test('a deflate bomb (1 GiB of zeros) stops at maxMessagePayloadSize with 1009, wasm memory bounded', async (t) => {
  const defer = cleanup(t);
  const limit = 1024 * 1024;
  const srv = defer.server(await startServer(echo, { options: { maxMessagePayloadSize: limit } }));
  const { peer } = await rawOffer(defer, srv.port, 'permessage-deflate');
  // 1 GiB of zeros deflates to about 1 MiB: sent as 64 fragments of 16 MiB of zeros each.
  const before = wasmMemory().buffer.byteLength;
  const z16 = await deflater(15)(Buffer.alloc(16 * 1024 * 1024));
  assert.ok(z16.length < 32 * 1024, `16 MiB of zeros deflate to ${z16.length} bytes`);
  for (let i = 0; i < 64 && !peer.closed; i++) {
    peer.send({ opcode: i === 0 ? 2 : 0, rsv: i === 0 ? 4 : 0, fin: i === 63, payload: z16 });
    if (i % 8 === 0) await sleep(5);
  }
  const close = await peer.closeFrame(5000);
  assert.equal(close.code, 1009);
  const grown = wasmMemory().buffer.byteLength - before;
  assert.ok(grown <= 4 * limit, `wasm memory grew by ${grown} bytes for a ${limit}-byte limit`);
  assert.equal(srv.recorder.count('onMessage'), 0);
});

test('wasm memory per connection with the default compression stays under 64 KiB plus buffers', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo));
  const N = 100;
  const open = async () => {
    const { peer } = await rawOffer(defer, srv.port, 'permessage-deflate; client_max_window_bits');
    const deflate = deflater(12);
    peer.send({ opcode: 1, rsv: 4, payload: await deflate(json(1).repeat(20)) });
    await peer.frame();
    return peer;
  };
  // Warm up (first connections size shared buffers and the shared scratch compressor).
  for (let i = 0; i < 10; i++) await open();
  const before = wasmMemory().buffer.byteLength;
  for (let i = 0; i < N; i++) await open();
  const perConnection = (wasmMemory().buffer.byteLength - before) / N;
  t.diagnostic(`wasm memory per idle connection after one compressed message each way: ${Math.round(perConnection)} bytes`);
  // The deflate state is ≤ 64 KiB (src/extensions/deflate/memory.rs); the rest is the connection's
  // input/output buffers, kept small between messages.
  assert.ok(perConnection <= 96 * 1024, `${perConnection} bytes per connection`);
  assert.equal(srv.factory._connections.size, N + 10);
  for (const p of srv.factory._connections) assert.equal(p.state, State.OPEN);
});

test('close payloads and control frames stay uncompressed when deflate is in force', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({ onOpen() { this.sendPing('p'); this.sendClose(4000, 'bye'); } }));
  const { peer } = await rawOffer(defer, srv.port, 'permessage-deflate');
  const ping = await peer.frame((f) => f.opcode === 9);
  const close = await peer.closeFrame();
  assert.deepEqual([ping.rsv, ping.payload.toString(), close.rsv, close.code, close.reason], [0, 'p', 0, 4000, 'bye']);
  peer.send({ opcode: 8, payload: closePayload(1000) });
  await peer.gone();
});

// ----- permessage-bzip2 -----

test('permessage-bzip2: factories negotiate levels; messages round-trip; frames carry RSV1 and are bzip2 streams', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, {
    options: { compression: null, extensions: [new ServerPerMessageBzip2Factory({ serverMaxCompressLevel: 3, clientMaxCompressLevel: 2 })] },
  }));
  const { peer, response } = await rawOffer(defer, srv.port, 'permessage-bzip2; client_max_compress_level');
  assert.equal(response['sec-websocket-extensions'], 'permessage-bzip2; server_max_compress_level=3; client_max_compress_level=2');
  // Our server's reply must be a bzip2 stream ('BZh' + level digit) with RSV1; Python's bz2
  // (tests/bzip2_python.rs) checks the bytes independently.
  peer.send({ opcode: 1, payload: 'not compressed' });
  const reply = await peer.frame();
  assert.equal(reply.rsv, 4);
  assert.equal(reply.payload.subarray(0, 3).toString(), 'BZh');
  assert.ok(Number(reply.payload.toString('latin1', 3, 4)) <= 3, 'the level respects the cap');

  const got = [];
  const client = await startClient(`ws://127.0.0.1:${srv.port}/`, {
    onOpen() { this.sendMessage(json(5).repeat(500)); this.sendMessage(Buffer.alloc(300000, 1), true, 65536); },
    onMessage(payload, isBinary) { got.push([payload, isBinary]); if (got.length === 2) this.sendClose(1000); },
  }, { options: { compression: null, extensions: [new ClientPerMessageBzip2Factory({ serverMaxCompressLevel: 5 })] } });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onClose', {}, 10000);
  assert.deepEqual(got, [[Buffer.from(json(5).repeat(500)), false], [Buffer.alloc(300000, 1), true]]);
  const [inUse] = client.protocol.extensionsInUse;
  assert.deepEqual({ name: inUse.name, ...inUse }, { name: 'permessage-bzip2', isServer: false, serverMaxCompressLevel: 3, clientMaxCompressLevel: 2, maxMessageSize: null }, 'our client accepted the cap of 2');
});

test('permessage-bzip2 the autobahn way: the server accept picks bzip2 over deflate; the client offers both', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer(echo, {
    options: {
      perMessageCompressionAccept: (offers) => {
        const bz = offers.find((o) => o instanceof PerMessageBzip2Offer);
        return bz ? new PerMessageBzip2OfferAccept(bz, 1) : null;
      },
    },
  }));
  let reply;
  const client = await startClient(`ws://127.0.0.1:${srv.port}/`, {
    onOpen() { this.sendMessage('x'.repeat(10000)); },
    onMessage(payload) { reply = payload.toString(); this.sendClose(1000); },
  }, { options: { perMessageCompressionOffers: [new PerMessageDeflateOffer(), new PerMessageBzip2Offer(true, 4)] } });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onClose', {}, 5000);
  assert.equal(reply, 'x'.repeat(10000));
  const offered = srv.recorder.all('onConnect')[0].args[0].headers['sec-websocket-extensions'];
  assert.equal(offered, 'permessage-deflate; client_no_context_takeover; client_max_window_bits, permessage-bzip2; client_max_compress_level; server_max_compress_level=4');
  assert.deepEqual(client.protocol.extensionsInUse.map((e) => [e.name, e.serverMaxCompressLevel, e.clientMaxCompressLevel]), [['permessage-bzip2', 4, 1]]);
  // A bzip2 bomb: 100 MiB of zeros is 113 bytes of bzip2 (tests/bzip2_memory.rs); 1 MiB limit → 1009.
  const srv2 = defer.server(await startServer(echo, { options: { maxMessagePayloadSize: 1 << 20, extensions: [new ServerPerMessageBzip2Factory()] } }));
  const { peer } = await rawOffer(defer, srv2.port, 'permessage-bzip2');
  peer.send({ opcode: 2, rsv: 4, payload: Buffer.from(BZIP2_BOMB_100_MIB, 'hex') });
  assert.equal((await peer.closeFrame(5000)).code, 1009);
});

/** `python3 -c "import bz2; print(bz2.compress(bytes(100 << 20), 9).hex())"`: 100 MiB of zeros in 113 bytes. */
const BZIP2_BOMB_100_MIB = '425a68393141592653590e09e2df015f8e4000c0000008200030804d4642a025a90a80973141592653590e09e2df015f8e4000c0000008200030804d4642a025a90a80973141592653598a96d7a90064064400c00010000008200030cc0529a628045b128045e2ee48a70a1215d4532d60';
