// Publishing across processes through a real Redis (Debian's redis-server, started here on a
// free port of 127.0.0.1 from tests/redis/redis.conf): two examples/chat-server.mjs processes
// with --redis are one room; binary payloads cross byte-exact and a publisher's own
// subscribers get its message once; when Redis goes away local delivery goes on, the
// application is told, and remote delivery resumes once Redis is back.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { RedisBroker, WebSocketServerProtocol } from '../../pkg/node.mjs';
import { startServer, wsOpen, cleanup, within, sleep, waitFor } from './support/api.mjs';
import { startRedis } from './support/redis-server.mjs';
import { randomBytes } from './support/interop.mjs';

const CHAT = fileURLToPath(new URL('../../examples/chat-server.mjs', import.meta.url));
const T = { timeout: 60_000 };

/** examples/chat-server.mjs on a free port with --redis; resolves once it listens and Redis is ready. */
async function chatServer(defer, redisUrl) {
  const child = spawn(process.execPath, [CHAT, '--port', '0', '--host', '127.0.0.1', '--redis', redisUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  defer(() => { child.kill(); });
  const server = { child, lines: [] };
  child.stdout.setEncoding('utf8').on('data', (text) => server.lines.push(...text.split('\n').filter(Boolean)));
  server.saw = (pattern, count = 1) => server.lines.filter((l) => pattern.test(l)).length >= count;
  server.until = (pattern, what, count = 1) => until(() => server.saw(pattern, count), what, 15000);
  await server.until(/listening on http:\/\//, 'the chat server to listen');
  server.port = Number(/:(\d+)\//.exec(server.lines.find((l) => /listening on http/.test(l)))[1]);
  await server.until(/^redis ready$/, 'the chat server\'s Redis connection');
  return server;
}

async function until(condition, what, ms = 10000) {
  await waitFor(condition, ms, what, 10);
}

async function member(defer, port) {
  const ws = defer.ws(await wsOpen(WebSocket, `ws://127.0.0.1:${port}/chat`));
  ws.received = [];
  ws.on('message', (data) => ws.received.push(String(data)));
  return ws;
}

test('two chat servers sharing a Redis are one room; without Redis each is its own, and they join again when it is back', T, async (t) => {
  const defer = cleanup(t);
  let redis = await startRedis();
  defer(() => redis.stop());
  const [a, b] = [await chatServer(defer, redis.url), await chatServer(defer, redis.url)];
  const [a1, a2, b1] = [await member(defer, a.port), await member(defer, a.port), await member(defer, b.port)];
  const everyone = [a1, a2, b1];
  // Subscriptions reach Redis asynchronously: say something until it crosses.
  await until(() => { a1.send('ping'); return b1.received.includes('ping'); }, 'a first message across', 10000).catch(() => {});
  for (const ws of everyone) ws.received.length = 0;
  await sleep(200);
  for (const ws of everyone) ws.received.length = 0;

  a1.send('hello from A');
  b1.send('hello from B');
  await until(() => everyone.every((ws) => ws.received.length >= 2), 'both messages everywhere');
  await sleep(300); // anything doubled would have arrived by now
  for (const ws of everyone) assert.deepEqual([...ws.received].sort(), ['hello from A', 'hello from B'], 'each message exactly once');

  // Redis goes away: both servers say so and stay up; each room still works locally.
  await redis.stop();
  await a.until(/^redis disconnected$/, 'A to report the outage');
  await b.until(/^redis disconnected$/, 'B to report the outage');
  for (const ws of everyone) ws.received.length = 0;
  a1.send('while Redis is down');
  await until(() => a1.received.length === 1 && a2.received.length === 1, 'local delivery during the outage');
  await sleep(300);
  assert.deepEqual(b1.received, [], 'nothing crossed without Redis (and nothing was queued for later)');
  assert.equal(a.child.exitCode, null);

  // Redis is back: they reconnect and subscribe again by themselves.
  redis = await redis.restart();
  await a.until(/^redis ready$/, 'A to reconnect', 2);
  await b.until(/^redis ready$/, 'B to reconnect', 2);
  await until(() => { b1.send('after'); return a1.received.includes('after'); }, 'delivery across again', 10000);
  assert.deepEqual(b1.received.filter((m) => m === 'while Redis is down'), [], 'the outage\'s message never arrives late');
});

test('binary payloads cross byte-exact, and the publisher\'s own subscribers get a message once', T, async (t) => {
  const defer = cleanup(t);
  const redis = await startRedis();
  defer(() => redis.stop());
  const subscribing = { onOpen() { this.subscribe('data'); } };
  const servers = [];
  for (let i = 0; i < 2; i++) {
    const server = defer.server(await startServer(subscribing));
    const broker = new RedisBroker({ url: redis.url });
    defer(() => broker.close());
    await within(broker.ready(), 5000, 'the broker to connect');
    server.factory.setBroker(broker);
    servers.push({ ...server, broker });
  }
  const clients = [];
  for (const server of servers) {
    const ws = defer.ws(await wsOpen(WebSocket, `ws://127.0.0.1:${server.port}`));
    ws.received = [];
    ws.on('message', (data, isBinary) => ws.received.push({ data: Buffer.from(data), isBinary }));
    clients.push(ws);
  }
  await until(() => servers.every((s) => s.factory.subscriberCount('data') === 1), 'subscriptions');
  await sleep(200); // the SUBSCRIBE commands reach Redis

  const payloads = [randomBytes(100_000, 7), Buffer.from([0, 255, 0, 13, 10]), Buffer.alloc(0)];
  for (const payload of payloads) assert.equal(servers[0].factory.publish('data', payload, true), 1, 'one local subscriber');
  servers[1].factory.publish('data', 'text from the second', false);
  await until(() => clients.every((ws) => ws.received.length >= 4), 'every message on both sides');
  await sleep(300);
  for (const ws of clients) {
    assert.equal(ws.received.length, 4, 'each message once');
    const binaries = ws.received.filter((m) => m.isBinary);
    binaries.forEach((m, i) => assert.ok(m.data.equals(payloads[i]), `payload ${i} byte-exact`));
    assert.deepEqual(ws.received.filter((m) => !m.isBinary).map((m) => String(m.data)), ['text from the second']);
  }
  assert.equal(servers[0].broker.dropped, 0);
  assert.ok(WebSocketServerProtocol.prototype.subscribe);
});

test('a broker whose Redis is not there reports it and drops what is published; publish never throws', T, async (t) => {
  const defer = cleanup(t);
  const redis = await startRedis();
  const url = redis.url;
  await redis.stop(); // a port nobody listens on
  const statuses = [];
  const errors = [];
  const broker = new RedisBroker({ url, onStatus: (s) => statuses.push(s), onError: (e) => errors.push(e) });
  defer(() => broker.close());
  const server = defer.server(await startServer({ onOpen() { this.subscribe('news'); } }));
  server.factory.setBroker(broker);
  const ws = defer.ws(await wsOpen(WebSocket, `ws://127.0.0.1:${server.port}`));
  const received = [];
  ws.on('message', (data) => received.push(String(data)));
  await until(() => server.factory.subscriberCount('news') === 1, 'the subscription');
  assert.equal(server.factory.publish('news', 'local only'), 1);
  await until(() => received.length === 1, 'local delivery');
  await until(() => errors.length > 0, 'the connection error to be reported');
  assert.equal(broker.status === 'ready', false);
  assert.ok(broker.dropped >= 1, 'the remote delivery was dropped, not queued');
});
