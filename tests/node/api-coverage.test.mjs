// The items of autobahn's and python-websockets' APIs ported after the read in
// docs/api-coverage.md: autobahn's frame API (onMessageBegin/Frame/End, beginMessage/
// sendMessageFrame/endMessage), isOpen/isClosed, transportDetails, the close frames sent and
// received, the class attributes (STATE_*, CLOSE_STATUS_CODE_*), dropConnection(abort),
// onConnect's (subprotocol, headers) tuple, factory.isServer/getConnectionCount,
// autoPingRestartOnAnyTraffic and onAutoPong, PERMESSAGE_COMPRESSION_EXTENSION and the mixin
// constants; python-websockets' extension exceptions and enable_*_permessage_deflate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import {
  State, Disconnected, WebSocketProtocol, WebSocketServerProtocol, WebSocketClientProtocol, WebSocketServerFactory, WebSocketClientFactory,
  TransportDetails, Ping, CloseCode, PERMESSAGE_COMPRESSION_EXTENSION,
  PerMessageDeflateOffer, PerMessageDeflateOfferAccept, PerMessageDeflateResponse, PerMessageDeflate, PerMessageBzip2Offer, PerMessageBzip2,
  PerMessageBzip2ResponseAccept, PerMessageCompressOffer, Extension, ExtensionError, ServerExtensionFactory, NegotiationError,
  DuplicateParameter, InvalidParameterName, InvalidParameterValue, PayloadTooBig, ProtocolError,
  ServerPerMessageDeflateFactory, ClientPerMessageDeflateFactory, enableServerPermessageDeflate, enableClientPermessageDeflate,
} from '../../pkg/node.mjs';
import { startServer, startClient, cleanup, closeArgs, wsOpen, next, sleep, within, waitFor } from './support/api.mjs';
import { rawClient, rawConnect, upgradeRequest, parseHead } from './support/raw.mjs';

const echo = { onMessage(payload, isBinary) { this.sendMessage(payload, isBinary); } };

// ----- the frame API -----

test('receiving frame by frame: onMessageBegin, onMessageFrame([chunk]) per frame, onMessageEnd; the defaults assemble onMessage', async (t) => {
  const defer = cleanup(t);
  const log = [];
  class Frames extends WebSocketServerProtocol {
    onMessageBegin(isBinary) { log.push(['begin', isBinary]); super.onMessageBegin(isBinary); }
    onMessageFrame(payload) { log.push(['frame', payload.map((chunk) => chunk.toString())]); super.onMessageFrame(payload); }
    onMessageEnd() { log.push(['end']); return super.onMessageEnd(); }
    onMessage(payload, isBinary) {
      log.push(['message', payload.toString('hex'), isBinary, Buffer.isBuffer(payload)]);
      this.sendMessage(payload, isBinary);
    }
  }
  const srv = defer.server(await startServer(Frames));
  const peer = defer.raw(await rawClient(srv.port));
  peer.send({ opcode: 1, fin: false, payload: 'hel' });
  peer.send({ opcode: 9, payload: 'between' });
  peer.send({ opcode: 0, fin: false, payload: 'lo ' });
  peer.send({ opcode: 0, payload: 'world' });
  peer.send({ opcode: 2, payload: Buffer.from([1, 2, 3]) });
  assert.equal((await peer.frame((f) => f.opcode === 1)).payload.toString(), 'hello world');
  assert.deepEqual([...(await peer.frame((f) => f.opcode === 2)).payload], [1, 2, 3]);
  assert.equal((await peer.frame((f) => f.opcode === 10)).payload.toString(), 'between', 'pings are still answered between frames');
  assert.deepEqual(log, [
    ['begin', false], ['frame', ['hel']], ['frame', ['lo ']], ['frame', ['world']], ['end'],
    ['message', Buffer.from('hello world').toString('hex'), false, true],
    ['begin', true], ['frame', ['\u0001\u0002\u0003']], ['end'], ['message', '010203', true, true],
  ]);
});

test('receiving frame by frame: frames arrive decompressed, an async onMessageFrame holds the next one back', async (t) => {
  const defer = cleanup(t);
  const sizes = [];
  let inFlight = 0;
  class Slow extends WebSocketServerProtocol {
    async onMessageFrame(payload) {
      assert.equal(++inFlight, 1, 'one frame at a time');
      sizes.push(payload[0].length);
      await sleep(2);
      inFlight--;
      super.onMessageFrame(payload);
    }
    onMessage(payload, isBinary) { this.sendMessage(payload, isBinary); }
  }
  const srv = defer.server(await startServer(Slow));
  const text = 'wasmsocket '.repeat(1000); // 11000 bytes, compresses well
  const client = await startClient(srv.url, {
    onOpen() { this.sendMessage(text, false, 1000); },
    onMessage() { this.sendClose(1000); },
  });
  defer(() => client.protocol.dropConnection());
  const [{ args: [payload] }] = [await client.recorder.wait('onMessage')];
  assert.equal(payload.toString(), text);
  assert.ok(client.protocol.extensionsInUse[0] instanceof PerMessageDeflate, 'permessage-deflate was negotiated');
  assert.deepEqual(sizes, Array(11).fill(1000), 'each frame decompressed to what was sent in it');
});

test('sending frame by frame: beginMessage, sendMessageFrame, endMessage make one fragmented message', async (t) => {
  const defer = cleanup(t);
  const errors = [];
  const srv = defer.server(await startServer({
    onOpen() {
      assert.throws(() => this.sendMessageFrame('x'), /call beginMessage first/);
      assert.throws(() => this.endMessage(), /call beginMessage first/);
      this.beginMessage();
      assert.throws(() => this.beginMessage(), /endMessage first/);
      assert.equal(this.sendMessageFrame('hel'), true);
      this.sendPing('mid-message');
      try {
        this.sendMessage('not now');
      } catch (error) {
        errors.push(error.message);
      }
      this.sendMessageFrame(Buffer.from('lo'));
      this.endMessage();
      this.beginMessage(true);
      this.endMessage(); // no frame: an empty binary message
    },
  }));
  const peer = defer.raw(await rawClient(srv.port));
  await peer.until(() => peer.frames.length >= 5, '5 frames');
  assert.deepEqual(peer.frames.slice(0, 5).map((f) => [f.opcode, f.fin, f.payload.toString()]), [
    [1, false, 'hel'], [9, true, 'mid-message'], [0, false, 'lo'], [0, true, ''], [2, true, ''],
  ]);
  assert.equal(errors.length, 1, 'a whole message cannot start inside a begun one');
  // Closed: Disconnected, as every send method.
  const protocol = [...srv.factory._connections][0];
  protocol.dropConnection();
  await srv.recorder.wait('onClose');
  assert.throws(() => protocol.beginMessage(), Disconnected);
  assert.throws(() => protocol.sendMessageFrame('x'), Disconnected);
});

test('sending frame by frame with permessage-deflate: ws reads one message; doNotCompress leaves it uncompressed', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({
    onMessage(payload) {
      const skip = payload.toString() === 'plain';
      this.beginMessage(false, skip);
      for (let i = 0; i < 5; i++) this.sendMessageFrame(`part ${i} `.repeat(200));
      this.endMessage();
    },
  }));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url, [], { perMessageDeflate: true }));
  const expected = Array.from({ length: 5 }, (_, i) => `part ${i} `.repeat(200)).join('');
  for (const kind of ['compressed', 'plain']) {
    ws.send(kind);
    const [data, isBinary] = await next(ws, 'message');
    assert.equal(isBinary, false);
    assert.equal(data.toString(), expected, kind);
  }
  assert.match(ws.extensions, /permessage-deflate/);
});

// ----- state, close frames, class attributes -----

test('isOpen, isClosed, transportDetails and the close frames sent and received (local/remoteCloseCode/Reason)', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}));
  const client = await startClient(srv.url, {});
  defer(() => client.protocol.dropConnection());
  const protocol = client.protocol;
  assert.ok(protocol.transportDetails instanceof TransportDetails);
  assert.equal(protocol.transportDetails, client.recorder.all('onConnecting')[0].args[0], 'what onConnecting received');
  assert.equal(await within(protocol.isOpen, 3000, 'isOpen'), null);
  const server = (await srv.recorder.wait('onOpen')).protocol;
  assert.equal(await server.isOpen, null, 'isOpen asked after the open resolves too');
  assert.equal(protocol.localCloseCode, null);
  assert.equal(protocol.remoteCloseCode, null);
  protocol.sendClose(4000, 'bye');
  assert.equal(await within(protocol.isClosed, 3000, 'isClosed'), protocol);
  assert.equal(await server.isClosed, server);
  assert.deepEqual([protocol.localCloseCode, protocol.localCloseReason, protocol.remoteCloseCode, protocol.remoteCloseReason], [4000, 'bye', 1000, null]);
  assert.deepEqual([server.localCloseCode, server.localCloseReason, server.remoteCloseCode, server.remoteCloseReason], [1000, null, 4000, 'bye']);
  assert.deepEqual(closeArgs(client.recorder), [true, 1000, '']);
});

test('autobahn\'s class attributes: STATE_*, MESSAGE_TYPE_*, CLOSE_STATUS_CODE_*; Ping and CloseCode', () => {
  for (const Protocol of [WebSocketProtocol, WebSocketServerProtocol, WebSocketClientProtocol]) {
    assert.deepEqual([Protocol.STATE_CONNECTING, Protocol.STATE_OPEN, Protocol.STATE_CLOSING, Protocol.STATE_CLOSED], [State.CONNECTING, State.OPEN, State.CLOSING, State.CLOSED]);
    assert.deepEqual([Protocol.MESSAGE_TYPE_TEXT, Protocol.MESSAGE_TYPE_BINARY], [1, 2]);
    assert.equal(Protocol.CLOSE_STATUS_CODE_NORMAL, 1000);
    assert.equal(Protocol.CLOSE_STATUS_CODE_ABNORMAL_CLOSE, 1006);
    assert.equal(Protocol.CLOSE_STATUS_CODE_TLS_HANDSHAKE_FAILED, 1015);
    assert.ok(Protocol.CLOSE_STATUS_CODES_ALLOWED.includes(1011) && !Protocol.CLOSE_STATUS_CODES_ALLOWED.includes(1006));
  }
  assert.equal(new Ping().payload, null);
  assert.deepEqual(new Ping(Buffer.from('x')).payload, Buffer.from('x'));
  assert.equal(CloseCode.MESSAGE_TOO_BIG, 1009);
  assert.equal(CloseCode.NO_STATUS_RCVD, 1005);
});

test('dropConnection(true) (autobahn\'s abort) drops with the default reason', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({ onMessage() { this.dropConnection(true); } }));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url));
  ws.send('drop me');
  assert.equal((await next(ws, 'close'))[0], 1006);
  assert.deepEqual(closeArgs(srv.recorder), [false, 1006, 'connection was closed uncleanly (dropped by application)']);
});

test('onConnect may return autobahn\'s (subprotocol, headers) tuple as an array', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({ onConnect() { return ['two', { 'X-Tuple': 'yes' }]; } }));
  const client = await startClient(srv.url, {}, { factory: { protocols: ['one', 'two'] } });
  defer(() => client.protocol.dropConnection());
  await client.recorder.wait('onOpen');
  assert.equal(client.protocol.protocolInUse, 'two');
  assert.equal(client.protocol.response.headers['x-tuple'], 'yes');
  const srv2 = defer.server(await startServer({ onConnect() { return [null]; } }));
  const client2 = await startClient(srv2.url, {}, { factory: { protocols: ['one'] } });
  defer(() => client2.protocol.dropConnection());
  await client2.recorder.wait('onOpen');
  assert.equal(client2.protocol.protocolInUse, null, '[null]: no subprotocol');
});

test('factory.isServer and getConnectionCount()', async (t) => {
  const defer = cleanup(t);
  assert.equal(new WebSocketServerFactory().isServer, true);
  assert.equal(new WebSocketClientFactory().isServer, false);
  const srv = defer.server(await startServer({}));
  assert.equal(srv.factory.getConnectionCount(), 0);
  const a = defer.ws(await wsOpen(WebSocket, srv.url));
  const b = defer.ws(await wsOpen(WebSocket, srv.url));
  await srv.recorder.wait('onOpen', { count: 2 });
  assert.equal(srv.factory.getConnectionCount(), 2);
  a.close();
  await srv.recorder.wait('onClose');
  assert.equal(srv.factory.getConnectionCount(), 1);
  b.close();
  await srv.recorder.wait('onClose', { count: 2 });
  assert.equal(srv.factory.getConnectionCount(), 0);
});

// ----- automatic pings -----

test('onAutoPong: when an automatic ping\'s pong arrives, with its sequence number and round trip', async (t) => {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}, { options: { autoPingInterval: 0.05, autoPingSize: 16 } }));
  const pongs = [];
  srv.factory.protocol.prototype.onAutoPong = function (...args) { pongs.push(args); };
  const ws = defer.ws(await wsOpen(WebSocket, srv.url));
  const pings = [];
  ws.on('ping', (data) => pings.push(data));
  const before = Date.now();
  await waitFor(() => pongs.length >= 2, 3000, 'two onAutoPong', 10);
  const [pingSent, pingSeq, pongReceived, pongRtt, payload] = pongs[0];
  assert.equal(pingSeq, 1);
  assert.equal(pongs[1][1], 2);
  assert.ok(pingSent >= before - 1 && pingSent <= pongReceived && pongReceived <= Date.now() + 1, 'milliseconds since the epoch');
  assert.equal(pongRtt, pongReceived - pingSent);
  assert.deepEqual(payload, pings[0]);
  assert.ok(srv.recorder.count('onPong') >= 2, 'onPong is called too');
});

test('autoPingRestartOnAnyTraffic (default true): data from a peer that never pongs keeps it; off, it is dropped', async (t) => {
  for (const restart of [true, false]) {
    const defer = cleanup(t);
    const srv = defer.server(await startServer({}, { options: { autoPingInterval: 0.1, autoPingTimeout: 0.25, ...(restart ? {} : { autoPingRestartOnAnyTraffic: false }) } }));
    assert.equal(srv.factory.protocolOptions.autoPingRestartOnAnyTraffic, restart);
    const ws = defer.ws(await wsOpen(WebSocket, srv.url, [], { autoPong: false }));
    const chatter = setInterval(() => { if (ws.readyState === WebSocket.OPEN) ws.send('still here'); }, 30);
    defer(() => clearInterval(chatter));
    await sleep(800);
    if (restart) {
      assert.equal(ws.readyState, WebSocket.OPEN, 'messages stand for the pongs');
      assert.equal(srv.recorder.count('onClose'), 0);
    } else {
      await srv.recorder.wait('onClose');
      assert.deepEqual(closeArgs(srv.recorder), [false, 1006, 'connection was closed uncleanly (WebSocket ping timeout)']);
    }
  }
});

// ----- autobahn's PMCE registry and constants -----

test('PERMESSAGE_COMPRESSION_EXTENSION and the mixin constants: a generic accept function, as autobahn code writes it', async (t) => {
  const defer = cleanup(t);
  assert.equal(PERMESSAGE_COMPRESSION_EXTENSION['permessage-deflate'].Offer, PerMessageDeflateOffer);
  assert.equal(PERMESSAGE_COMPRESSION_EXTENSION['permessage-bzip2'].PMCE, PerMessageBzip2);
  assert.deepEqual(PerMessageDeflateOfferAccept.WINDOW_SIZE_PERMISSIBLE_VALUES, [9, 10, 11, 12, 13, 14, 15]);
  assert.deepEqual(PerMessageDeflateResponse.MEM_LEVEL_PERMISSIBLE_VALUES, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(PerMessageBzip2ResponseAccept.COMPRESS_LEVEL_PERMISSIBLE_VALUES, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(PerMessageDeflateResponse.EXTENSION_NAME, 'permessage-deflate');
  assert.equal(PerMessageBzip2ResponseAccept.EXTENSION_NAME, 'permessage-bzip2');
  assert.equal(PerMessageDeflate.DEFAULT_WINDOW_BITS, 15);
  assert.equal(PerMessageBzip2.DEFAULT_COMPRESS_LEVEL, 9);
  const chosen = [];
  const srv = defer.server(await startServer(echo, {
    options: {
      perMessageCompressionAccept(offers) {
        const offer = offers.find((o) => o instanceof PerMessageCompressOffer);
        const PMCE = PERMESSAGE_COMPRESSION_EXTENSION[offer.constructor.EXTENSION_NAME];
        chosen.push(offer.constructor.EXTENSION_NAME);
        return new PMCE.OfferAccept(offer);
      },
    },
  }));
  const client = await startClient(srv.url, {
    onOpen() { this.sendMessage('x'.repeat(5000)); },
    onMessage() { this.sendClose(1000); },
  }, { options: { perMessageCompressionOffers: [new PerMessageBzip2Offer(), new PerMessageDeflateOffer()] } });
  defer(() => client.protocol.dropConnection());
  assert.equal((await client.recorder.wait('onMessage')).args[0].length, 5000);
  assert.deepEqual(chosen, ['permessage-bzip2']);
  assert.ok(client.protocol.extensionsInUse[0] instanceof PerMessageBzip2);
});

// ----- python-websockets' extension API -----

test('python-websockets\' exceptions: NegotiationError subclasses decline; PayloadTooBig fails with 1009, ProtocolError with 1002', async (t) => {
  const defer = cleanup(t);
  assert.equal(new DuplicateParameter('a').message, 'duplicate parameter: a');
  assert.equal(new InvalidParameterName('b c').message, 'invalid parameter name: b c');
  assert.equal(new InvalidParameterValue('w', null).message, 'missing value for parameter w');
  assert.equal(new InvalidParameterValue('w', '').message, 'empty value for parameter w');
  assert.equal(new InvalidParameterValue('w', '99').message, 'invalid value for parameter w: 99');
  assert.deepEqual([new InvalidParameterValue('w', '99').parameterName, new InvalidParameterValue('w', '99').value], ['w', '99']);
  assert.ok(new DuplicateParameter('a') instanceof NegotiationError);
  assert.equal(new PayloadTooBig(100, 10).message, 'frame with 100 bytes exceeds limit of 10 bytes');
  assert.equal(new PayloadTooBig(null, 10, 5).message, 'frame after reading 5 bytes exceeds limit of 15 bytes');
  assert.equal(new PayloadTooBig('custom').message, 'custom');
  assert.ok(new PayloadTooBig(1, 0) instanceof ExtensionError);
  assert.equal(new PayloadTooBig(1, 0).closeCode, 1009);
  assert.equal(new ProtocolError('bad').closeCode, 1002);

  class Picky extends Extension {
    get name() { return 'x-picky'; }
    decode(frame, { maxSize }) {
      if (frame.data.length > 4) throw new PayloadTooBig(frame.data.length, 4);
      if (frame.data[0] === 0x21) throw new ProtocolError('no exclamations');
      return frame;
    }
  }
  class ServerPicky extends ServerExtensionFactory {
    get name() { return 'x-picky'; }
    processRequestParams(params) {
      const names = params.map(([name]) => name);
      const twice = names.find((name, i) => names.indexOf(name) !== i);
      if (twice) throw new DuplicateParameter(twice);
      return [[], new Picky()];
    }
  }
  const srv = defer.server(await startServer(echo, { options: { compression: null, extensions: [new ServerPicky()] } }));
  const offer = async (extensions) => {
    const peer = defer.raw(await rawConnect(srv.port));
    peer.isClient = true;
    peer.write(upgradeRequest({ headers: { 'Sec-WebSocket-Extensions': extensions } }));
    return { peer, response: parseHead(await peer.headReceived()).headers };
  };
  assert.equal((await offer('x-picky; a; a')).response['sec-websocket-extensions'], undefined, 'DuplicateParameter declines the offer');
  const big = await offer('x-picky');
  assert.equal(big.response['sec-websocket-extensions'], 'x-picky');
  big.peer.send({ opcode: 1, payload: 'too long' });
  assert.deepEqual([(await big.peer.closeFrame()).code, (await big.peer.closeFrame()).reason], [1009, 'frame with 8 bytes exceeds limit of 4 bytes']);
  const bad = await offer('x-picky');
  bad.peer.send({ opcode: 1, payload: '!' });
  assert.deepEqual([(await bad.peer.closeFrame()).code, (await bad.peer.closeFrame()).reason], [1002, 'no exclamations']);
});

test('enableServerPermessageDeflate / enableClientPermessageDeflate: python-websockets\' defaults, unless a deflate factory is there', async (t) => {
  const defer = cleanup(t);
  const own = [new ServerPerMessageDeflateFactory({ serverMaxWindowBits: 10 })];
  assert.equal(enableServerPermessageDeflate(own), own, 'a deflate factory is there: the list itself');
  assert.equal(enableClientPermessageDeflate().length, 1);
  assert.ok(enableClientPermessageDeflate(null)[0] instanceof ClientPerMessageDeflateFactory);
  assert.equal(enableClientPermessageDeflate()[0].settings.memLevel, 5);
  const server = enableServerPermessageDeflate([]);
  assert.deepEqual([server[0].settings.serverMaxWindowBits, server[0].settings.clientMaxWindowBits, server[0].settings.memLevel], [12, 12, 5]);
  const srv = defer.server(await startServer(echo, { options: { extensions: server } }));
  const ws = defer.ws(await wsOpen(WebSocket, srv.url, [], { perMessageDeflate: { clientMaxWindowBits: true } }));
  ws.send('hello '.repeat(100));
  assert.equal((await next(ws, 'message'))[0].toString(), 'hello '.repeat(100));
  const [deflate] = (await srv.recorder.wait('onOpen')).protocol.extensionsInUse;
  assert.deepEqual([deflate.serverMaxWindowBits, deflate.clientMaxWindowBits, deflate.memLevel], [12, 12, 5]);
  // Our client with python-websockets' client defaults, to a ws server.
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true });
  defer(() => new Promise((resolve) => wss.close(resolve)));
  await next(wss, 'listening');
  wss.on('connection', (peer) => peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary })));
  const client = await startClient(`ws://127.0.0.1:${wss.address().port}`, {
    onOpen() { this.sendMessage('abc'.repeat(500)); },
    onMessage() { this.sendClose(1000); },
  }, { options: { extensions: enableClientPermessageDeflate() } });
  defer(() => client.protocol.dropConnection());
  assert.equal((await client.recorder.wait('onMessage')).args[0].toString(), 'abc'.repeat(500));
  assert.ok(client.protocol.extensionsInUse[0] instanceof PerMessageDeflate);
  assert.equal(client.protocol.extensionsInUse[0].memLevel, 5);
});
