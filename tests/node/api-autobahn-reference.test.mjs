// Issue 12, defect 5: pieces of autobahn's reference that were missing. ConnectingRequest
// from a client's onConnecting(transportDetails) sets that connection's opening handshake;
// onConnecting receives a TransportDetails; a server's externalPort checks the Host header's
// port as autobahn's does; the PerMessageCompress* base classes and Message; maxMessageSize on
// the deflate accepts (a per-connection decompressed-size limit); memLevel on PerMessageDeflate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { WebSocket } from 'ws';
import {
  ConnectingRequest, TransportDetails, Message, IncomingMessage, OutgoingMessage,
  PerMessageCompressOffer, PerMessageCompressOfferAccept, PerMessageCompressResponse, PerMessageCompressResponseAccept, PerMessageCompress,
  PerMessageDeflateOffer, PerMessageDeflateOfferAccept, PerMessageDeflateResponse, PerMessageDeflateResponseAccept, PerMessageDeflate,
  PerMessageBzip2Offer, PerMessageBzip2, ServerPerMessageDeflateFactory,
} from '../../pkg/node.mjs';
import { startServer, startClient, cleanup, within } from './support/api.mjs';
import { parseHead, rawConnect, upgradeRequest } from './support/raw.mjs';

test('onConnecting returning a ConnectingRequest sets host, port, resource, headers, useragent, origin, protocols', async (t) => {
  const defer = cleanup(t);
  let request;
  const server = defer.server(await startServer({ onConnect(r) { request = r; return 'two'; } }));
  let details;
  const client = await startClient(`${server.url}/factory-path`, {
    onConnecting(d) {
      details = d;
      return new ConnectingRequest({
        host: 'public.example', port: 8443, resource: '/chosen?x=1', headers: { 'X-Chosen': 'yes' },
        useragent: 'agent/1', origin: 'https://app.example', protocols: ['one', 'two'],
      });
    },
  }, { factory: { protocols: ['factory'], useragent: 'factory-agent', headers: { 'X-Factory': 'no' } } });
  defer(() => client.protocol.dropConnection('test over'));
  await client.recorder.wait('onOpen');
  assert.equal(request.host, 'public.example:8443');
  assert.equal(request.path, '/chosen');
  assert.deepEqual(request.params, { x: ['1'] });
  assert.equal(request.headers['x-chosen'], 'yes');
  assert.equal(request.headers['x-factory'], undefined, 'a ConnectingRequest replaces the factory\'s headers (autobahn)');
  assert.equal(request.headers['user-agent'], 'agent/1');
  assert.equal(request.origin, 'https://app.example');
  assert.deepEqual(request.protocols, ['one', 'two']);
  assert.equal(client.protocol.protocolInUse, 'two');
  assert.ok(details instanceof TransportDetails);
  assert.equal(details.channelType, TransportDetails.CHANNEL_TYPE_TCP);
  assert.equal(details.channelFraming, TransportDetails.CHANNEL_FRAMING_WEBSOCKET);
  assert.equal(details.isServer, false);
  assert.equal(details.isSecure, false);
  assert.equal(details.peer, `tcp4:127.0.0.1:${server.port}`);
  assert.match(details.own, /^tcp4:127\.0\.0\.1:\d+$/);
  assert.equal(details.ownPid, process.pid);
  assert.deepEqual(details.channelId, {});
});

test('an async onConnecting delays the handshake; its defaults are autobahn\'s; a wrong answer drops the connection', async (t) => {
  const defer = cleanup(t);
  let request;
  const server = defer.server(await startServer({ onConnect(r) { request = r; } }));
  const client = await startClient(server.url, { async onConnecting() { return new ConnectingRequest('late.example'); } });
  defer(() => client.protocol.dropConnection('test over'));
  await client.recorder.wait('onOpen');
  assert.equal(request.host, 'late.example', 'port 80 is the default, left out of Host');
  assert.equal(request.path, '/');
  assert.equal(request.headers['user-agent'], undefined, 'no useragent unless given (autobahn)');
  assert.throws(() => new ConnectingRequest({ hots: 'x' }), /unknown ConnectingRequest field\(s\): hots/);

  const bad = await startClient(server.url, { onConnecting() { return { host: 'plain object' }; } });
  bad.recorder.errorsLookedAt = true;
  await bad.recorder.wait('onClose');
  assert.match(String(bad.recorder.all('onError')[0].args[0].message), /onConnecting must return null, a ConnectingRequest/);
});

test('the server\'s onConnecting gets TransportDetails too', async (t) => {
  const defer = cleanup(t);
  const server = defer.server(await startServer({}));
  const client = await startClient(server.url, {});
  defer(() => client.protocol.dropConnection('test over'));
  await client.recorder.wait('onOpen');
  const [details] = server.recorder.all('onConnecting')[0].args;
  assert.ok(details instanceof TransportDetails);
  assert.equal(details.isServer, true);
  assert.equal(details.channelTypeName, 'tcp');
  assert.match(details.peer, /^tcp4:127\.0\.0\.1:\d+$/);
});

async function hostStatus(port, host) {
  const peer = await rawConnect(port);
  try {
    peer.write(upgradeRequest({ key: crypto.randomBytes(16).toString('base64'), host }));
    return parseHead(await peer.headReceived()).status;
  } finally {
    peer.destroy();
  }
}

test('externalPort: a port in the Host header must be it (autobahn\'s check behind a forwarder); unset, none is checked', async (t) => {
  const defer = cleanup(t);
  const behind = defer.server(await startServer({}, { factory: { externalPort: 443 } }));
  assert.equal(await hostStatus(behind.port, 'public.example:443'), 101);
  assert.equal(await hostStatus(behind.port, 'public.example'), 101, 'no port in Host: nothing to check');
  assert.equal(await hostStatus(behind.port, `127.0.0.1:${behind.port}`), 400);
  assert.equal(await hostStatus(behind.port, 'public.example:x'), 400);
  const plain = defer.server(await startServer({}));
  assert.equal(plain.factory.externalPort, null, 'autobahn: externalPort is null unless given');
  assert.equal(await hostStatus(plain.port, 'anything.example:1234'), 101);
});

test('the PerMessageCompress* base classes and Message: instanceof and subclassing port', () => {
  const offer = new PerMessageDeflateOffer();
  assert.ok(offer instanceof PerMessageCompressOffer);
  assert.ok(new PerMessageDeflateOfferAccept(offer) instanceof PerMessageCompressOfferAccept);
  const response = new PerMessageDeflateResponse(0, false, 0, false);
  assert.ok(response instanceof PerMessageCompressResponse);
  assert.ok(new PerMessageDeflateResponseAccept(response) instanceof PerMessageCompressResponseAccept);
  assert.ok(new PerMessageDeflate(true, false, false, 15, 15) instanceof PerMessageCompress);
  assert.ok(new PerMessageBzip2Offer() instanceof PerMessageCompressOffer);
  assert.ok(new PerMessageBzip2(true, 9, 9) instanceof PerMessageCompress);
  assert.ok(new IncomingMessage(new Uint8Array(1)) instanceof Message);
  assert.ok(new OutgoingMessage(new Uint8Array(1)) instanceof Message);
  class MyOffer extends PerMessageCompressOffer {}
  assert.ok(new MyOffer() instanceof PerMessageCompressOffer);
  assert.equal(new PerMessageDeflate(true, false, false, 15, 15).memLevel, 8, 'autobahn\'s DEFAULT_MEM_LEVEL');
  assert.equal(new PerMessageDeflate(true, false, false, 15, 15, 4, 1000).maxMessageSize, 1000);
  assert.throws(() => new PerMessageDeflateOfferAccept(offer, false, 0, null, null, null, -1), /maxMessageSize|invalid/);
});

test('maxMessageSize on PerMessageDeflateOfferAccept limits what one message decompresses to (1009); memLevel shows in extensionsInUse', async (t) => {
  const defer = cleanup(t);
  const server = defer.server(await startServer({ onMessage(payload) { this.sendMessage(String(payload.length)); } }, {
    options: { perMessageCompressionAccept: (offers) => new PerMessageDeflateOfferAccept(offers[0], false, 0, null, null, 5, 1000) },
  }));
  const ws = defer.ws(new WebSocket(server.url, { perMessageDeflate: { threshold: 0 } }));
  await within(new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); }), 3000, 'ws open');
  const [protocol] = server.factory._connections;
  const [inUse] = protocol.extensionsInUse;
  assert.ok(inUse instanceof PerMessageDeflate);
  assert.equal(inUse.memLevel, 5);
  assert.equal(inUse.maxMessageSize, 1000);
  ws.send('a'.repeat(1000));
  const [reply] = await within(new Promise((resolve) => ws.once('message', (...a) => resolve(a))), 3000, 'reply');
  assert.equal(reply.toString(), '1000', 'a message of exactly maxMessageSize passes');
  ws.send('a'.repeat(1001));
  const [code] = await within(new Promise((resolve) => ws.once('close', (...a) => resolve(a))), 3000, 'close');
  assert.equal(code, 1009);
});

test('maxMessageSize on PerMessageDeflateResponseAccept limits the client likewise; a factory\'s memLevel shows', async (t) => {
  const defer = cleanup(t);
  const server = defer.server(await startServer({ onMessage(payload) { this.sendMessage(payload); } }, {
    options: { extensions: [new ServerPerMessageDeflateFactory({ compressSettings: { memLevel: 3 } })], compression: null },
  }));
  const client = await startClient(server.url, {}, {
    options: { perMessageCompressionOffers: [new PerMessageDeflateOffer()], perMessageCompressionAccept: (r) => new PerMessageDeflateResponseAccept(r, null, null, 6, 500) },
  });
  defer(() => client.protocol.dropConnection('test over'));
  await client.recorder.wait('onOpen');
  const [inUse] = client.protocol.extensionsInUse;
  assert.equal(inUse.memLevel, 6);
  assert.equal(inUse.maxMessageSize, 500);
  assert.equal([...server.factory._connections][0].extensionsInUse[0].memLevel, 3);
  client.protocol.sendMessage('b'.repeat(600));
  await client.recorder.wait('onClose');
  const [, code] = client.recorder.all('onClose')[0].args;
  assert.equal(code, 1009);
});
