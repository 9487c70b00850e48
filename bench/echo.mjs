// Echo benchmark: server CPU per message and messages per second for an echo server over real
// TCP sockets, wasmsocket (examples/echo-server.mjs's protocol) against ws's WebSocketServer,
// and on Deno wasmsocket (examples/echo-server.ts's protocol) against Deno's own
// Deno.upgradeWebSocket, compression off on all. Run by hand, not in CI:
//
//   bash scripts/build.sh && node bench/echo.mjs
//
// Every server runs in its own child process pinned to core 1 (`taskset -c 1`); one load client
// per server, the same code for all, runs in another child pinned to core 0. The client is a
// raw-socket client: it pre-builds masked frames and writes them in batches, keeping a bounded
// window of messages in flight on each of K connections, and checks every echo (opcode, size,
// and the content of a sample). The server measures its own CPU with process.cpuUsage() between
// a `start` and a `stop` line from the parent on stdin, around each measured round
// (bench/echo/control.mjs, the same in Node and in Deno); messages/s comes from the client's
// wall time. See bench/README.md for how to read the output.
//
// Children (the parent starts them; they can be run alone):
//   node bench/echo.mjs --server wasmsocket|ws|ws-bufferutil [--pkg DIR] [--count-calls]
//   deno run --no-prompt --allow-net=127.0.0.1 bench/echo/deno-server.ts deno-native|wasmsocket-deno
//     print {"event":"listening","port":N,...}; stdin lines: start, stop, quit
//   node bench/echo.mjs --client --port N --size BYTES --kind binary|text [--conns 4] [--window 128]
//     [--count N] [--seconds 5] [--warmup 1]
//     warms up, prints {"event":"ready"}; stdin lines: go (one measured round), quit
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatSummary, summarize } from './cpuprofile-summary.mjs';
import { ENV_CHILD, parseArgs } from './common.mjs';
import { echoControl } from './echo/control.mjs';
import { fillBinary, fillText, prng } from './payloads.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = join(dirname(SCRIPT), '..');
const PKG = join(ROOT, 'pkg');
const DENO = join(ROOT, 'node_modules/.bin/deno');
const DENO_SERVER = join(ROOT, 'bench/echo/deno-server.ts');
const require = createRequire(import.meta.url);

const IMPLS = {
  wasmsocket: 'wasmsocket on Node: WebSocketServerFactory + onMessage → sendMessage (examples/echo-server.mjs)',
  ws: 'ws WebSocketServer, on(message) → send, with WS_NO_BUFFER_UTIL=1 (JS unmask)',
  'ws-bufferutil': 'the same ws server with the bufferutil addon (native unmask ≥ 32 B)',
  'deno-native': 'Deno.serve + Deno.upgradeWebSocket, onmessage → send (bench/echo/deno-server.ts)',
  'wasmsocket-deno': 'wasmsocket on Deno: examples/echo-server.ts\'s protocol on pkg/deno.mjs (bench/echo/deno-server.ts)',
};
const SHORT = { wasmsocket: 'wasmsocket', ws: 'ws', 'ws-bufferutil': 'ws+bu', 'deno-native': 'deno', 'wasmsocket-deno': 'wasmsocket-deno' };
/** Servers that run on Deno (bench/echo/deno-server.ts), the rest on Node (this file's --server). */
const ON_DENO = new Set(['deno-native', 'wasmsocket-deno']);
/** Ratio columns, [mine, theirs]: wasmsocket on Node against every other server on Node and Deno's own; on Deno, against Deno's own. */
const RATIOS = [['wasmsocket', 'ws'], ['wasmsocket', 'ws-bufferutil'], ['wasmsocket', 'deno-native'], ['wasmsocket-deno', 'deno-native']];
// size × kind rows: binary at every size, text (UTF-8 validated by both servers) where
// per-message costs dominate.
const CELLS = [[32, 'binary'], [32, 'text'], [1024, 'binary'], [1024, 'text'], [64 * 1024, 'binary'], [1024 * 1024, 'binary']];
// Messages per measured round (all connections together): a few tenths of a second each.
const COUNT = { 32: 100_000, 1024: 50_000, [64 * 1024]: 2_000, [1024 * 1024]: 128 };
// In flight per connection: at most --window messages and at most this many bytes.
const WINDOW_BYTES = 4 << 20;
// The client checks the content of every SAMPLE-th echo (a prime, so that over a round every
// pre-built payload gets checked), and the opcode and size of every one.
const SAMPLE = 13;
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** 32, 1024, 1k, 64k, 64KiB, 1m, 1MiB → bytes. */
function parseSize(s) {
  const m = /^(\d+)\s*(k|kib|m|mib)?$/i.exec(String(s).trim());
  if (!m) throw new Error(`bad size ${s}`);
  const unit = (m[2] ?? '').toLowerCase();
  return Number(m[1]) * (unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1 << 20 : 1);
}

function fmtSize(n) {
  return n >= 1 << 20 ? `${n / (1 << 20)} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} B`;
}

// ---------------------------------------------------------------------------------------------
// Payloads: seeded, so every client sends the same bytes to every server (bench/payloads.mjs).

function headerLength(size, masked) {
  return 2 + (size < 126 ? 0 : size < 65536 ? 2 : 8) + (masked ? 4 : 0);
}

/** Window (messages in flight per connection) and batch (messages per write) for a size. */
function windowFor(size, window) {
  const frame = headerLength(size, true) + size;
  const batch = Math.max(1, Math.floor(Math.min(window, Math.floor(WINDOW_BYTES / frame)) / 2));
  return { window: 2 * batch, batch };
}

/** `batch` masked client frames of distinct payloads, in one buffer written as is. */
function buildBatch(size, kind, batch) {
  const rand = prng(0xec40 ^ size ^ (kind === 'text' ? 0x7e7 : 0xb1));
  const frameLen = headerLength(size, true) + size;
  const wire = Buffer.alloc(frameLen * batch);
  const payloads = [];
  for (let m = 0; m < batch; m++) {
    const payload = Buffer.alloc(size);
    if (kind === 'text') fillText(payload, rand);
    else fillBinary(payload, rand);
    payloads.push(payload);
    let at = m * frameLen;
    wire[at++] = 0x80 | (kind === 'text' ? 1 : 2);
    if (size < 126) wire[at++] = 0x80 | size;
    else if (size < 65536) { wire[at++] = 0x80 | 126; wire.writeUInt16BE(size, at); at += 2; }
    else { wire[at++] = 0x80 | 127; wire.writeBigUInt64BE(BigInt(size), at); at += 8; }
    const mask = [rand() & 0xff, rand() & 0xff, rand() & 0xff, rand() & 0xff];
    for (let j = 0; j < 4; j++) wire[at++] = mask[j];
    for (let j = 0; j < size; j++) wire[at + j] = payload[j] ^ mask[j & 3];
  }
  if (kind === 'text' && !require('node:buffer').isUtf8(Buffer.concat(payloads))) throw new Error('generated text is not UTF-8');
  return { wire, payloads };
}

// ---------------------------------------------------------------------------------------------
// Server child.

/** Wraps every method of a wasm-bindgen class prototype with a call counter. */
function countCalls(proto) {
  const calls = {};
  for (const name of Object.getOwnPropertyNames(proto)) {
    const desc = Object.getOwnPropertyDescriptor(proto, name);
    if (name === 'constructor' || typeof desc.value !== 'function') continue;
    const fn = desc.value;
    calls[name] = 0;
    proto[name] = function (...a) {
      calls[name]++;
      return fn.apply(this, a);
    };
  }
  return calls;
}

async function server(args) {
  const impl = args.server;
  const stats = { messages: 0, bytes: 0 };
  const counting = Boolean(args['count-calls']);
  let calls = null;
  let info = {};
  let netServer;
  let port;
  if (impl === 'wasmsocket') {
    const pkg = args.pkg ?? PKG;
    const mod = await import(pathToFileURL(join(pkg, 'node.mjs')).href);
    if (counting) calls = countCalls(mod.Connection.prototype);
    // examples/echo-server.mjs's protocol, plus the two counters.
    class EchoProtocol extends mod.WebSocketServerProtocol {
      onMessage(payload, isBinary) {
        stats.messages++;
        stats.bytes += payload.length;
        this.sendMessage(payload, isBinary);
      }
    }
    const factory = new mod.WebSocketServerFactory('ws://127.0.0.1');
    factory.protocol = EchoProtocol;
    const listener = await mod.listenWS(factory, { port: 0, host: '127.0.0.1' });
    netServer = listener.server;
    port = listener.port;
    const wasm = join(pkg, 'wasm/wasmsocket_bg.wasm');
    const named = WebAssembly.Module.customSections(new WebAssembly.Module(readFileSync(wasm)), 'name').length > 0;
    info = { wasmBytes: statSync(wasm).size, wasmNames: named, pkg };
  } else if (impl === 'ws' || impl === 'ws-bufferutil') {
    // ws picks its unmask at require time from WS_NO_BUFFER_UTIL, set by the parent.
    const { WebSocketServer } = await import('ws');
    const wsDir = dirname(require.resolve('ws'));
    const src = require(join(wsDir, 'lib/buffer-util.js')).unmask.toString();
    const unmask = src.includes('bufferUtil.unmask') ? 'bufferutil' : src.includes('websocketUnmask') ? 'node:http' : 'js';
    if (impl === 'ws-bufferutil' && unmask !== 'bufferutil') throw new Error('bufferutil is not in use (not installed?)');
    if (impl === 'ws' && unmask !== 'js') throw new Error(`expected ws's JS unmask, got ${unmask}`);
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => {
        stats.messages++;
        stats.bytes += data.length;
        ws.send(data, { binary: isBinary });
      });
      ws.on('error', () => {});
    });
    await new Promise((resolve, reject) => { wss.once('listening', resolve); wss.once('error', reject); });
    netServer = wss._server;
    port = wss.address().port;
    info = { ws: JSON.parse(readFileSync(join(wsDir, 'package.json'), 'utf8')).version, unmask };
  } else if (ON_DENO.has(impl)) {
    throw new Error(`${impl} runs on Deno: deno run --no-prompt --allow-net=127.0.0.1 ${DENO_SERVER} ${impl}`);
  } else {
    throw new Error(`unknown server ${impl} (known: ${Object.keys(IMPLS).join(', ')})`);
  }

  // --count-calls: also socket reads ('data' chunks) and write() calls, the same for every
  // implementation (a data listener and a write wrapper cost a little, so only in this mode).
  const sock = { reads: 0, readBytes: 0, writes: 0 };
  if (counting) {
    const write = net.Socket.prototype.write;
    net.Socket.prototype.write = function (...a) {
      sock.writes++;
      return write.apply(this, a);
    };
    netServer.on('connection', (s) => s.on('data', (chunk) => { sock.reads++; sock.readBytes += chunk.length; }));
  }

  await echoControl({
    port,
    stats,
    info: { impl, node: process.version, ...info },
    counters: () => ({ calls: calls && { ...calls }, sock: counting ? { ...sock } : null }),
    close: () => netServer.close(),
  });
}

// ---------------------------------------------------------------------------------------------
// Load client child: K raw-socket connections, pre-built masked frames written in batches,
// a bounded window of messages in flight per connection, every echo checked.

function handshake(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const key = randomBytes(16).toString('base64');
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('error', reject);
      const text = head.subarray(0, end).toString('latin1');
      const lines = text.split('\r\n');
      const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      if (!/^HTTP\/1\.1 101 /.test(lines[0])) return reject(new Error(`handshake refused: ${lines[0]}`));
      if (headers.get('sec-websocket-accept') !== accept) return reject(new Error('bad Sec-WebSocket-Accept'));
      // Compression off on both sides: the client offers none, and nothing may be negotiated.
      if (headers.has('sec-websocket-extensions')) return reject(new Error(`server negotiated extensions: ${headers.get('sec-websocket-extensions')}`));
      resolve({ socket, rest: head.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.setNoDelay(true);
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
  });
}

/**
 * Parses the echoes on one connection (unmasked server frames): every frame must be a final
 * frame of the expected opcode and size; every SAMPLE-th payload is compared with what was sent
 * (message i carried payload i % batch).
 */
class EchoReader {
  constructor(size, opcode, payloads, onMessage, onError) {
    this.size = size;
    this.opcode = opcode;
    this.payloads = payloads;
    this.onMessage = onMessage;
    this.onError = onError;
    this.partial = null;
    this.remaining = 0;
    this.inPayload = false;
    this.index = 0; // messages received on this connection, ever
    this.verify = null; // the expected payload while checking one
    this.verifyAt = 0;
    this.verified = 0;
  }

  feed(chunk) {
    if (this.partial) {
      chunk = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.inPayload) {
        const take = Math.min(this.remaining, n - i);
        if (this.verify) {
          if (this.verify.compare(chunk, i, i + take, this.verifyAt, this.verifyAt + take) !== 0) {
            return this.onError(new Error(`echo ${this.index} differs from the message sent`));
          }
          this.verifyAt += take;
        }
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.#done();
        continue;
      }
      if (n - i < 2) { this.partial = Buffer.from(chunk.subarray(i)); return; }
      const b0 = chunk[i];
      const b1 = chunk[i + 1];
      let len = b1 & 0x7f;
      const hl = len === 126 ? 4 : len === 127 ? 10 : 2;
      if (n - i < hl) { this.partial = Buffer.from(chunk.subarray(i)); return; }
      if (len === 126) len = chunk.readUInt16BE(i + 2);
      else if (len === 127) len = chunk.readUInt32BE(i + 2) * 2 ** 32 + chunk.readUInt32BE(i + 6);
      if (b0 !== (0x80 | this.opcode) || (b1 & 0x80) !== 0) {
        const what = (b0 & 15) === 8 && len >= 2 ? `close ${chunk.readUInt16BE(i + hl)} ${chunk.subarray(i + hl + 2, i + hl + len).toString()}` : `first bytes ${b0.toString(16)} ${b1.toString(16)}`;
        return this.onError(new Error(`echo ${this.index}: unexpected frame (${what})`));
      }
      if (len !== this.size) return this.onError(new Error(`echo ${this.index}: ${len} bytes, sent ${this.size}`));
      i += hl;
      this.verify = this.index % SAMPLE === 0 ? this.payloads[this.index % this.payloads.length] : null;
      this.verifyAt = 0;
      this.remaining = len;
      this.inPayload = true;
      if (len === 0) this.#done();
    }
  }

  #done() {
    this.inPayload = false;
    if (this.verify) this.verified++;
    this.verify = null;
    this.index++;
    this.onMessage();
  }
}

async function client(args) {
  const port = Number(args.port);
  const size = parseSize(args.size);
  const kind = args.kind ?? 'binary';
  const conns = Number(args.conns ?? 4);
  const { window, batch } = windowFor(size, Number(args.window ?? 128));
  const count = Number(args.count ?? COUNT[size] ?? Math.max(64, Math.ceil((128 << 20) / size)));
  const seconds = Number(args.seconds ?? 5);
  const warmupSeconds = Number(args.warmup ?? 1);
  // Whole batches per connection, so that message i always carried payload i % batch.
  const perConn = Math.max(1, Math.round(count / conns / batch)) * batch;
  const { wire, payloads } = buildBatch(size, kind, batch);
  const reply = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  const fail = (err) => {
    reply({ event: 'error', message: err.message });
    process.exit(1);
  };

  let round = null; // { deadline, resolve } while a round runs
  let quitting = false;
  const connections = [];
  for (let c = 0; c < conns; c++) {
    const { socket, rest } = await handshake(port);
    const conn = { socket, sent: 0, received: 0, target: 0 };
    conn.reader = new EchoReader(size, kind === 'text' ? 1 : 2, payloads, () => { conn.received++; }, fail);
    socket.on('data', (chunk) => {
      conn.reader.feed(chunk);
      if (round) { pump(conn); checkDone(); }
    });
    socket.on('error', fail);
    socket.on('close', () => { if (round || !quitting) fail(new Error('server closed the connection')); });
    if (rest.length) conn.reader.feed(rest);
    connections.push(conn);
  }

  function pump(conn) {
    if (round.deadline && performance.now() > round.deadline) conn.target = Math.min(conn.target, conn.sent);
    while (conn.sent < conn.target && conn.sent - conn.received + batch <= window) {
      conn.socket.write(wire);
      conn.sent += batch;
    }
  }

  function checkDone() {
    for (const conn of connections) if (conn.received < conn.target || conn.received < conn.sent) return;
    const r = round;
    round = null;
    r.resolve();
  }

  async function runRound(target, deadlineSeconds) {
    const verified0 = connections.reduce((s, c) => s + c.reader.verified, 0);
    for (const conn of connections) { conn.sent = 0; conn.received = 0; conn.target = target; }
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await new Promise((resolve) => {
      round = { deadline: performance.now() + deadlineSeconds * 1000, resolve };
      for (const conn of connections) pump(conn);
    });
    const wallNs = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(cpu0);
    const messages = connections.reduce((s, c) => s + c.received, 0);
    return {
      messages, bytes: messages * size, wallNs, cpuUs: cpu.user + cpu.system,
      verified: connections.reduce((s, c) => s + c.reader.verified, 0) - verified0,
      timedOut: messages < target * conns,
    };
  }

  // Warm-up: rounds of a quarter of the count until warmupSeconds have passed (at least 2).
  const warmUntil = performance.now() + warmupSeconds * 1000;
  let warmRounds = 0;
  let warmMessages = 0;
  while (warmRounds < 2 || performance.now() < warmUntil) {
    const r = await runRound(Math.max(batch, Math.round(perConn / 4 / batch) * batch), seconds);
    warmRounds++;
    warmMessages += r.messages;
  }
  reply({ event: 'ready', conns, window, batch, perConn, warmRounds, warmMessages });

  const rl = readline.createInterface({ input: process.stdin });
  let busy = Promise.resolve();
  rl.on('line', (line) => {
    const cmd = line.trim();
    if (cmd === 'go') {
      busy = busy.then(() => runRound(perConn, seconds)).then((r) => reply({ event: 'done', ...r }), fail);
    } else if (cmd === 'quit') {
      quitting = true;
      busy.then(() => {
        for (const conn of connections) conn.socket.destroy();
        process.exit(0);
      });
    }
  });
  rl.on('close', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// Parent.

/** A child process speaking JSON lines on stdout, taking command lines on stdin. */
class Child {
  constructor(label, cmd, argv, env) {
    this.label = label;
    this.proc = spawn(cmd, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.lines = [];
    this.waiters = [];
    this.stderr = '';
    this.exited = null;
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      let msg;
      try { msg = JSON.parse(line); } catch { msg = { event: 'output', line }; }
      if (this.waiters.length) this.waiters.shift().resolve(msg);
      else this.lines.push(msg);
    });
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    this.proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
      for (const w of this.waiters.splice(0)) w.reject(this.#died());
    });
    this.proc.stdin.on('error', () => {});
  }

  #died() {
    const lines = this.stderr.trim().split('\n');
    const why = lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.slice(-3).join(' | ');
    return new Error(`${this.label} exited (${this.exited.code ?? this.exited.signal})${why ? `: ${why}` : ''}`);
  }

  send(cmd) {
    this.proc.stdin.write(`${cmd}\n`);
  }

  /** The next JSON line, which must have `event` === `expected`. */
  async next(expected, timeoutMs = 120_000) {
    let msg;
    if (this.lines.length) msg = this.lines.shift();
    else if (this.exited) throw this.#died();
    else {
      let timer;
      msg = await new Promise((resolve, reject) => {
        this.waiters.push({ resolve, reject });
        timer = setTimeout(() => reject(new Error(`${this.label}: no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }).finally(() => clearTimeout(timer));
    }
    if (msg.event === 'error') throw new Error(`${this.label}: ${msg.message}`);
    if (msg.event !== expected) throw new Error(`${this.label}: expected ${expected}, got ${JSON.stringify(msg)}`);
    return msg;
  }

  async exit(timeoutMs = 30_000) {
    if (this.exited) return this.exited;
    this.send('quit');
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.proc.kill('SIGKILL'); }, timeoutMs);
      this.proc.on('exit', () => { clearTimeout(timer); resolve(this.exited); });
      if (this.exited) { clearTimeout(timer); resolve(this.exited); }
    });
  }

  kill() {
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}

const canPin = (() => {
  if (os.cpus().length < 2) return false;
  return spawnSync('taskset', ['-c', '0', 'true']).status === 0;
})();

/** A child running `cmd argv` (this script under node unless `cmd` is given), pinned to `core` when it can. */
function startChild(label, core, nodeArgs, args, extraEnv = {}, cmd = null) {
  const env = { ...process.env, ...ENV_CHILD };
  delete env.WS_NO_BUFFER_UTIL;
  Object.assign(env, extraEnv);
  const [exe, argv] = cmd ?? [process.execPath, [...nodeArgs, SCRIPT, ...args]];
  return canPin && core !== null
    ? new Child(label, 'taskset', ['-c', String(core), exe, ...argv], env)
    : new Child(label, exe, argv, env);
}

let denoVersionLine;
/** `deno --version`'s first line, or null when node_modules/.bin/deno does not run. */
function denoVersion() {
  if (denoVersionLine === undefined) {
    const res = spawnSync(DENO, ['--version'], { encoding: 'utf8' });
    denoVersionLine = res.status === 0 ? res.stdout.split('\n')[0] : null;
  }
  return denoVersionLine;
}

/** A server child: a Node server is this script with --server, a Deno one bench/echo/deno-server.ts. */
function startServer(impl, nodeArgs, serverArgs) {
  if (!ON_DENO.has(impl)) return startChild(`${impl} server`, 1, nodeArgs, ['--server', impl, ...serverArgs], serverEnv(impl));
  if (nodeArgs.length || serverArgs.length) throw new Error(`${impl} runs on Deno: no node flags or server options (--profile, --pkg, --count-calls)`);
  return startChild(`${impl} server`, 1, [], [], {}, [DENO, ['run', '--no-prompt', '--allow-net=127.0.0.1', DENO_SERVER, impl]]);
}

function serverEnv(impl) {
  return impl === 'ws' ? { WS_NO_BUFFER_UTIL: '1' } : {};
}

/** Core 1 busy time (all processes, including steal) from /proc/stat, in µs. */
function coreBusyUs(core) {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `));
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const ticks = f[0] + f[1] + f[2] + f[5] + f[6] + f[7]; // user nice system irq softirq steal
    return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Starts a server and its client for one cell; resolves when the client has warmed up. */
async function startPair(impl, size, kind, opts, { nodeArgs = [], serverArgs = [] } = {}) {
  const srv = startServer(impl, nodeArgs, serverArgs);
  let cli = null;
  try {
    const listening = await srv.next('listening');
    cli = startChild(`${impl} client`, 0, [], ['--client', '--port', String(listening.port), '--size', String(size), '--kind', kind,
      '--conns', String(opts.conns), '--window', String(opts.window), '--seconds', String(opts.seconds), '--warmup', String(opts.warmup),
      ...(opts.count ? ['--count', String(opts.count)] : [])]);
    const ready = await cli.next('ready', (opts.warmup + 10 * opts.seconds + 30) * 1000);
    return { impl, srv, cli, listening, ready };
  } catch (err) {
    srv.kill();
    cli?.kill();
    throw err;
  }
}

/** One measured round: server start → client go … done → server stop. */
async function measureRound(pair, opts) {
  const busy0 = coreBusyUs(1);
  pair.srv.send('start');
  await pair.srv.next('started');
  pair.cli.send('go');
  const done = await pair.cli.next('done', (10 * opts.seconds + 30) * 1000);
  pair.srv.send('stop');
  const stopped = await pair.srv.next('stopped');
  const busy1 = coreBusyUs(1);
  // Every echo the client counted was echoed by the server inside the window, and nothing else
  // (bytes: null when the server did not count them, deno-native's text).
  if (stopped.messages !== done.messages || (stopped.bytes !== null && stopped.bytes !== done.bytes)) {
    throw new Error(`${pair.impl}: server echoed ${stopped.messages} messages / ${stopped.bytes} bytes, client received ${done.messages} / ${done.bytes}`);
  }
  if (done.verified < Math.floor(done.messages / SAMPLE) - opts.conns) throw new Error(`${pair.impl}: only ${done.verified} echoes checked byte for byte`);
  const cpuUs = stopped.userUs + stopped.systemUs;
  const otherUs = busy0 !== null && busy1 !== null ? Math.max(0, busy1 - busy0 - cpuUs) : null;
  return {
    impl: pair.impl,
    messages: done.messages,
    bytes: done.bytes,
    verified: done.verified,
    timedOut: done.timedOut,
    wallNs: done.wallNs,
    serverWallNs: stopped.wallNs,
    windowUs: stopped.windowUs,
    cpuUs,
    userUs: stopped.userUs,
    systemUs: stopped.systemUs,
    clientCpuUs: done.cpuUs,
    io: stopped.io,
    ctx: stopped.ctx,
    calls: stopped.calls,
    sock: stopped.sock,
    otherUs,
    usPerMsg: cpuUs / done.messages,
    msgPerSec: done.messages / (done.wallNs / 1e9),
  };
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

function fmtRate(perSec) {
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)}M`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(1)}k`;
  return perSec.toFixed(1);
}

function fmtUs(us) {
  return us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2);
}

function table(header, rows, left = 2) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i < left ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return null;
  }
}

function bufferutilLoads() {
  try {
    return typeof require('bufferutil').unmask === 'function' ? packageVersion('bufferutil') : null;
  } catch {
    return null;
  }
}

function options(args) {
  return {
    conns: Number(args.conns ?? 4),
    window: Number(args.window ?? 128),
    seconds: Number(args.seconds ?? 5),
    warmup: Number(args.warmup ?? 1),
    rounds: Number(args.rounds ?? 5),
    count: args.count ? Number(args.count) : null,
  };
}

function checkBuilt() {
  if (!existsSync(join(PKG, 'wasm/wasmsocket_bg.wasm'))) {
    console.error(`no ${join(PKG, 'wasm/wasmsocket_bg.wasm')}: run \`bash scripts/build.sh\` first`);
    process.exit(1);
  }
}

function printHeader(title, opts, impls) {
  const bu = bufferutilLoads();
  console.log(title);
  console.log(`node ${process.version} (V8 ${process.versions.v8}), ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores`);
  console.log(`load average at start: ${loadavg()}`);
  console.log(`wasmsocket ${JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')).version}: wasm ${statSync(join(PKG, 'wasm/wasmsocket_bg.wasm')).size} bytes; ws ${packageVersion('ws')}; bufferutil ${bu ?? 'not installed'}` +
    `${impls.some((i) => ON_DENO.has(i)) ? `; ${denoVersion()}` : ''}`);
  console.log(canPin
    ? 'servers pinned to core 1 (taskset -c 1), load clients to core 0 (taskset -c 0)'
    : 'NOT pinned (taskset missing or one core): server and client share cores, server CPU/msg still valid, msgs/s less so');
  console.log(`children run with ${Object.entries(ENV_CHILD).map(([k, v]) => `${k}=${v}`).join(' ')}; compression off ` +
    '(client offers none; ws perMessageDeflate: false, wasmsocket-deno compression: null, Deno.upgradeWebSocket never negotiates one)');
  console.log(`client: raw sockets, ${opts.conns} connections, pre-built masked frames written in batches of half the window; ` +
    `window ${opts.window} messages (at most ${WINDOW_BYTES >> 20} MiB) in flight per connection`);
  console.log('columns:');
  const width = Math.max(...impls.map((i) => SHORT[i].length));
  for (const impl of impls) console.log(`  ${SHORT[impl].padEnd(width)} ${IMPLS[impl]}`);
}

async function parent(args) {
  checkBuilt();
  const opts = options(args);
  const bu = bufferutilLoads();
  let impls = args.impls ? String(args.impls).split(',') : Object.keys(IMPLS);
  for (const impl of impls) if (!IMPLS[impl]) throw new Error(`unknown implementation ${impl} (known: ${Object.keys(IMPLS).join(', ')})`);
  if (!bu && impls.includes('ws-bufferutil')) {
    console.log('note: bufferutil does not load: ws-bufferutil skipped');
    impls = impls.filter((i) => i !== 'ws-bufferutil');
  }
  if (!denoVersion() && impls.some((i) => ON_DENO.has(i))) {
    console.log(`note: no deno at ${DENO} (npm install): ${impls.filter((i) => ON_DENO.has(i)).join(', ')} skipped`);
    impls = impls.filter((i) => !ON_DENO.has(i));
  }
  const sizes = args.sizes ? String(args.sizes).split(',').map(parseSize) : null;
  const kinds = args.kinds ? String(args.kinds).split(',') : null;
  const cells = CELLS.filter(([s, k]) => (!sizes || sizes.includes(s)) && (!kinds || kinds.includes(k)));
  if (sizes) for (const s of sizes) for (const k of kinds ?? ['binary']) if (!cells.some(([cs, ck]) => cs === s && ck === k)) cells.push([s, k]);

  printHeader('wasmsocket echo benchmark: server CPU per echoed message and messages/s, over TCP on 127.0.0.1', opts, impls);
  console.log(`${opts.rounds} measured rounds per cell and implementation, interleaved across implementations, after ≥${opts.warmup} s of warm-up; ` +
    `a round stops sending after ${opts.seconds} s`);
  console.log(`NOISY: shared ${os.cpus().length}-core VM with other work running; "other%" (details) ≈ CPU time others took on the server's core during the rounds.`);

  const results = [];
  let failed = false;
  for (const [size, kind] of cells) {
    const pairs = [];
    const cellResults = new Map(impls.map((i) => [i, []]));
    try {
      for (const impl of impls) {
        process.stderr.write(`  ${fmtSize(size)} ${kind}: starting ${impl} (load ${loadavg()}) ...\n`);
        pairs.push(await startPair(impl, size, kind, opts));
      }
      for (let r = 0; r < opts.rounds; r++) {
        for (const pair of pairs) {
          const m = await measureRound(pair, opts);
          cellResults.get(pair.impl).push(m);
          process.stderr.write(`    round ${r + 1} ${pair.impl.padEnd(13)} ${fmtRate(m.msgPerSec).padStart(7)} msg/s ${fmtUs(m.usPerMsg).padStart(6)} µs/msg` +
            ` server ${((100 * m.cpuUs) / (m.wallNs / 1000)).toFixed(0)}% client ${((100 * m.clientCpuUs) / (m.wallNs / 1000)).toFixed(0)}%` +
            `${m.otherUs !== null ? ` other ${((100 * m.otherUs) / (m.wallNs / 1000)).toFixed(0)}%` : ''}${m.timedOut ? ' (time cap)' : ''}\n`);
        }
      }
      for (const [impl, rounds] of cellResults) results.push({ impl, size, kind, rounds, ready: pairs.find((p) => p.impl === impl).ready });
    } catch (err) {
      failed = true;
      process.stderr.write(`  ${fmtSize(size)} ${kind} FAILED: ${err.message}\n`);
      for (const impl of impls) results.push({ impl, size, kind, error: err.message });
    } finally {
      await Promise.all(pairs.map(async (p) => { await p.cli.exit(); await p.srv.exit(); }));
    }
  }
  printResults(results, cells, impls);
  console.log(`\nload average at end: ${loadavg()}`);
  if (args.json) writeJson(String(args.json), results, cells, impls);
  if (failed) {
    console.error('\nsome cells FAILED (see above)');
    process.exit(1);
  }
}

function summarizeCell(r) {
  if (!r || r.error) return null;
  const rounds = r.rounds;
  const per = (f) => rounds.map(f);
  const sum = (f) => rounds.reduce((s, x) => s + f(x), 0);
  const messages = sum((x) => x.messages);
  const wallUs = sum((x) => x.wallNs / 1000);
  return {
    bestUs: Math.min(...per((x) => x.usPerMsg)),
    medUs: median(per((x) => x.usPerMsg)),
    bestRate: Math.max(...per((x) => x.msgPerSec)),
    medRate: median(per((x) => x.msgPerSec)),
    userUs: median(per((x) => x.userUs / x.messages)),
    sysUs: median(per((x) => x.systemUs / x.messages)),
    serverPct: median(per((x) => (100 * x.cpuUs) / (x.wallNs / 1000))),
    clientPct: median(per((x) => (100 * x.clientCpuUs) / (x.wallNs / 1000))),
    otherPct: rounds.every((x) => x.otherUs !== null) ? (100 * sum((x) => x.otherUs)) / wallUs : null,
    reads: rounds[0].io ? sum((x) => x.io.syscr) / messages : null,
    writes: rounds[0].io ? sum((x) => x.io.syscw) / messages : null,
    blocks: (1000 * sum((x) => x.ctx.voluntary)) / messages,
    preempts: (1000 * sum((x) => x.ctx.involuntary)) / messages,
    faults: rounds.every((x) => Number.isFinite(x.ctx.faults)) ? sum((x) => x.ctx.faults) / messages : null,
    messages: rounds[0].messages,
    timedOut: rounds.some((x) => x.timedOut),
    runs: rounds.length,
  };
}

/** `--json FILE`: the median of each cell, for scripts/bench-chart.mjs. */
function writeJson(file, results, cells, impls) {
  const rows = [];
  for (const [size, kind] of cells) {
    for (const impl of impls) {
      const s = summarizeCell(results.find((r) => r.impl === impl && r.size === size && r.kind === kind));
      if (s) rows.push({ impl: SHORT[impl], size, kind, usPerMsg: s.medUs, msgPerSec: s.medRate, runs: s.runs });
    }
  }
  const versions = {
    node: process.version, ws: packageVersion('ws'), ...(impls.some((i) => ON_DENO.has(i)) ? { deno: denoVersion() } : {}),
    cores: os.cpus().length, date: new Date().toISOString().slice(0, 10), load: loadavg(),
  };
  writeFileSync(file, `${JSON.stringify({ benchmark: 'echo', versions, rows }, null, 1)}\n`);
  console.log(`wrote ${file}`);
}

function printResults(results, cells, impls) {
  const get = (impl, size, kind) => summarizeCell(results.find((r) => r.impl === impl && r.size === size && r.kind === kind));
  const ratios = RATIOS.filter(([mine, theirs]) => impls.includes(mine) && impls.includes(theirs));
  for (const which of ['best', 'median']) {
    const header = ['size', 'kind'];
    for (const impl of impls) header.push(`${SHORT[impl]} msg/s`, `${SHORT[impl]} µs/msg`);
    for (const [mine, theirs] of ratios) header.push(`cpu ${SHORT[mine]}/${SHORT[theirs]}`);
    const rows = [];
    for (const [size, kind] of cells) {
      const row = [fmtSize(size), kind];
      for (const impl of impls) {
        const s = get(impl, size, kind);
        if (!s) { row.push('FAILED', '-'); continue; }
        const bound = s.clientPct > 90 && s.serverPct < 85 ? '*' : '';
        row.push(`${fmtRate(which === 'best' ? s.bestRate : s.medRate)}${bound}${s.timedOut ? '!' : ''}`, fmtUs(which === 'best' ? s.bestUs : s.medUs));
      }
      for (const [a, b] of ratios) {
        const mine = get(a, size, kind);
        const theirs = get(b, size, kind);
        row.push(mine && theirs ? ((which === 'best' ? mine.bestUs : mine.medUs) / (which === 'best' ? theirs.bestUs : theirs.medUs)).toFixed(2) : '-');
      }
      rows.push(row);
    }
    console.log(`\n${which === 'best' ? 'Best round (highest msg/s, lowest µs/msg, each taken separately)' : 'Median round'}`);
    console.log(table(header, rows));
  }
  console.log('µs/msg = server CPU (user + system, all threads) per echoed message; msg/s = echoes per second at the client.');
  if (ratios.length) {
    console.log('cpu A/B = A µs/msg ÷ B µs/msg: ≤ 1.00 means A uses less CPU per message (wasmsocket = on Node, against each other server; ' +
      'wasmsocket-deno/deno = both on Deno).');
  }
  console.log('* = client near 100% CPU and server below 85%: msg/s is client-bound there (µs/msg still valid). ! = a round hit the time cap.');

  const header = ['size', 'kind', 'server', 'user µs', 'sys µs', 'server%', 'client%', 'other%', 'reads/msg', 'writes/msg', 'sleeps/kmsg', 'preempt/kmsg', 'faults/msg', 'msgs/round'];
  const rows = [];
  for (const [size, kind] of cells) {
    for (const impl of impls) {
      const s = get(impl, size, kind);
      if (!s) { rows.push([fmtSize(size), kind, SHORT[impl], 'FAILED', '', '', '', '', '', '', '', '', '', '']); continue; }
      rows.push([fmtSize(size), kind, SHORT[impl], fmtUs(s.userUs), fmtUs(s.sysUs), s.serverPct.toFixed(0), s.clientPct.toFixed(0),
        s.otherPct === null ? '?' : s.otherPct.toFixed(0), s.reads === null ? '?' : s.reads.toFixed(3), s.writes === null ? '?' : s.writes.toFixed(3),
        s.blocks.toFixed(1), s.preempts.toFixed(1), s.faults === null ? '?' : s.faults.toFixed(2), s.messages]);
    }
  }
  console.log('\nDetails (medians over rounds; server CPU split into user and system per message)');
  console.log(table(header, rows, 3));
  console.log('server% / client% = CPU time ÷ wall time of the round (100 = one core busy); other% ≈ core 1 time not charged to the server');
  console.log('  (other processes, steal), from /proc/stat\'s 100 Hz tick accounting: approximate, server% + other% can exceed 100');
  console.log('reads/msg, writes/msg = the server\'s read and write/writev system calls per message (/proc/self/io syscr, syscw)');
  console.log('sleeps/kmsg, preempt/kmsg = the server\'s voluntary (waited for input) and involuntary (preempted) context switches per 1000 messages');
  console.log('faults/msg = the server\'s minor page faults per message (4 KiB pages touched fresh: memory the allocator had given back to the kernel)');
  const any = results.find((r) => r.ready);
  if (any) {
    console.log(`every round: server and client message and byte counts equal, every echo's opcode and size checked, every ${SAMPLE}th compared byte for byte` +
      `${impls.includes('deno-native') && cells.some(([, k]) => k === 'text') ? ' (deno native text: message counts only, its handler gets strings)' : ''}`);
  }
  if (impls.some((i) => ON_DENO.has(i))) {
    console.log('Deno servers: reads/msg and writes/msg ? — Deno reads and writes sockets with recvfrom/sendto, which /proc/PID/io does not count ' +
      '(and reading /proc/self needs --allow-all)');
  }
}

// ---------------------------------------------------------------------------------------------
// --profile SIZE: one implementation (wasmsocket by default) under node --cpu-prof.

/** scripts/build.sh's wasm-opt arguments after -O3 (scripts/wasm-opt.args). */
const WASM_OPT_ARGS = readFileSync(join(ROOT, 'scripts/wasm-opt.args'), 'utf8').replace(/#.*/g, '').split(/\s+/).filter(Boolean);

/**
 * A copy of pkg/ whose wasm keeps its name section, so that wasm frames in the profile have
 * Rust names instead of wasm-function[N]: wasm-pack's un-optimised output (the same cargo
 * release build as scripts/build.sh) run through the same wasm-opt -O3 with -g added.
 * Returns the directory, or null (with a note) when that fails.
 */
function namedPkg(dir) {
  const env = { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${join(os.homedir(), '.cargo/bin')}:${process.env.PATH}` };
  const run = (cmd, argv) => {
    const res = spawnSync(cmd, argv, { cwd: ROOT, env, encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`${cmd} failed: ${(res.stderr || res.error?.message || '').trim().split('\n').slice(-3).join(' | ')}`);
  };
  try {
    const out = join(dir, 'wasm-pack');
    process.stderr.write('building a copy of pkg/ with wasm names kept (wasm-pack + wasm-opt -O3 -g, ~20 s) ...\n');
    run('wasm-pack', ['--quiet', 'build', '--target', 'web', '--release', '--no-pack', '--out-dir', out, '--out-name', 'wasmsocket', '--', '--features', 'stepped-allocator']);
    const pkg = join(dir, 'pkg');
    cpSync(PKG, pkg, { recursive: true });
    for (const f of readdirSync(out)) if (f !== '.gitignore') cpSync(join(out, f), join(pkg, 'wasm', f));
    run('wasm-opt', ['-O3', '-g', ...WASM_OPT_ARGS, join(out, 'wasmsocket_bg.wasm'), '-o', join(pkg, 'wasm/wasmsocket_bg.wasm')]);
    if (readFileSync(join(pkg, 'wasm/wasmsocket.js'), 'utf8') !== readFileSync(join(PKG, 'wasm/wasmsocket.js'), 'utf8')) {
      process.stderr.write('note: the wasm-bindgen glue differs from pkg/\'s: sources changed since scripts/build.sh; profiling the current sources\n');
    }
    return pkg;
  } catch (err) {
    process.stderr.write(`could not build named wasm (${err.message}); profiling pkg/ as is (wasm frames unnamed)\n`);
    return null;
  }
}

async function profileMode(args) {
  checkBuilt();
  const opts = options({ rounds: 3, ...args });
  const size = parseSize(args.profile === true ? 32 : args.profile);
  const kind = args.kind ?? 'binary';
  const impl = args['profile-impl'] ?? 'wasmsocket';
  if (!IMPLS[impl]) throw new Error(`unknown implementation ${impl}`);
  if (ON_DENO.has(impl)) throw new Error(`--profile runs node --cpu-prof: Node servers only, not ${impl}`);
  const top = Number(args.top ?? 25);
  const topTotal = Number(args['top-total'] ?? 20);
  const work = args['profile-dir'] ?? mkdtempSync(join(os.tmpdir(), 'wasmsocket-echo-profile-'));
  mkdirSync(work, { recursive: true });
  const pkg = impl === 'wasmsocket' && !args['no-names'] ? namedPkg(work) : null;
  const profDir = join(work, 'cpuprofile');
  rmSync(profDir, { recursive: true, force: true });
  const interval = Number(args['profile-interval'] ?? 100);

  printHeader(`wasmsocket echo benchmark --profile: ${impl}, ${fmtSize(size)} ${kind}`, opts, [impl]);
  console.log(`server under node --cpu-prof --cpu-prof-interval ${interval} (µs)${pkg ? `, with wasm names (${pkg})` : ''}; ${opts.rounds} rounds after warm-up; ` +
    'only samples inside the measured rounds are summarised');

  const serverArgs = pkg ? ['--pkg', pkg] : [];
  const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', 'server.cpuprofile', '--cpu-prof-interval', String(interval)];
  const pair = await startPair(impl, size, kind, opts, { nodeArgs, serverArgs });
  const rounds = [];
  try {
    for (let r = 0; r < opts.rounds; r++) rounds.push(await measureRound(pair, opts));
  } finally {
    await pair.cli.exit();
    await pair.srv.exit();
  }
  const file = join(profDir, 'server.cpuprofile');
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const messages = rounds.reduce((s, r) => s + r.messages, 0);
  const cpuUs = rounds.reduce((s, r) => s + r.cpuUs, 0);
  console.log(`\nprofiled: ${messages} messages in ${rounds.length} rounds, ${fmtUs(cpuUs / messages)} server µs/msg under the profiler ` +
    `(${fmtRate(median(rounds.map((r) => r.msgPerSec)))} msg/s median); profile: ${file}`);
  console.log(formatSummary(summarize(profile, { windows: rounds.map((r) => r.windowUs) }), { top, topTotal, messages }));

  // A second, unprofiled run with counters: wasm calls, socket reads and writes per message.
  if (!args['no-count']) {
    const counted = await startPair(impl, size, kind, { ...opts, warmup: Math.min(opts.warmup, 0.5) }, { serverArgs: [...serverArgs, '--count-calls'] });
    let m;
    try {
      m = await measureRound(counted, opts);
    } finally {
      await counted.cli.exit();
      await counted.srv.exit();
    }
    console.log(`\ncounted run (${m.messages} messages, no profiler, counters on: ${fmtUs(m.usPerMsg)} µs/msg):`);
    const per = (n) => (n / m.messages).toFixed(3);
    console.log(`  socket 'data' chunks ${per(m.sock.reads)}/msg (${(m.sock.readBytes / m.sock.reads / 1024).toFixed(1)} KiB each), socket.write() calls ${per(m.sock.writes)}/msg, ` +
      `read syscalls ${m.io ? per(m.io.syscr) : '?'}/msg, write/writev syscalls ${m.io ? per(m.io.syscw) : '?'}/msg`);
    if (m.calls) {
      const list = Object.entries(m.calls).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
      const total = list.reduce((s, [, n]) => s + n, 0);
      console.log(`  wasm calls (Connection methods) ${per(total)}/msg: ${list.map(([name, n]) => `${name} ${per(n)}`).join(', ')}`);
    }
  }
  console.log(`\nload average at end: ${loadavg()}`);
}

const args = parseArgs(process.argv.slice(2));
if (args.server) await server(args);
else if (args.client) await client(args);
else if (args.profile) await profileMode(args);
else await parent(args);
