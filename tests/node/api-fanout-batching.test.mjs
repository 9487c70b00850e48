// factory.publish holds each recipient's output until the event loop's I/O callbacks have run
// and then writes it as one Buffer, shared by the recipients that got the same frames
// (js/node/transport.mjs). What that must not change: each connection gets its messages in
// the order they were sent, whatever mix of publish and sendMessage produced them; a close
// sent in the same task follows them; and recipients with different output never share.
import test from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startServer, wsOpen, cleanup, within, waitFor } from './support/api.mjs';

async function receiver(url) {
  const ws = await wsOpen(WebSocket, url);
  ws.received = [];
  ws.on('message', (data) => ws.received.push(String(data)));
  ws.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  return ws;
}

async function until(condition, what) {
  await waitFor(condition, 10000, what);
}

test('publishes and sendMessage calls in one task reach each connection in call order; a close sent after them follows them', async (t) => {
  const defer = cleanup(t);
  const opened = [];
  const server = defer.server(await startServer({ onOpen() { this.subscribe('news'); opened.push(this); } }));
  const url = `ws://127.0.0.1:${server.port}`;
  const clients = [];
  for (let i = 0; i < 4; i++) clients.push(defer.ws(await receiver(url)));
  await until(() => opened.length === 4, 'four subscribers');

  // One task each: shared frames (small, and large in the first), each connection's own
  // messages of one length between them (own output must never be shared), then a close for
  // the last connection.
  const expected = opened.map(() => []);
  const burst = (large) => {
    for (let round = 0; round < 30; round++) {
      server.factory.publish('news', `news ${round}`);
      expected.forEach((list) => list.push(`news ${round}`));
      if (round % 7 === 3) {
        opened.forEach((protocol, i) => protocol.sendMessage(`own ${round} for ${i}`));
        expected.forEach((list, i) => list.push(`own ${round} for ${i}`));
      }
      if (large && round % 10 === 5) {
        server.factory.publish('news', large);
        expected.forEach((list) => list.push(large));
      }
    }
    assert.deepEqual(server.factory.lastPublish.failed, []);
  };
  burst('x'.repeat(40_000));
  await until(() => clients.every((ws, i) => ws.received.length === expected[i].length), 'the first burst');
  burst(null);
  opened[3].sendClose(1000);

  assert.equal(await within(clients[3].closed, 10000, 'the close'), 1000);
  await until(() => clients.every((ws, i) => ws.received.length === expected[i].length), 'every message');
  clients.forEach((ws, i) => assert.deepEqual(ws.received, expected[i], `connection ${i}`));
});
