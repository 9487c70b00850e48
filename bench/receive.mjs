// Receive-path micro-benchmark: parse + unmask + UTF-8 validate + deliver to JS, server role
// (masked client frames), wasmsocket against ws's own Receiver. Run by hand, not in CI:
//
//   bash scripts/build.sh && node bench/receive.mjs
//
// The parent process spawns one child per (implementation, size, kind, chunking) so that JIT
// state, heap and ws's require-time choices do not leak between measurements, then prints the
// table. A child can be run alone (it prints one JSON line):
//
//   node bench/receive.mjs --impl wire --size 32 --kind text --chunking socket
//
// (run it so with the parent's GLIBC_TUNABLES, below, and WS_NO_BUFFER_UTIL=1 for --impl ws).
// Add `--profile out.cpuprofile` to a child to profile its timed work. Parent options:
// `--sizes 32,1024`, `--impls wire,ws`, `--seconds 1` (timed time per cell), `--no-per-message`.
// See bench/README.md for how to read the output.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_CHILD, parseArgs } from './common.mjs';
import { fillBinary, fillText, prng } from './payloads.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = join(dirname(SCRIPT), '..');
const WASM = join(ROOT, 'pkg/wasm/wasmsocket_bg.wasm');
const require = createRequire(import.meta.url);

const IMPLS = {
  wire: 'wasmsocket Wire.receive',
  raw: 'wasmsocket raw (no copy-out)',
  ws: 'ws Receiver (JS unmask)',
  'ws-bufferutil': 'ws Receiver + bufferutil',
};
const SIZES = [32, 1024, 64 * 1024, 1024 * 1024];
const KINDS = ['text', 'binary'];
// Messages per timed run: ~2 MiB of payload at 32 B (where per-message costs dominate),
// 8 MiB above, so that one run takes milliseconds to tens of milliseconds.
const COUNT = { 32: 65536, 1024: 8192, [64 * 1024]: 128, [1024 * 1024]: 8 };
const SOCKET_CHUNK = 64 * 1024;
// Sizes also measured with one message per chunk (a socket read per small message).
const PER_MESSAGE_SIZES = [32, 1024];

// ---------------------------------------------------------------------------------------------
// Input: N single-frame masked messages, generated from a fixed seed so that every child
// builds byte-identical input (checked by the parent through a fingerprint).

function headerLength(size) {
  return 2 + (size < 126 ? 0 : size < 65536 ? 2 : 8) + 4;
}

/** `{ wire, frames: [offset, length][], payloads }` for `count` masked frames of `size` bytes. */
function makeInput(size, kind, count) {
  const rand = prng(0x5eed ^ size ^ (kind === 'text' ? 0x7e7 : 0xb1));
  const payloads = Buffer.alloc(size * count);
  const frameLen = headerLength(size) + size;
  const wire = Buffer.alloc(frameLen * count);
  const frames = [];
  for (let m = 0; m < count; m++) {
    const payload = payloads.subarray(m * size, (m + 1) * size);
    if (kind === 'text') fillText(payload, rand);
    else fillBinary(payload, rand);
    let at = m * frameLen;
    frames.push([at, frameLen]);
    wire[at++] = 0x80 | (kind === 'text' ? 1 : 2);
    if (size < 126) wire[at++] = 0x80 | size;
    else if (size < 65536) { wire[at++] = 0x80 | 126; wire.writeUInt16BE(size, at); at += 2; }
    else { wire[at++] = 0x80 | 127; wire.writeBigUInt64BE(BigInt(size), at); at += 8; }
    const mask = [rand() & 0xff, rand() & 0xff, rand() & 0xff, rand() & 0xff];
    for (let j = 0; j < 4; j++) wire[at++] = mask[j];
    for (let j = 0; j < size; j++) wire[at + j] = payload[j] ^ mask[j & 3];
  }
  if (kind === 'text' && !require('node:buffer').isUtf8(payloads)) throw new Error('generated text is not UTF-8');
  return { wire, frames, payloads };
}

/** Chunk boundaries over the wire buffer: fixed 64 KiB pieces, or one per frame. */
function chunkBounds(input, chunking) {
  if (chunking === 'message') return input.frames;
  const bounds = [];
  for (let at = 0; at < input.wire.length; at += SOCKET_CHUNK) {
    bounds.push([at, Math.min(SOCKET_CHUNK, input.wire.length - at)]);
  }
  return bounds;
}

/**
 * The chunks of one run, as views into a fresh copy of the input: ws unmasks payloads in
 * place in the buffers it is given (so it cannot be fed the same buffers twice), and every
 * implementation gets the same treatment so they start from the same cache state, like data
 * a socket just read.
 */
function freshChunks(input, bounds) {
  const copy = Buffer.allocUnsafeSlow(input.wire.length);
  input.wire.copy(copy);
  return bounds.map(([at, len]) => copy.subarray(at, at + len));
}

// ---------------------------------------------------------------------------------------------
// Implementations. Each `make(kind, sink)` returns `feed(chunk)`; `sink.count`/`sink.bytes`
// count the delivered messages, and `sink.check(data)` (only during the verification pass)
// receives each delivered payload.

async function makeImpl(name, kind) {
  const wantBinary = kind === 'binary';
  if (name === 'wire' || name === 'raw') {
    const { Wire, Connection, wasmMemory, headerPtr } = await import('../pkg/node.mjs');
    const expectKind = wantBinary ? 2 : 1;
    if (name === 'wire') {
      const wire = new Wire('server', {}, { open: true, alloc: (n) => Buffer.allocUnsafe(n) });
      const type = wantBinary ? 'binary' : 'text';
      return {
        info: {},
        feed(chunk, sink) {
          const events = wire.receive(chunk);
          for (let i = 0; i < events.length; i++) {
            const e = events[i];
            if (e.type !== type) throw new Error(`unexpected event ${JSON.stringify(e)}`);
            sink.count++;
            sink.bytes += e.data.length;
            if (sink.check) sink.check(e.data);
          }
        },
      };
    }
    // raw: the same calls Wire.receive makes (fresh memory views after inputSpace, as memory can
    // grow), reading the event records but not copying the payload out of wasm memory.
    const core = Connection.newOpen('server', {}, globalThis.crypto.getRandomValues(new Uint8Array(32)));
    return {
      info: {},
      feed(chunk, sink) {
        const ptr = core.inputSpace(chunk.length);
        new Uint8Array(wasmMemory().buffer).set(chunk, ptr);
        core.commitInput(chunk.length);
        // The call header (src/wasm/batch.rs): [status, outputPtr, outputLen, recordsPtr, eventCount].
        const header = new Uint32Array(wasmMemory().buffer, headerPtr(), 5);
        const n = header[4];
        if (n === 0) return;
        const records = new Uint32Array(wasmMemory().buffer, header[3], n * 4);
        for (let i = 0; i < n; i++) {
          const at = i * 4;
          if (records[at] !== expectKind) throw new Error(`unexpected event kind ${records[at]}`);
          sink.count++;
          sink.bytes += records[at + 3];
          if (sink.check) sink.check(new Uint8Array(wasmMemory().buffer, records[at + 2], records[at + 3]));
        }
      },
    };
  }
  if (name === 'ws' || name === 'ws-bufferutil') {
    // ws picks its unmask at require time from WS_NO_BUFFER_UTIL, set by the parent.
    const { Receiver } = await import('ws');
    const wsDir = dirname(require.resolve('ws'));
    const bufferUtil = require(join(wsDir, 'lib/buffer-util.js'));
    const src = bufferUtil.unmask.toString();
    const unmask = src.includes('bufferUtil.unmask') ? 'bufferutil' : src.includes('websocketUnmask') ? 'node:http' : 'js';
    if (name === 'ws-bufferutil' && unmask !== 'bufferutil') throw new Error('bufferutil is not in use (not installed?)');
    if (name === 'ws' && unmask !== 'js') throw new Error(`expected ws's JS unmask, got ${unmask}`);
    const wsVersion = JSON.parse(readFileSync(join(wsDir, 'package.json'), 'utf8')).version;
    const receiver = new Receiver({ isServer: true, maxPayload: 0 });
    let sink = null;
    let error = null;
    receiver.on('message', (data, isBinary) => {
      if (isBinary !== wantBinary) throw new Error('unexpected message kind');
      sink.count++;
      sink.bytes += data.length;
      if (sink.check) sink.check(data);
    });
    receiver.on('error', (err) => { error = err; });
    return {
      info: { ws: wsVersion, unmask },
      feed(chunk, s) {
        sink = s;
        receiver.write(chunk);
        if (error) throw error;
      },
    };
  }
  throw new Error(`unknown implementation ${name}`);
}

// ---------------------------------------------------------------------------------------------
// Child: one implementation, one size, one kind, one chunking.

async function child(args) {
  const size = Number(args.size);
  const kind = args.kind ?? 'text';
  const chunking = args.chunking ?? 'socket';
  const seconds = Number(args.seconds ?? 1);
  const count = Number(args.count ?? COUNT[size] ?? Math.max(8, Math.ceil((8 << 20) / size)));
  if (!KINDS.includes(kind)) throw new Error(`--kind must be text or binary`);
  if (!['socket', 'message'].includes(chunking)) throw new Error(`--chunking must be socket or message`);

  const input = makeInput(size, kind, count);
  const bounds = chunkBounds(input, chunking);
  const fingerprint = createHash('sha256').update(input.wire).digest('hex').slice(0, 16);
  const impl = await makeImpl(args.impl, kind);
  const totalBytes = size * count;

  const runOnce = (check, prepared = null) => {
    const chunks = prepared ?? freshChunks(input, bounds);
    const sink = { count: 0, bytes: 0, check };
    if (!prepared) globalThis.gc?.();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < chunks.length; i++) impl.feed(chunks[i], sink);
    const ns = Number(process.hrtime.bigint() - t0);
    // Messages must have been delivered synchronously and completely: a run that delivered
    // fewer (or more) messages or bytes measured something else.
    if (sink.count !== count || sink.bytes !== totalBytes) {
      throw new Error(`${args.impl}: delivered ${sink.count} messages / ${sink.bytes} bytes, expected ${count} / ${totalBytes}`);
    }
    return ns;
  };

  // Verification pass: every payload, in order, byte for byte.
  let m = 0;
  runOnce((data) => {
    const expected = input.payloads.subarray(m * size, (m + 1) * size);
    if (Buffer.compare(Buffer.from(data.buffer, data.byteOffset, data.byteLength), expected) !== 0) {
      throw new Error(`${args.impl}: message ${m} differs from what was sent`);
    }
    m++;
  });
  if (m !== count) throw new Error(`${args.impl}: verification saw ${m} messages`);

  // Warm-up, then timed runs: at least 5 and about `seconds` of measured time.
  const warmUntil = performance.now() + Math.max(200, seconds * 300);
  let warm = 0;
  while (warm < 3 || performance.now() < warmUntil) { runOnce(null); warm++; }
  const times = [];
  let spent = 0;
  while ((times.length < 5 || spent < seconds * 1e9) && times.length < 500) {
    const ns = runOnce(null);
    times.push(ns);
    spent += ns;
  }
  if (args.profile) await profile(args, () => freshChunks(input, bounds), runOnce);
  times.sort((a, b) => a - b);
  const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
  const result = {
    impl: args.impl, size, kind, chunking, count, chunks: bounds.length, bytes: totalBytes, fingerprint,
    runs: times.length, warmRuns: warm, bestNs: times[0], medianNs: median, worstNs: times[times.length - 1],
    node: process.version, glibcTunables: process.env.GLIBC_TUNABLES ?? null, ...impl.info,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

/**
 * `--profile FILE`: after the timed runs, samples (V8 CPU profiler, 100 µs) ~20 more runs fed
 * back to back from inputs copied beforehand and without the gc() calls, so that the profile
 * holds only the measured work (and the garbage collection it causes). Writes FILE
 * (.cpuprofile, for Chrome DevTools) and prints the top self-time functions to stderr. Wasm
 * functions are named only if the wasm keeps its name section (see bench/README.md).
 */
async function profile(args, prepare, runOnce) {
  const runs = Number(args['profile-runs'] ?? 20);
  const inputs = Array.from({ length: runs }, prepare);
  globalThis.gc?.();
  const session = new Session();
  session.connect();
  const post = (method, params = {}) => new Promise((resolve, reject) => {
    session.post(method, params, (err, res) => (err ? reject(err) : resolve(res)));
  });
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
  for (const chunks of inputs) runOnce(null, chunks);
  const { profile: prof } = await post('Profiler.stop');
  session.disconnect();
  writeFileSync(args.profile, JSON.stringify(prof));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  // As DevTools does: sample i lasts until sample i + 1. The last one is the Profiler.stop call.
  for (let i = 0; i + 1 < prof.samples.length; i++) {
    const { functionName, url, lineNumber } = byId.get(prof.samples[i]).callFrame;
    const file = url.replace(/^.*\//, '');
    const key = `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
    const us = prof.timeDeltas[i + 1];
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  }
  const lines = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(args['profile-top'] ?? 25))
    .map(([key, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(1).padStart(7)} ms  ${key}`);
  process.stderr.write(`profile of ${runs} runs (${(total / 1000).toFixed(0)} ms sampled), self time:\n${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------
// Parent: spawns the children, prints the tables.

function bufferutilLoads() {
  try {
    const bu = require('bufferutil');
    return typeof bu.unmask === 'function' ? JSON.parse(readFileSync(require.resolve('bufferutil/package.json'), 'utf8')).version : null;
  } catch {
    return null;
  }
}

function runChild(impl, size, kind, chunking, seconds) {
  const env = { ...process.env, ...ENV_CHILD };
  delete env.WS_NO_BUFFER_UTIL;
  if (impl === 'ws') env.WS_NO_BUFFER_UTIL = '1';
  const argv = ['--expose-gc', SCRIPT, '--impl', impl, '--size', String(size), '--kind', kind, '--chunking', chunking, '--seconds', String(seconds)];
  const res = spawnSync(process.execPath, argv, { env, encoding: 'utf8', maxBuffer: 16 << 20 });
  const line = res.stdout.trim().split('\n').pop();
  if (res.status !== 0 || !line) {
    const lines = (res.stderr || `exit ${res.status}`).trim().split('\n');
    return { error: lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.slice(0, 4).join(' | ') };
  }
  return JSON.parse(line);
}

function fmtSize(n) {
  return n >= 1 << 20 ? `${n / (1 << 20)} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} B`;
}
function fmtRate(perSec) {
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)}M`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(1)}k`;
  return perSec.toFixed(1);
}
const mbps = (r, ns) => r.bytes / 1e6 / (ns / 1e9);
const msgps = (r, ns) => r.count / (ns / 1e9);

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function printTables(title, results, impls, sizes) {
  const get = (impl, size, kind) => results.find((r) => r.impl === impl && r.size === size && r.kind === kind);
  const ratioPairs = [['wire', 'ws'], ['wire', 'ws-bufferutil'], ['raw', 'ws']].filter(([a, b]) => impls.includes(a) && impls.includes(b));
  const header = ['size', 'kind'];
  for (const impl of impls) header.push(`${impl} MB/s`, `${impl} msg/s`);
  for (const [a, b] of ratioPairs) header.push(`${a}/${b}`);
  const rows = [];
  const medRows = [];
  for (const size of sizes) {
    for (const kind of KINDS) {
      const row = [fmtSize(size), kind];
      const med = [fmtSize(size), kind];
      for (const impl of impls) {
        const r = get(impl, size, kind);
        if (!r || r.error) { row.push('FAILED', '-'); med.push('FAILED', '-'); continue; }
        row.push(mbps(r, r.bestNs).toFixed(0), fmtRate(msgps(r, r.bestNs)));
        med.push(`${mbps(r, r.medianNs).toFixed(0)}`, `${r.runs}`);
      }
      for (const [a, b] of ratioPairs) {
        const ra = get(a, size, kind);
        const rb = get(b, size, kind);
        const ok = ra && rb && !ra.error && !rb.error;
        row.push(ok ? (rb.bestNs / ra.bestNs).toFixed(2) : '-');
        med.push(ok ? (rb.medianNs / ra.medianNs).toFixed(2) : '-');
      }
      rows.push(row);
      medRows.push(med);
    }
  }
  console.log(`\n${title} — best run`);
  console.log(table(header, rows));
  const medHeader = ['size', 'kind'];
  for (const impl of impls) medHeader.push(`${impl} MB/s`, 'runs');
  for (const [a, b] of ratioPairs) medHeader.push(`${a}/${b}`);
  console.log(`\n${title} — median run`);
  console.log(table(medHeader, medRows));
}

async function parent(args) {
  const seconds = Number(args.seconds ?? 1);
  const sizes = args.sizes ? String(args.sizes).split(',').map(Number) : SIZES;
  const bu = bufferutilLoads();
  let impls = args.impls ? String(args.impls).split(',') : Object.keys(IMPLS);
  for (const impl of impls) if (!IMPLS[impl]) throw new Error(`unknown implementation ${impl} (known: ${Object.keys(IMPLS).join(', ')})`);
  if (!bu) impls = impls.filter((i) => i !== 'ws-bufferutil');
  let wasmSize;
  try {
    wasmSize = statSync(WASM).size;
  } catch {
    console.error(`no ${WASM}: run \`bash scripts/build.sh\` first`);
    process.exit(1);
  }
  const wsVersion = JSON.parse(readFileSync(join(dirname(require.resolve('ws')), 'package.json'), 'utf8')).version;
  const pkgVersion = JSON.parse(readFileSync(join(ROOT, 'pkg/package.json'), 'utf8')).version;

  console.log('wasmsocket receive benchmark: parse + unmask + UTF-8 validate + deliver to JS, server role');
  console.log(`node ${process.version} (V8 ${process.versions.v8}), ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`wasmsocket ${pkgVersion}: wasm ${wasmSize} bytes (${WASM.slice(ROOT.length + 1)})`);
  console.log(`ws ${wsVersion}; bufferutil: ${bu ? `${bu} loaded, used by the ws-bufferutil column (ws column runs with WS_NO_BUFFER_UTIL=1)` : 'not installed, ws-bufferutil column skipped'}`);
  console.log(`children run with ${Object.entries(ENV_CHILD).map(([k, v]) => `${k}=${v}`).join(' ')}, --expose-gc (gc() before each run)`);
  console.log('columns:');
  for (const impl of impls) console.log(`  ${impl.padEnd(14)} ${IMPLS[impl]}`);
  console.log('  MB/s = payload bytes (10^6) per second; a/b = throughput ratio, >1 means a is faster');
  console.log(`NOISY: shared ${os.cpus().length}-core VM; ~${seconds} s of timed runs per cell after warm-up; trust differences of 2x, not 10%.`);

  const plan = [['socket', sizes]];
  const perMessage = sizes.filter((s) => PER_MESSAGE_SIZES.includes(s));
  if (perMessage.length && !args['no-per-message']) plan.push(['message', perMessage]);

  let failed = false;
  const fingerprints = new Map();
  for (const [chunking, planSizes] of plan) {
    const results = [];
    for (const size of planSizes) {
      for (const kind of KINDS) {
        for (const impl of impls) {
          process.stderr.write(`  ${chunking} ${fmtSize(size)} ${kind} ${impl} ...`);
          const r = { impl, size, kind, ...runChild(impl, size, kind, chunking, seconds) };
          process.stderr.write(r.error ? ` FAILED: ${r.error}\n` : ` ${mbps(r, r.bestNs).toFixed(0)} MB/s\n`);
          if (r.error) failed = true;
          else {
            const key = `${chunking}/${size}/${kind}`;
            if (fingerprints.has(key) && fingerprints.get(key) !== r.fingerprint) {
              r.error = 'input differs from the other implementations';
              failed = true;
            }
            fingerprints.set(key, r.fingerprint);
          }
          results.push(r);
        }
      }
    }
    const any = results.find((r) => !r.error);
    const title = chunking === 'socket'
      ? `Input cut into ${SOCKET_CHUNK / 1024} KiB socket-sized chunks (messages straddle chunks)`
      : 'One message per chunk (one receive call per message)';
    printTables(title, results, impls, planSizes);
    if (any) {
      const counts = planSizes.map((s) => `${fmtSize(s)}: ${results.find((r) => r.size === s && !r.error)?.count ?? '?'}`).join(', ');
      console.log(`messages per run: ${counts}; every run checked for exactly that many messages and bytes, first run byte for byte`);
    }
  }
  if (failed) {
    console.error('\nsome measurements FAILED (see above)');
    process.exit(1);
  }
}

const args = parseArgs(process.argv.slice(2));
if (args.impl) await child(args);
else await parent(args);
