// Fan-out: one publisher, N subscribers, every message delivered to all of them (the
// publisher included), side by side in one run: ws (a loop of send), Bun's server.publish,
// wasmsocket in one process, with `--workers 2`, and as two processes joined by Redis
// (subscribers split between them, Debian's redis-server on a free port). By hand, not CI.
//
//   node bench/fanout.mjs [--subscribers 1000,10000] [--sizes 64,4096] [--deliveries 400000]
//                         [--warmup 200000]   (deliveries before the measured ones, not counted)
//                         [--impls ws,bun,wasmsocket,wasmsocket-workers2,wasmsocket-redis2]
//                         [--node-flags="--cpu-prof --cpu-prof-dir=DIR"]   (wasmsocket servers only)
//
// The load is raw sockets in this process: the handshake, then received frames are counted from
// their headers (every delivery is one frame). `wasmsocket-deflate` is one wasmsocket process
// with subscribers that negotiate permessage-deflate without server context takeover; its row
// says how many times each message was compressed. The publisher sends masked binary
// frames in bursts of about 20,000 deliveries and waits for all of them before the next burst.
// "server µs/delivery" is the CPU time (user + system, /proc) of the server's processes
// (primary and workers) over the run, divided by the deliveries; Redis's own CPU is printed
// apart. Deliveries per second are wall clock and include this client's costs.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs, ENV_CHILD } from './common.mjs';
import { startRedis, freePort } from '../tests/node/support/redis-server.mjs';

const args = parseArgs(process.argv.slice(2));
const SUBSCRIBERS = String(args.subscribers ?? '1000,10000').split(',').map(Number);
const SIZES = String(args.sizes ?? '64,4096').split(',').map(Number);
const DELIVERIES = Number(args.deliveries ?? 400_000);
// Each server first delivers these, unmeasured: without them a 64 B cell measured mostly JIT
// warm-up (wasmsocket 0.40-0.50 us per delivery in a cold 400,000, 0.27-0.28 once warm).
const WARMUP = Number(args.warmup ?? 200_000);
const IMPLS = String(args.impls ?? 'ws,bun,wasmsocket,wasmsocket-workers2,wasmsocket-redis2,wasmsocket-deflate').split(',');
const BURST_DELIVERIES = 20_000;
const BUN = `${process.env.WASMSOCKET_BUN_PREFIX ?? `${os.homedir()}/.cache/wasmsocket/bun`}/node_modules/.bin/bun`;
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const TICK = os.constants?.CLK_TCK ?? 100;

/** The servers of one implementation: [{ command, args }] each printing "listening PORT". */
function serversOf(impl, redisUrl) {
  // --node-flags="--cpu-prof --cpu-prof-dir=DIR": node flags for the wasmsocket servers only.
  const flags = args['node-flags'] ? String(args['node-flags']).split(' ') : [];
  const wasmsocket = (...extra) => ({ command: process.execPath, args: [...flags, here('./fanout/wasmsocket.mjs'), ...extra] });
  switch (impl) {
    case 'ws': return [{ command: process.execPath, args: [here('./fanout/ws.mjs')] }];
    case 'bun': return [{ command: BUN, args: [here('./fanout/bun.mjs')] }];
    case 'wasmsocket': return [wasmsocket()];
    case 'wasmsocket-workers2': return [wasmsocket('--workers', '2')];
    case 'wasmsocket-redis2': return [wasmsocket('--redis', redisUrl), wasmsocket('--redis', redisUrl)];
    case 'wasmsocket-deflate': return [wasmsocket('--deflate')];
    default: throw new Error(`unknown impl ${impl}`);
  }
}

async function startServer({ command, args: argv }) {
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...ENV_CHILD } });
  const port = await new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const match = /listening (\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${command} ${argv.join(' ')} exited (${code})`)));
    child.once('error', reject);
  });
  child.lines = [];
  child.stdout.on('data', (chunk) => child.lines.push(...String(chunk).split('\n').filter(Boolean)));
  return { child, port };
}

/** CPU seconds (user + system) of `pid` and all its descendants. */
function treeCpu(pid) {
  const stats = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.push({ pid: Number(name), ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / TICK });
    } catch { /* gone */ }
  }
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const s of stats) if (!tree.has(s.pid) && tree.has(s.ppid)) { tree.add(s.pid); grew = true; }
  }
  return stats.filter((s) => tree.has(s.pid)).reduce((sum, s) => sum + s.cpu, 0);
}

/** Counts the frames in `data` (headers parsed across chunk boundaries; payloads skipped). */
function countFrames(client, data) {
  if (client.partial) {
    data = Buffer.concat([client.partial, data]);
    client.partial = null;
  }
  let i = 0;
  while (i < data.length) {
    if (client.skip > 0) {
      const n = Math.min(client.skip, data.length - i);
      client.skip -= n;
      i += n;
      continue;
    }
    const left = data.length - i;
    const short = left < 2 ? 2 : (data[i + 1] & 0x7f) === 126 ? 4 : (data[i + 1] & 0x7f) === 127 ? 10 : 2;
    if (left < short) {
      client.partial = data.subarray(i);
      return;
    }
    const b1 = data[i + 1] & 0x7f;
    client.skip = b1 === 126 ? data.readUInt16BE(i + 2) : b1 === 127 ? Number(data.readBigUInt64BE(i + 2)) : b1;
    client.frames++;
    i += short;
  }
}

/** A raw WebSocket client: resolves once the 101 arrived; then counts the frames after it. */
function subscriber(port, deflate) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const client = { socket, frames: 0, skip: 0, partial: null };
    let head = Buffer.alloc(0);
    socket.once('error', reject);
    socket.on('connect', () => socket.write(
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
      (deflate ? 'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n' : '') + '\r\n'));
    const onHead = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!head.subarray(0, 12).toString().includes('101')) return reject(new Error(`no 101: ${head.toString().split('\r\n')[0]}`));
      socket.off('data', onHead);
      socket.on('data', (data) => countFrames(client, data));
      if (head.length > end + 4) countFrames(client, head.subarray(end + 4));
      resolve(client);
    };
    socket.on('data', onHead);
  });
}

function maskedFrame(payload) {
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0x82, 0x80 | n]) : Buffer.from([0x82, 0x80 | 126, n >> 8, n & 0xff]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < n; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([header, mask, body]);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(impl, subscribers, size) {
  const redis = impl.includes('redis') ? await startRedis(await freePort()) : null;
  const servers = [];
  const clients = [];
  try {
    for (const spec of serversOf(impl, redis?.url)) servers.push(await startServer(spec));
    // Subscribers alternate between the servers (Redis case); the publisher is the first.
    for (let i = 0; i < subscribers; i += 200) {
      const batch = [];
      for (let j = i; j < Math.min(i + 200, subscribers); j++) batch.push(subscriber(servers[j % servers.length].port, impl.endsWith('deflate')));
      clients.push(...await Promise.all(batch));
    }
    await sleep(300); // subscriptions reach Redis / every worker
    const publisher = clients[0];
    // Compressible JSON-like text (deflate has something to do); sent uncompressed.
    const text = Buffer.from(JSON.stringify(Array.from({ length: size }, (_, k) => k % 10)).slice(0, size).padEnd(size, ' '));
    const frame = maskedFrame(text);
    const burst = Math.max(1, Math.floor(BURST_DELIVERIES / subscribers));
    const received = () => clients.reduce((sum, c) => sum + c.frames, 0);
    /** Publishes `messages` in bursts, each waited for until every subscriber has it. */
    const publish = async (messages) => {
      const base = received();
      for (let sent = 0; sent < messages;) {
        const n = Math.min(burst, messages - sent);
        publisher.socket.write(Buffer.concat(Array(n).fill(frame)));
        sent += n;
        const expected = base + sent * subscribers;
        const deadline = Date.now() + 30_000;
        while (received() < expected) {
          if (Date.now() > deadline) throw new Error(`${impl}: ${received() - base} of ${sent * subscribers} deliveries after 30 s`);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    };
    if (WARMUP > 0) await publish(Math.ceil(WARMUP / subscribers));
    const messages = Math.max(1, Math.ceil(DELIVERIES / subscribers));
    const cpuBefore = servers.map((s) => treeCpu(s.child.pid));
    const redisBefore = redis ? treeCpu(redis.pid) : 0;
    const started = process.hrtime.bigint();
    await publish(messages);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = servers.reduce((sum, s, i) => sum + treeCpu(s.child.pid) - cpuBefore[i], 0);
    const deliveries = messages * subscribers;
    let compressions = null;
    if (impl === 'wasmsocket-deflate' || (args['node-flags'] && impl.startsWith('wasmsocket'))) {
      // SIGTERM: the server prints its stats and exits (and writes its --cpu-prof profile).
      servers[0].child.kill('SIGTERM');
      await new Promise((resolve) => servers[0].child.once('exit', resolve));
      const stats = JSON.parse(servers[0].child.lines.find((l) => l.startsWith('stats ')).slice(6));
      compressions = `${stats.framings + stats.ownFramings} for ${stats.messages} messages`;
    }
    return {
      compressions,
      impl, subscribers, size, deliveries,
      perSecond: deliveries / seconds,
      cpuUs: (cpu * 1e6) / deliveries,
      redisUs: redis ? ((treeCpu(redis.pid) - redisBefore) * 1e6) / deliveries : null,
    };
  } finally {
    for (const c of clients) c.socket.destroy();
    for (const s of servers) s.child.kill('SIGKILL');
    await redis?.stop();
  }
}

const fmt = (n, digits = 2) => n.toFixed(digits);
const rate = (n) => (n >= 1e6 ? `${fmt(n / 1e6)} M/s` : `${fmt(n / 1e3, 0)} k/s`);

console.log(`fan-out: ${DELIVERIES} deliveries per cell after ${WARMUP} unmeasured, bursts of ~${BURST_DELIVERIES}; node ${process.version}, ${os.cpus().length} cores`);
console.log('| impl | subscribers | size | deliveries/s | server µs/delivery | vs ws | redis µs/delivery | framings |');
console.log('|---|---|---|---|---|---|---|---|');
let failed = false;
for (const subscribers of SUBSCRIBERS) {
  for (const size of SIZES) {
    let wsCpu = null;
    for (const impl of IMPLS) {
      try {
        const r = await measure(impl, subscribers, size);
        if (impl === 'ws') wsCpu = r.cpuUs;
        console.log(`| ${impl} | ${subscribers} | ${size} B | ${rate(r.perSecond)} | ${fmt(r.cpuUs)} | ${wsCpu ? `${fmt(r.cpuUs / wsCpu)}×` : '-'} | ${r.redisUs === null ? '-' : fmt(r.redisUs)} | ${r.compressions ?? '-'} |`);
      } catch (error) {
        failed = true;
        console.log(`| ${impl} | ${subscribers} | ${size} B | FAILED: ${error.message} | | | | |`);
      }
    }
  }
}
process.exitCode = failed ? 1 : 0;
