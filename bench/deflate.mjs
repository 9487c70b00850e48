// permessage-deflate echo benchmark: our server against ws's, both driven in the same run by
// the same client (ws with perMessageDeflate: true) over 127.0.0.1, with 4 KiB JSON text.
//   node bench/deflate.mjs [--messages 20000] [--connections 4] [--inflight 8] [--size 4096]
//                          [--idle 200] [--impls ours,ws,ws-t0,ws-w12] [--seconds 60]
//   node bench/deflate.mjs --scaling 1000,2000,4000 [--parallel 50] [--impls ours,ws]
//   [--node-flags="--cpu-prof --cpu-prof-dir=DIR"]   (node flags for the server processes)
// Each server runs in its own child process (ENV_CHILD), which reports its CPU time
// (process.cpuUsage) around the timed phase; the client counts the bytes its sockets wrote and
// read. Then `--idle` more connections each exchange one message and stay open: our server
// reports its wasm memory growth per connection. Every echo is checked; every phase is bounded
// by --seconds and the message count. Prints one table; exit 1 if any row failed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { ENV_CHILD, parseArgs } from './common.mjs';
import { jsonMessage } from './payloads.mjs';

const args = parseArgs(process.argv.slice(2));

// ---- the servers (child processes) ----

// ws's rows: its default perMessageDeflate (threshold 1024, windows 15); threshold 0; and
// both windows at 12, to show what the window costs.
const WS_OPTIONS = { ws: true, 'ws-t0': { threshold: 0 }, 'ws-w12': { serverMaxWindowBits: 12, clientMaxWindowBits: 12 } };

async function serve(impl) {
  let wasmBytes = () => 0;
  let port;
  if (impl === 'ours') {
    const { WebSocketServerFactory, WebSocketServerProtocol, listenWS, wasmMemory } = await import('../pkg/node.mjs');
    class Echo extends WebSocketServerProtocol {
      onMessage(payload, isBinary) { this.sendMessage(payload, isBinary); }
    }
    const factory = new WebSocketServerFactory('ws://127.0.0.1:0'); // compression: 'deflate' is the default
    factory.protocol = Echo;
    port = (await listenWS(factory, { host: '127.0.0.1', port: 0 })).port;
    wasmBytes = () => wasmMemory().buffer.byteLength;
  } else {
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: WS_OPTIONS[impl] });
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    await once(wss, 'listening');
    port = wss.address().port;
  }
  process.on('message', (m) => {
    if (m === 'stats') process.send({ cpu: process.cpuUsage(), wasmBytes: wasmBytes(), rss: process.memoryUsage().rss });
    if (m === 'exit') process.exit(0);
  });
  process.send({ port });
}

// ---- the client (this process) ----


function startServer(impl) {
  // --node-flags="--cpu-prof --cpu-prof-dir=/tmp/prof": flags for the server processes only.
  const flags = args['node-flags'] ? String(args['node-flags']).split(' ') : [];
  const child = spawn(process.execPath, [...flags, fileURLToPath(import.meta.url), '--serve', impl], {
    env: { ...process.env, ...ENV_CHILD }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies = [];
  let waiting = null;
  child.on('message', (m) => { if (waiting) { const w = waiting; waiting = null; w(m); } else replies.push(m); });
  const next = () => (replies.length ? Promise.resolve(replies.shift()) : new Promise((r) => { waiting = r; }));
  return {
    child,
    next,
    async stats() { child.send('stats'); return next(); },
    stop() { child.send('exit'); return once(child, 'exit'); },
  };
}

function withDeadline(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: over ${ms} ms`)), ms); })])
    .finally(() => clearTimeout(timer));
}

async function open(port) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
  await once(ws, 'open');
  if (ws.extensions !== 'permessage-deflate') throw new Error(`no permessage-deflate negotiated (${ws.extensions})`);
  return ws;
}

/** Sends `count` messages over `ws`, `inflight` at a time, checking each echo. */
function pump(ws, payloads, count, inflight) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let received = 0;
    const sendOne = () => { ws.send(payloads[sent % payloads.length]); sent++; };
    ws.on('message', (data, isBinary) => {
      if (isBinary || data.toString() !== payloads[received % payloads.length]) reject(new Error(`echo ${received} differs`));
      received++;
      if (received === count) resolve();
      else if (sent < count) sendOne();
    });
    ws.on('close', () => { if (received < count) reject(new Error(`closed after ${received} of ${count} echoes`)); });
    while (sent < Math.min(inflight, count)) sendOne();
  });
}

const cpuMs = (a, b) => (b.user - a.user + b.system - a.system) / 1000;

async function measure(impl, opts, payloads) {
  const server = startServer(impl);
  const { port } = await server.next();
  const sockets = [];
  try {
    return await withDeadline((async () => {
      // Warm-up: JIT, zlib and wasm state, one connection.
      const warm = await open(port);
      sockets.push(warm);
      await pump(warm, payloads, 500, opts.inflight);
      warm.close();

      const conns = [];
      for (let i = 0; i < opts.connections; i++) conns.push(await open(port));
      sockets.push(...conns);
      const bytes0 = conns.map((ws) => [ws._socket.bytesWritten, ws._socket.bytesRead]);
      const before = await server.stats();
      const t0 = performance.now();
      const per = Math.floor(opts.messages / opts.connections);
      await Promise.all(conns.map((ws) => pump(ws, payloads, per, opts.inflight)));
      const seconds = (performance.now() - t0) / 1000;
      const after = await server.stats();
      const total = per * opts.connections;
      let up = 0;
      let down = 0;
      conns.forEach((ws, i) => { up += ws._socket.bytesWritten - bytes0[i][0]; down += ws._socket.bytesRead - bytes0[i][1]; });

      // Idle connections, each after one message: what a connection costs the server to keep.
      const m0 = await server.stats();
      const idle = [];
      for (let i = 0; i < opts.idle; i++) {
        const ws = await open(port);
        idle.push(ws);
        sockets.push(ws);
        await pump(ws, payloads, 1, 1);
      }
      const m1 = await server.stats();
      return {
        impl, ok: true, messages: total, msgsPerSec: total / seconds,
        cpuUsPerMsg: (cpuMs(before.cpu, after.cpu) * 1000) / total,
        upPerMsg: up / total, downPerMsg: down / total,
        wasmPerConn: impl === 'ours' ? (m1.wasmBytes - m0.wasmBytes) / opts.idle : null,
        rssPerConn: (m1.rss - m0.rss) / opts.idle,
      };
    })(), opts.seconds * 1000, impl);
  } catch (error) {
    return { impl, ok: false, error: error.message };
  } finally {
    for (const ws of sockets) ws.terminate();
    await server.stop();
  }
}

/**
 * Many connections: `n` clients each connect, echo one message and stay open (`parallel` at a
 * time), against a fresh server; its CPU time over the whole phase. Linear means the per-
 * connection column stays flat as `n` grows.
 */
async function connectMany(impl, n, opts, payloads) {
  const server = startServer(impl);
  const { port } = await server.next();
  const sockets = [];
  try {
    return await withDeadline((async () => {
      const before = await server.stats();
      const t0 = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < n) {
          const ws = await open(port);
          sockets.push(ws);
          await pump(ws, [payloads[next++ % payloads.length]], 1, 1);
        }
      };
      await Promise.all(Array.from({ length: opts.parallel }, worker));
      const seconds = (performance.now() - t0) / 1000;
      const after = await server.stats();
      const cpu = cpuMs(before.cpu, after.cpu);
      return { impl, n, ok: true, seconds, cpuSeconds: cpu / 1000, cpuUsPerConn: (cpu * 1000) / n, rssPerConn: (after.rss - before.rss) / n };
    })(), opts.seconds * 1000, `${impl} × ${n}`);
  } catch (error) {
    return { impl, n, ok: false, error: error.message };
  } finally {
    for (const ws of sockets) ws.terminate();
    await server.stop();
  }
}

async function scaling(opts, payloads) {
  const counts = String(args.scaling).split(',').map(Number);
  const impls = String(args.impls ?? 'ours,ws').split(',');
  console.log(`permessage-deflate, N connections each connect + one ${opts.size} B JSON echo, ${opts.parallel} at a time, all kept open; client: ws ${process.version}`);
  console.log('\n| server | connections | wall s | server CPU s | server CPU µs/conn | RSS B/conn |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  let ok = true;
  for (const n of counts) {
    for (const impl of impls) {
      const r = await connectMany(impl, n, opts, payloads);
      ok &&= r.ok;
      if (!r.ok) console.log(`| ${impl} | ${n} | FAILED: ${r.error} | | | |`);
      else console.log(`| ${impl} | ${n} | ${r.seconds.toFixed(1)} | ${r.cpuSeconds.toFixed(2)} | ${r.cpuUsPerConn.toFixed(0)} | ${r.rssPerConn.toFixed(0)} |`);
    }
  }
  process.exitCode = ok ? 0 : 1;
}

async function main() {
  const opts = {
    messages: Number(args.messages ?? 20000), connections: Number(args.connections ?? 4), inflight: Number(args.inflight ?? 8),
    size: Number(args.size ?? 4096), idle: Number(args.idle ?? 200), seconds: Number(args.seconds ?? 60),
    parallel: Number(args.parallel ?? 50),
  };
  const payloads = Array.from({ length: 64 }, (_, i) => jsonMessage(opts.size, i + 1));
  if (args.scaling) return scaling(opts, payloads);
  const impls = String(args.impls ?? 'ours,ws,ws-t0,ws-w12').split(',');
  console.log(`permessage-deflate echo, ${opts.size} B JSON text (64 different messages), ${opts.messages} messages over ${opts.connections} connections, ${opts.inflight} in flight each; client: ws ${process.version}`);
  const rows = [];
  for (const impl of impls) rows.push(await measure(impl, opts, payloads));
  const f = (v, d = 0) => (v === null ? '-' : v.toFixed(d));
  console.log('\n| server | msgs/s | server CPU µs/msg | client→server B/msg | server→client B/msg | wasm B/conn (idle) | RSS B/conn (idle) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    if (!r.ok) console.log(`| ${r.impl} | FAILED: ${r.error} | | | | | |`);
    else console.log(`| ${r.impl} | ${f(r.msgsPerSec)} | ${f(r.cpuUsPerMsg, 1)} | ${f(r.upPerMsg, 1)} | ${f(r.downPerMsg, 1)} | ${f(r.wasmPerConn)} | ${f(r.rssPerConn)} |`);
  }
  process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
}

if (args.serve) await serve(args.serve);
else await main();
