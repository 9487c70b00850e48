// Connection costs: server CPU per opening + closing handshake, and server memory per idle
// connection after one 4 KiB echo, for our server (Node and Deno), ws, and Deno's own
// WebSocket, all driven by the same raw-socket client (this process) in one run:
//   node bench/connect.mjs [--deflate | --modes plain,deflate] [--impls ours,ws,deno-native,ours-deno]
//     [--conns 2000] [--rounds 3] [--warmup 4000] [--idle 1000] [--parallel 8] [--seconds 120] [--no-pin]
// Each server is its own child process (bench/connect/*: node --expose-gc, or deno with
// --v8-flags=--expose-gc), pinned to core 1 with taskset when it can; this process pins itself
// to core 0. Children speak bench/connect/control.mjs's line protocol on stdin/stdout.
// Per server: --warmup connections open and close, not timed (in both Node servers the first
// few thousand cost up to twice as much as later ones); then --rounds rounds of --conns
// connections each open, send a close (1000), wait for the server's close frame and its FIN:
// the server's process.cpuUsage() before and after a round ÷ --conns, the median round shown.
// Then --idle connections each send one 4 KiB message, check its echo and stay open: the
// server's memory after gc() (twice, 100 ms apart) before and after ÷ --idle. Every phase is bounded by --seconds; a failed row prints FAILED
// and the exit code is 1. See bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { ENV_CHILD, parseArgs } from './common.mjs';
import { fillBinary, jsonMessage, prng } from './payloads.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const DENO = here('../node_modules/.bin/deno');
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const SIZE = 4096;

const args = parseArgs(process.argv.slice(2));
const opts = {
  conns: Number(args.conns ?? 2000), warmup: Number(args.warmup ?? 4000), idle: Number(args.idle ?? 1000),
  parallel: Number(args.parallel ?? 8), seconds: Number(args.seconds ?? 120), rounds: Number(args.rounds ?? 3),
};
const MODES = args.modes ? String(args.modes).split(',') : [args.deflate ? 'deflate' : 'plain'];
const IMPLS = String(args.impls ?? 'ours,ws,deno-native,ours-deno').split(',');

// ---- servers ----

const canPin = !args['no-pin'] && os.cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

function command(impl, mode) {
  const flag = mode === 'deflate' ? ['--deflate'] : [];
  const deno = (file) => [DENO, 'run', '--allow-net=127.0.0.1', '--v8-flags=--expose-gc', here(`connect/${file}`), ...flag];
  switch (impl) {
    // --node-flags="--cpu-prof --cpu-prof-dir=DIR": more node flags for `ours` (profiles on exit).
    case 'ours': return [process.execPath, '--expose-gc', ...(args['node-flags'] ? String(args['node-flags']).split(' ') : []), here('connect/node.mjs'), 'ours', ...flag];
    case 'ws': return [process.execPath, '--expose-gc', here('connect/node.mjs'), 'ws', ...flag];
    case 'deno-native': return deno('deno-native.ts');
    case 'ours-deno': return deno('ours-deno.ts');
    default: throw new Error(`unknown server ${impl} (ours, ws, deno-native, ours-deno)`);
  }
}

/** A server child: JSON lines on stdout (anything else ignored), commands on stdin. */
class Server {
  constructor(impl, mode) {
    const [cmd, ...argv] = command(impl, mode);
    const env = { ...process.env, ...ENV_CHILD, ...(impl === 'ws' ? { WS_NO_BUFFER_UTIL: '1' } : {}) };
    this.impl = impl;
    this.proc = canPin ? spawn('taskset', ['-c', '1', cmd, ...argv], { env }) : spawn(cmd, argv, { env });
    this.lines = [];
    this.waiter = null;
    this.stderr = '';
    this.exited = false;
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      let msg;
      try { msg = JSON.parse(line); } catch { return; }
      if (this.waiter) { const w = this.waiter; this.waiter = null; w.resolve(msg); } else this.lines.push(msg);
    });
    this.proc.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-2000); });
    this.proc.stdin.on('error', () => {});
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      this.waiter?.reject(new Error(`${impl} server exited (${code ?? signal}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  }

  async next(event, timeoutMs = 30_000) {
    let timer;
    const msg = this.lines.length ? this.lines.shift() : await new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error(`${this.impl} server exited: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`));
      this.waiter = { resolve, reject };
      timer = setTimeout(() => reject(new Error(`${this.impl} server: no ${event} within ${timeoutMs / 1000} s`)), timeoutMs);
    }).finally(() => clearTimeout(timer));
    if (msg.event !== event) throw new Error(`${this.impl} server: expected ${event}, got ${JSON.stringify(msg)}`);
    return msg;
  }

  ask(cmd) {
    this.proc.stdin.write(`${cmd}\n`);
    return this.next(cmd);
  }

  quit() {
    if (this.exited) return Promise.resolve();
    this.proc.stdin.write('quit\n');
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
      this.proc.on('exit', () => { clearTimeout(timer); resolve(); });
    });
  }
}

// ---- the client: raw sockets, our own handshake and frames ----

const live = new Set(); // every open client socket, destroyed when a phase runs out of time

/** A client connection after the opening handshake: server frames parsed as they arrive. */
class Conn {
  constructor(socket, rest, ext) {
    this.socket = socket;
    this.ext = ext; // null, or { clientBits } when permessage-deflate was agreed
    this.buf = rest;
    this.frames = [];
    this.eof = false;
    this.closed = false;
    this.error = null;
    this.wake = null;
    socket.on('data', (d) => { this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d; this.#parse(); this.wake?.(); });
    socket.on('end', () => { this.eof = true; this.wake?.(); });
    socket.on('error', (err) => { this.error = err; });
    socket.on('close', () => { this.closed = true; live.delete(socket); this.wake?.(); });
    this.#parse();
  }

  #parse() {
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      let len = b[1] & 0x7f;
      const hl = len === 126 ? 4 : len === 127 ? 10 : 2;
      if (b.length < hl) return;
      if (len === 126) len = b.readUInt16BE(2);
      else if (len === 127) len = Number(b.readBigUInt64BE(2));
      if (b.length < hl + len) return;
      if (b[1] & 0x80) { this.error = new Error('server frame is masked'); return; }
      this.frames.push({ fin: (b[0] & 0x80) !== 0, rsv: b[0] & 0x70, opcode: b[0] & 15, payload: b.subarray(hl, hl + len) });
      this.buf = b.subarray(hl + len);
    }
  }

  /** Resolves with cond()'s first truthy value; rejects if the connection ends first. */
  until(cond, what) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = this.error ? null : cond();
        if (v) { this.wake = null; resolve(v); } else if (this.error || this.closed) {
          this.wake = null;
          reject(new Error(`${what}: ${this.error?.message ?? 'connection closed'}`));
        }
      };
      this.wake = check;
      check();
    });
  }

  frame(what) {
    return this.until(() => this.frames.shift(), what);
  }
}

function maskedFrame(first, payload) {
  const len = payload.length;
  const hl = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.alloc(hl + 4 + len);
  out[0] = first;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65536) { out[1] = 0x80 | 126; out.writeUInt16BE(len, 2); }
  else { out[1] = 0x80 | 127; out.writeBigUInt64BE(BigInt(len), 2); }
  const mask = randomBytes(4);
  mask.copy(out, hl);
  for (let i = 0; i < len; i++) out[hl + 4 + i] = payload[i] ^ mask[i & 3];
  return out;
}

const CLOSE_1000 = Buffer.from([0x03, 0xe8]);

/** Opening handshake. deflate: offer permessage-deflate (required unless the server says it has none). */
function open(port, deflate, serverDeflates) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    live.add(socket);
    const key = randomBytes(16).toString('base64');
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    let head = Buffer.alloc(0);
    const fail = (err) => { socket.destroy(); reject(err); };
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('close', onClose);
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      if (!/^HTTP\/1\.1 101 /.test(lines[0])) return fail(new Error(`handshake refused: ${lines[0]}`));
      if (headers.get('sec-websocket-accept') !== accept) return fail(new Error('bad Sec-WebSocket-Accept'));
      const extHeader = headers.get('sec-websocket-extensions');
      let ext = null;
      if (extHeader !== undefined) {
        const [name, ...params] = extHeader.split(';').map((s) => s.trim());
        if (!deflate || name !== 'permessage-deflate' || extHeader.includes(',')) return fail(new Error(`unexpected extensions: ${extHeader}`));
        const bits = params.map((p) => /^client_max_window_bits\s*=\s*"?(\d+)"?$/.exec(p)).find(Boolean);
        ext = { clientBits: bits ? Number(bits[1]) : 15 };
      } else if (deflate && serverDeflates) return fail(new Error('permessage-deflate not agreed'));
      resolve(new Conn(socket, head.subarray(end + 4), ext));
    };
    const onClose = () => reject(new Error('closed during the opening handshake'));
    socket.on('data', onData);
    socket.on('error', fail);
    socket.on('close', onClose);
    socket.once('connect', () => {
      socket.setNoDelay(true);
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        `${deflate ? 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' : ''}\r\n`);
    });
  });
}

/** Open, close frame (1000), the server's close frame, the server's FIN. */
async function openClose(port, mode, serverDeflates) {
  const c = await open(port, mode === 'deflate', serverDeflates);
  c.socket.write(maskedFrame(0x88, CLOSE_1000));
  const f = await c.frame('waiting for the close frame');
  if (f.opcode !== 8 || f.payload.length < 2 || f.payload.readUInt16BE(0) !== 1000) {
    throw new Error(`expected close 1000, got opcode ${f.opcode} ${f.payload.length >= 2 ? f.payload.readUInt16BE(0) : ''}`);
  }
  await c.until(() => c.eof, 'waiting for the server to close TCP');
  if (c.frames.length || c.buf.length) throw new Error('data after the close frame');
  // allowHalfOpen is off: Node ends our side on the server's FIN; 'close' follows.
  await c.until(() => c.closed || null, 'closing');
  if (c.error) throw c.error;
}

// 4 KiB messages: seeded binary (plain), or JSON text as an API sends it (deflate, as in
// bench/deflate.mjs: the same keys in every record, varying values), 64 of each.
const rand = prng(0xc0ec7);
const BINARY = Array.from({ length: 64 }, () => { const b = Buffer.alloc(SIZE); fillBinary(b, rand); return b; });
const JSONS = Array.from({ length: 64 }, (_, i) => Buffer.from(jsonMessage(SIZE, i + 1)));
const compressed = new Map(); // `${bits}/${i}` → the message deflated, sync flush, tail removed
function deflated(i, bits) {
  const k = `${bits}/${i}`;
  if (!compressed.has(k)) {
    const out = zlib.deflateRawSync(JSONS[i], { windowBits: bits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    if (!out.subarray(-4).equals(TAIL)) throw new Error('no sync-flush tail');
    compressed.set(k, out.subarray(0, -4));
  }
  return compressed.get(k);
}

/** Open, one 4 KiB message, its echo checked; the connection stays open. */
async function openEcho(port, mode, serverDeflates, i) {
  const c = await open(port, mode === 'deflate', serverDeflates);
  const k = i % 64;
  const want = mode === 'deflate' ? JSONS[k] : BINARY[k];
  if (c.ext) c.socket.write(maskedFrame(0xc1, deflated(k, c.ext.clientBits))); // FIN RSV1 text
  else c.socket.write(maskedFrame(mode === 'deflate' ? 0x81 : 0x82, want));
  const parts = [];
  let first = null;
  for (;;) {
    const f = await c.frame('waiting for the echo');
    first ??= f;
    if (f.opcode !== (parts.length ? 0 : mode === 'deflate' ? 1 : 2)) throw new Error(`echo: unexpected opcode ${f.opcode}`);
    parts.push(f.payload);
    if (f.fin) break;
  }
  if (first.rsv & ~(c.ext ? 0x40 : 0)) throw new Error('echo: unexpected RSV bits');
  let got = Buffer.concat(parts);
  if (first.rsv & 0x40) got = zlib.inflateRawSync(Buffer.concat([got, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  if (!got.equals(want)) throw new Error('echo differs from the message sent');
  return c;
}

// ---- phases ----

function withDeadline(promise, seconds, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => {
      for (const s of live) s.destroy();
      reject(new Error(`${what}: not done within ${seconds} s`));
    }, seconds * 1000);
  })]).finally(() => clearTimeout(timer));
}

/** fn(i) for i < n, `parallel` at a time; the first failure fails all. */
async function pool(n, parallel, fn) {
  let next = 0;
  let failed = null;
  const out = [];
  const worker = async () => {
    while (next < n && !failed) {
      const i = next++;
      try { out[i] = await fn(i); } catch (err) { failed ??= err; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
  if (failed) throw failed;
  return out;
}

async function measure(impl, mode) {
  const server = new Server(impl, mode);
  let idle = [];
  try {
    const hello = await server.next('listening');
    const { port } = hello;
    const deflates = hello.permessageDeflate !== false;
    const phase = (what, n, fn) => withDeadline(pool(n, opts.parallel, fn), opts.seconds, what)
      .catch((err) => { throw new Error(err.message.startsWith(what) ? err.message : `${what}: ${err.message}`); });
    await phase('warm-up', opts.warmup, () => openClose(port, mode, deflates));
    const rounds = [];
    for (let r = 0; r < opts.rounds; r++) {
      const before = await server.ask('stats');
      const t0 = performance.now();
      await phase('open + close', opts.conns, () => openClose(port, mode, deflates));
      const wall = (performance.now() - t0) / 1000;
      const after = await server.ask('stats');
      rounds.push({
        userUs: (after.cpu.user - before.cpu.user) / opts.conns, systemUs: (after.cpu.system - before.cpu.system) / opts.conns,
        connsPerSec: opts.conns / wall,
      });
      rounds.at(-1).us = rounds.at(-1).userUs + rounds.at(-1).systemUs;
    }
    const mid = [...rounds].sort((a, b) => a.us - b.us)[(rounds.length - 1) >> 1];
    const m0 = await server.ask('mem');
    idle = await phase('idle', opts.idle, (i) => openEcho(port, mode, deflates, i));
    const m1 = await server.ask('mem');
    const per = (f) => (f(m1) - f(m0)) / opts.idle / 1024;
    // Node's external counts wasm memory (and arrayBuffers), Deno's does not: wasm taken out.
    const jsSide = (m) => m.heapUsed + m.external - (m.wasm !== null && !hello.deno ? m.wasm : 0);
    return {
      impl, ok: true, runtime: hello.deno ? `deno ${hello.deno}` : `node ${hello.node}`,
      note: mode === 'deflate' && !deflates ? 'declines permessage-deflate: uncompressed' : '',
      ...mid, rounds: rounds.map((x) => x.us),
      rss: per((m) => m.rss), heapExt: per(jsSide), heap: per((m) => m.heapUsed), heapTotal: per((m) => m.heapTotal), wasm: m1.wasm === null ? null : per((m) => m.wasm),
    };
  } catch (error) {
    return { impl, ok: false, error: error.message };
  } finally {
    for (const c of idle) c.socket.destroy();
    for (const s of live) s.destroy();
    await server.quit();
  }
}

// ---- main ----

if (!existsSync(here('../pkg/wasm/wasmsocket_bg.wasm'))) {
  console.error('no pkg/: run `bash scripts/build.sh` first');
  process.exit(1);
}
if (canPin) spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const ws = JSON.parse(readFileSync(here('../node_modules/ws/package.json'), 'utf8')).version;
const deno = spawnSync(DENO, ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'deno ?';
// Unknown names fail before anything runs.
for (const impl of IMPLS) command(impl, 'plain');
for (const mode of MODES) if (mode !== 'plain' && mode !== 'deflate') throw new Error(`unknown mode ${mode} (plain, deflate)`);
let ok = true;
for (const mode of MODES) {
  console.log(`\n### ${mode === 'deflate' ? 'permessage-deflate offered (client_max_window_bits), 4 KiB JSON text compressed' : 'no extension offered, 4 KiB binary'}`);
  console.log(`node ${process.version}, ${deno}, ws ${ws}; ${os.cpus().length} cores, ${canPin ? 'servers on core 1, client on core 0 (taskset)' : 'not pinned'}; ` +
    `${opts.warmup} warm-up + ${opts.rounds} × ${opts.conns} open+close connections (median round), ${opts.idle} idle, ${opts.parallel} at a time`);
  console.log(`load average at start: ${loadavg()}\n`);
  const rows = [];
  for (const impl of IMPLS) {
    process.stderr.write(`  ${mode} ${impl} (load ${loadavg()}) ...\n`);
    rows.push(await measure(impl, mode));
  }
  const f = (v, d = 1) => (v === null ? '-' : v.toFixed(d));
  console.log('| server | µs/conn (open+close) | idle RSS KiB/conn | idle heap+external KiB/conn | wasm KiB/conn |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    if (!r.ok) { ok = false; console.log(`| ${r.impl} | FAILED: ${r.error} | | | |`); continue; }
    console.log(`| ${r.impl}${r.note ? ` (${r.note})` : ''} | ${f(r.userUs + r.systemUs, 0)} | ${f(r.rss)} | ${f(r.heapExt)} | ${f(r.wasm)} |`);
  }
  console.log('\ndetails: server | runtime | user µs/conn | system µs/conn | open+close conns/s (client wall) | idle V8 heapUsed KiB/conn | idle V8 heapTotal KiB/conn | µs/conn of each round');
  for (const r of rows.filter((x) => x.ok)) {
    console.log(`  ${r.impl} | ${r.runtime} | ${f(r.userUs, 0)} | ${f(r.systemUs, 0)} | ${f(r.connsPerSec, 0)} | ${f(r.heap)} | ${f(r.heapTotal)} | ${r.rounds.map((x) => x.toFixed(0)).join(' ')}`);
  }
  console.log(`\nload average at end: ${loadavg()}`);
}
process.exitCode = ok ? 0 : 1;
