// The Redis broker on Deno: two Deno servers (wasmsocket's Deno entry) sharing a real Redis
// (Debian's redis-server, started here on a free port of 127.0.0.1 from tests/redis/redis.conf)
// are one set of topics: a message published on one reaches the other's subscribers, bytes
// exact, and the publisher's own subscriber gets it once. node-redis runs on Deno's Node
// compatibility (`wasmsocket/redis`, here ../../pkg/js/broker/redis.mjs).
import { assert, assertEquals } from './support/assert.ts';
import { WebSocketServerFactory, WebSocketServerProtocol, listenWS } from '../../pkg/deno.mjs';
import { RedisBroker } from '../../pkg/js/broker/redis.mjs';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean, what: string, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function freePort(): Promise<number> {
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function startRedis() {
  const port = await freePort();
  const config = new URL('../redis/redis.conf', import.meta.url).pathname;
  // A missing redis-server fails the test (scripts/setup.sh installs it).
  const child = new Deno.Command('redis-server', { args: [config, '--port', String(port)], stdout: 'null', stderr: 'null' }).spawn();
  for (let i = 0; ; i++) {
    try {
      (await Deno.connect({ hostname: '127.0.0.1', port })).close();
      break;
    } catch {
      if (i > 200) throw new Error('redis-server did not listen');
      await sleep(25);
    }
  }
  return { url: `redis://127.0.0.1:${port}`, stop: async () => { child.kill('SIGKILL'); await child.status; } };
}

Deno.test('two Deno servers sharing a Redis: publish reaches the other\'s subscribers once, bytes exact', async () => {
  const redis = await startRedis();
  const servers: { listener: any; broker: any; factory: any }[] = [];
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
      factory.protocol = class extends WebSocketServerProtocol { override onOpen() { this.subscribe('data'); } };
      const broker = new RedisBroker({ url: redis.url });
      await broker.ready();
      factory.setBroker(broker);
      servers.push({ listener: await listenWS(factory, { port: 0, host: '127.0.0.1' }), broker, factory });
    }
    const received: Uint8Array[][] = [[], []];
    for (let i = 0; i < 2; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${servers[i].listener.port}/`);
      ws.binaryType = 'arraybuffer';
      ws.onmessage = (event) => received[i].push(new Uint8Array(event.data));
      await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
      sockets.push(ws);
    }
    await until(() => servers.every((s) => s.factory.subscriberCount('data') === 1), 'subscriptions');
    await sleep(200); // SUBSCRIBE reaches Redis
    const payload = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
    assertEquals(servers[0].factory.publish('data', payload, true), 1);
    await until(() => received.every((r) => r.length >= 1), 'the message on both servers');
    await sleep(300);
    for (const r of received) {
      assertEquals(r.length, 1, 'once each');
      assertEquals(r[0], payload);
    }
    assert(servers[0].broker.dropped === 0);
  } finally {
    for (const ws of sockets) ws.close();
    for (const s of servers) {
      await s.broker.close();
      await s.listener.close({ timeout: 1 });
    }
    await redis.stop();
  }
});
