// Soak: many connections echoing at a steady rate for a long time, against
// examples/echo-server.mjs (Node) or examples/echo-server.ts (Deno), with or without
// permessage-deflate. Prints every minute the server's RSS and the messages sent, echoed and
// outstanding; at the end the messages lost (must be 0) and the RSS slope after the first
// minute (warm-up), by least squares. By hand, not CI.
//
//   node bench/soak.mjs [--connections 10000] [--minutes 10] [--rate 2000] [--size 256]
//                       [--runtime node|deno] [--deflate]
//
// The clients are npm `ws` in this process (so compression is real on both sides); each
// message carries its connection and sequence number, and an echo that comes back out of
// order, twice or altered counts as lost. Rate is messages per second over all connections,
// spread evenly.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { parseArgs, ENV_CHILD } from './common.mjs';

const args = parseArgs(process.argv.slice(2));
const CONNECTIONS = Number(args.connections ?? 10_000);
const MINUTES = Number(args.minutes ?? 10);
const RATE = Number(args.rate ?? 2000);
const SIZE = Number(args.size ?? 256);
const RUNTIME = args.runtime ?? 'node';
const DEFLATE = Boolean(args.deflate);
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const DENO = here('../node_modules/.bin/deno');

function startServer() {
  const command = RUNTIME === 'deno' ? DENO : process.execPath;
  const argv = RUNTIME === 'deno'
    ? ['run', '--allow-net=127.0.0.1', here('../examples/echo-server.ts'), '--port', '0']
    : [here('../examples/echo-server.mjs'), '--port', '0'];
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...ENV_CHILD } });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const match = /listening on ws:\/\/[^:]+:(\d+)/.exec(seen);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
}

const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(port) {
  const clients = [];
  for (let i = 0; i < CONNECTIONS; i += 250) {
    const batch = [];
    for (let j = i; j < Math.min(i + 250, CONNECTIONS); j++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: DEFLATE ? { serverNoContextTakeover: false } : false });
      ws.index = j;
      ws.sent = 0;
      ws.echoed = 0;
      ws.lost = 0;
      ws.on('message', (data) => {
        const text = String(data);
        const expected = message(ws.index, ws.echoed);
        if (text === expected) ws.echoed++;
        else ws.lost++;
      });
      ws.on('error', () => {});
      batch.push(new Promise((resolve, reject) => { ws.once('open', () => resolve(ws)); ws.once('error', reject); }));
    }
    clients.push(...await Promise.all(batch));
  }
  return clients;
}

// About SIZE bytes of JSON-like text, different per message (compressible, not trivially).
function message(connection, sequence) {
  const head = `{"c":${connection},"s":${sequence},"text":"`;
  const fill = 'soak test message with words that repeat '.repeat(Math.ceil(SIZE / 40)).slice(0, Math.max(0, SIZE - head.length - 2));
  return `${head}${fill}"}`;
}

function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return num / den;
}

const server = await startServer();
console.log(`soak: ${RUNTIME}, ${DEFLATE ? 'permessage-deflate' : 'no compression'}, ${CONNECTIONS} connections, ${RATE} msg/s of ${SIZE} B, ${MINUTES} min`);
const clients = await connect(server.port);
console.log(`connected ${clients.length}; server RSS ${rssMiB(server.child.pid).toFixed(1)} MiB`);
console.log('| minute | server RSS MiB | sent | echoed | outstanding | lost |');
console.log('|---|---|---|---|---|---|');

const started = Date.now();
const points = [];
let next = 0;
let minute = 0;
const TICK_MS = 10;
const perTick = (RATE * TICK_MS) / 1000;
let credit = 0;
const total = (key) => clients.reduce((s, ws) => s + ws[key], 0);
while (Date.now() - started < MINUTES * 60_000) {
  credit += perTick;
  for (; credit >= 1; credit--) {
    const ws = clients[next];
    next = (next + 1) % clients.length;
    if (ws.readyState === WebSocket.OPEN) ws.send(message(ws.index, ws.sent++));
  }
  await sleep(TICK_MS);
  const elapsed = (Date.now() - started) / 60_000;
  if (elapsed >= minute + 1) {
    minute++;
    const rss = rssMiB(server.child.pid);
    if (minute > 1) points.push([minute, rss]);
    const sent = total('sent');
    const echoed = total('echoed');
    console.log(`| ${minute} | ${rss.toFixed(1)} | ${sent} | ${echoed} | ${sent - echoed} | ${total('lost')} |`);
  }
}
// Drain: every echo must arrive.
const drainUntil = Date.now() + 30_000;
while (total('echoed') + total('lost') < total('sent') && Date.now() < drainUntil) await sleep(50);
const sent = total('sent');
const lost = sent - total('echoed');
const closedEarly = clients.filter((ws) => ws.readyState !== WebSocket.OPEN).length;
console.log(`messages sent ${sent}, lost ${lost}, connections closed early ${closedEarly}`);
console.log(`RSS slope after warm-up: ${slope(points).toFixed(2)} MiB/min over ${points.length} minutes`);
for (const ws of clients) ws.terminate();
server.child.kill();
process.exitCode = lost === 0 && closedEarly === 0 ? 0 : 1;
