// Fan-out: factory.prepareMessage / protocol.sendPreparedMessage (autobahn's API) and topics
// (subscribe, unsubscribe, topics, factory.publish, subscriberCount), against npm `ws`
// clients on 127.0.0.1: what each recipient gets is byte-exact and in order, frames are built
// once per kind of connection (plain; permessage-deflate without server context takeover) and
// per connection where they must be (context takeover), and a recipient that never reads
// costs the others nothing: it is failed with 1008 at maxBufferedAmount.
import test from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { PreparedMessage, WebSocketClientProtocol } from '../../pkg/node.mjs';
import { startServer, startClient, wsOpen, cleanup, sleep, Recorder, waitFor } from './support/api.mjs';
import { rawClient } from './support/raw.mjs';
import { jsonText, randomBytes } from './support/interop.mjs';

/** A ws client that records every message it receives (as bytes, with isBinary). */
async function receiver(url, options = {}) {
  const ws = await wsOpen(WebSocket, url, [], options);
  ws.received = [];
  ws.on('message', (data, isBinary) => ws.received.push({ data: Buffer.from(data), isBinary }));
  return ws;
}

async function until(condition, what, ms = 10000) {
  await waitFor(condition, ms, what);
}

/** A server whose connections subscribe to 'news' when they open; resolves once `n` did. */
async function newsServer(t, options = {}) {
  const defer = cleanup(t);
  const server = defer.server(await startServer({ onOpen() { this.subscribe('news'); } }, { options }));
  const url = `ws://127.0.0.1:${server.port}`;
  return { server, url, defer };
}

test('publish reaches every subscriber once, byte-exact; frames are built once per kind of connection', async (t) => {
  // A high-water mark the three messages below fit under (lastPublish counts those above it).
  const { server, url, defer } = await newsServer(t, { sendHighWaterMark: 1024 * 1024 });
  const plain = [];
  for (let i = 0; i < 3; i++) plain.push(defer.ws(await receiver(url)));
  const shared = [];
  for (let i = 0; i < 2; i++) shared.push(defer.ws(await receiver(url, { perMessageDeflate: { serverNoContextTakeover: true } })));
  const takeover = defer.ws(await receiver(url, { perMessageDeflate: true }));
  const everyone = [...plain, ...shared, takeover];
  await until(() => server.factory.subscriberCount('news') === everyone.length, 'six subscribers');

  const text = jsonText(64 * 1024);
  const binary = randomBytes(70_000);
  const prepared = server.factory.prepareMessage(text);
  assert.ok(prepared instanceof PreparedMessage);
  assert.equal(server.factory.publish('news', prepared), 6);
  assert.equal(server.factory.publish('news', binary, true), 6);
  assert.equal(server.factory.publish('news', 'small'), 6);
  assert.deepEqual(server.factory.lastPublish, { topic: 'news', reached: 6, aboveHighWaterMark: 0, failed: [] });
  await until(() => everyone.every((ws) => ws.received.length === 3), 'three messages each');

  for (const ws of everyone) {
    assert.deepEqual(ws.received.map((m) => m.isBinary), [false, true, false]);
    assert.ok(ws.received[0].data.equals(Buffer.from(text)), 'the text, byte-exact');
    assert.ok(ws.received[1].data.equals(binary), 'the binary, byte-exact');
    assert.equal(ws.received[2].data.toString(), 'small');
  }
  // Plain and "deflate without server context takeover" are one framing each; the connection
  // with context takeover compresses for itself.
  assert.equal(prepared.framings, 2);
  assert.equal(prepared.ownFramings, 1);
  // The shared deflate frames really are compressed: the 64 KiB of JSON cost those clients
  // less than half its size (the random binary does not compress).
  for (const ws of shared) {
    const saved = plain[0]._socket.bytesRead - ws._socket.bytesRead;
    assert.ok(saved > text.length / 2, `compressed: ${ws._socket.bytesRead} vs ${plain[0]._socket.bytesRead} bytes read`);
  }

  // doNotCompress: every server connection writes the plain frame, context takeover or not.
  const uncompressed = server.factory.prepareMessage(randomBytes(1000), true, true);
  for (const protocol of server.factory._connections) protocol.sendPreparedMessage(uncompressed);
  assert.equal(uncompressed.framings, 1);
  assert.equal(uncompressed.ownFramings, 0);
  await until(() => everyone.every((ws) => ws.received.length === 4), 'the uncompressed message');
  for (const ws of everyone) assert.ok(ws.received[3].data.equals(Buffer.from(uncompressed.payload)));
});

test('topics: exclude, unsubscribe, protocol.topics, and a closed connection leaves its topics', async (t) => {
  const { server, url, defer } = await newsServer(t);
  const [a, b, c] = [defer.ws(await receiver(url)), defer.ws(await receiver(url)), defer.ws(await receiver(url))];
  await until(() => server.factory.subscriberCount('news') === 3, 'three subscribers');
  const [pa, pb] = [...server.factory._connections];
  pa.subscribe('sport');
  assert.deepEqual(pa.topics.sort(), ['news', 'sport']);
  assert.equal(server.factory.subscriberCount('sport'), 1);

  assert.equal(server.factory.publish('news', 'to all but the first', false, { exclude: pa }), 2);
  assert.equal(server.factory.publish('news', 'to the third', false, { exclude: [pa, pb] }), 1);
  assert.equal(server.factory.publish('nobody', 'lost'), 0);
  assert.equal(pb.unsubscribe('news'), true);
  assert.equal(pb.unsubscribe('news'), false);
  assert.deepEqual(pb.topics, []);
  assert.equal(server.factory.publish('news', 'after b left'), 2);
  await until(() => a.received.length === 1 && b.received.length === 1 && c.received.length === 3, 'the deliveries');
  assert.deepEqual(a.received.map((m) => m.data.toString()), ['after b left']);
  assert.deepEqual(b.received.map((m) => m.data.toString()), ['to all but the first']);
  assert.deepEqual(c.received.map((m) => m.data.toString()), ['to all but the first', 'to the third', 'after b left']);

  a.close();
  await until(() => server.factory.subscriberCount('news') === 1, 'the closed connection to leave');
  assert.equal(server.factory.subscriberCount('sport'), 0);
  assert.deepEqual(pa.topics, []);
  assert.throws(() => pa.subscribe('news'), { name: 'Disconnected' });
});

test('a subscriber that never reads does not slow the others; it is failed with 1008 at maxBufferedAmount', async (t) => {
  const { server, url, defer } = await newsServer(t, { sendHighWaterMark: 64 * 1024, maxBufferedAmount: 1024 * 1024 });
  const fast = defer.ws(await receiver(url));
  const stalled = defer.raw(await rawClient(server.port));
  stalled.socket.pause(); // never reads: the kernel's buffers fill, then the server's
  await until(() => server.factory.subscriberCount('news') === 2, 'two subscribers');

  const COUNT = 400;
  const payload = randomBytes(64 * 1024);
  let sawAbove = 0;
  for (let i = 0; i < COUNT; i++) {
    payload.writeUInt32BE(i, 0);
    server.factory.publish('news', payload, true);
    sawAbove = Math.max(sawAbove, server.factory.lastPublish.aboveHighWaterMark);
    if (i % 8 === 7) await sleep(1); // let the sockets drain as a real server's loop would
  }
  await until(() => fast.received.length === COUNT, `${COUNT} messages to the reading client`, 30000);
  fast.received.forEach((m, i) => assert.equal(m.data.readUInt32BE(0), i, `message ${i} in order`));
  assert.ok(sawAbove >= 1, 'publish reported a recipient above the mark');

  const closes = server.recorder.all('onClose');
  assert.equal(closes.length, 1, 'only the stalled peer was closed');
  const [wasClean, code, reason] = closes[0].args;
  assert.equal(wasClean, false);
  assert.equal(code, 1008);
  assert.match(reason, /maxBufferedAmount/);
  assert.equal(server.factory.subscriberCount('news'), 1);
});

test('a client sends a prepared message too, masked per connection', async (t) => {
  const defer = cleanup(t);
  const server = defer.server(await startServer({ onMessage(payload, isBinary) { this.sendMessage(payload, isBinary); } }));
  const recorder = new Recorder();
  const client = await startClient(`ws://127.0.0.1:${server.port}`, {}, { recorder });
  defer(() => client.close());
  await recorder.wait('onOpen');
  const prepared = client.factory.prepareMessage('hello, many');
  assert.equal(client.protocol.sendPreparedMessage(prepared), true);
  const [payload, isBinary] = (await recorder.wait('onMessage')).args;
  assert.equal(Buffer.from(payload).toString(), 'hello, many');
  assert.equal(isBinary, false);
  assert.equal(prepared.framings, 0);
  assert.equal(prepared.ownFramings, 1);
  assert.throws(() => client.protocol.sendPreparedMessage('not prepared'), TypeError);
  assert.ok(WebSocketClientProtocol.prototype.sendPreparedMessage);
});
