// Slow reader: a server's RSS while a peer that floods 64 KiB messages and never reads has
// stalled it (tests/interop/slow_reader.py, 4 KiB receive buffer), wasmsocket's echo server
// against ws's in the same run. Run by hand, not in CI:
//
//   node bench/slow-reader.mjs [--runs 3] [--deflate] [--deno] [--node PATH] [--trim] [--no-ws]
//
// Each run starts a fresh server in a child process, warms it up as
// tests/node/limits-slow-reader.test.mjs does (128 MiB echoed, then slow peers), reads RSS after
// a full collection (idle), sends one more peer and reads it again once that peer stalled.
// --trim calls glibc's malloc_trim(0) in the server (through gdb, which scripts/setup.sh does not
// install: apt's gdb) just before that peer: the heap then starts trimmed, which is the worst
// case for how much of the burst the stall keeps resident (bench/README.md, "slow-reader.mjs").
// --deno runs examples/echo-server.ts on Deno; --node runs the Node servers on another node.
// The ws column floods ws's echo server (bench/slow-reader/ws-echo.mjs) the same way: it never
// stops reading, so its row is the peer's whole 200 MiB.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GC_HOOK, MiB, RUNTIMES, startChildServer } from '../tests/node/support/child-server.mjs';
import { sleep } from '../tests/node/support/api.mjs';
import { slowReader, warmUp } from '../tests/node/support/slow-reader.mjs';
import { parseArgs } from './common.mjs';

const args = parseArgs(process.argv.slice(2));
const RUNS = Number(args.runs ?? 3);
const deflate = Boolean(args.deflate);
const path = (p) => fileURLToPath(new URL(p, import.meta.url));
const node = args.node ?? process.execPath;
const mib = (bytes) => (bytes / MiB).toFixed(1);
const signed = (bytes) => (bytes >= 0 ? '+' : '') + mib(bytes);

const SERVERS = {
  wasmsocket: () => (args.deno
    ? startChildServer([path('../examples/echo-server.ts'), '--port', '0'], RUNTIMES[1])
    : startChildServer([path('../examples/echo-server.mjs'), '--port', '0'], { execPath: node, runtimeArgs: () => GC_HOOK })),
  ws: () => startChildServer([path('slow-reader/ws-echo.mjs'), ...(deflate ? ['--deflate'] : [])], { execPath: node, runtimeArgs: () => GC_HOOK }),
};

/** RSS of the main heap ([heap] in /proc/PID/smaps), bytes. */
function heapRss(pid) {
  const text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const at = text.indexOf('[heap]');
  if (at < 0) return 0;
  return Number(/Rss:\s+(\d+) kB/.exec(text.slice(at))[1]) * 1024;
}

async function run(impl) {
  const server = await SERVERS[impl]();
  try {
    // As the test: a warm-up first (ws, which never stops reading, gets none).
    const warm = impl === 'wasmsocket' ? (await warmUp(server, deflate)).map(signed) : [];
    if (warm.length) await sleep(500);
    if (args.trim) execFileSync('gdb', ['-p', String(server.child.pid), '-batch', '-ex', 'call (int)malloc_trim(0)'], { stdio: 'ignore' });
    const idle = await server.collectedRss();
    const idleHeap = heapRss(server.child.pid);
    const peer = await slowReader(server.port, deflate);
    const stalled = await server.collectedRss();
    const heap = heapRss(server.child.pid) - idleHeap;
    await peer.leave();
    return { warm: warm.join(' '), idle, grew: stalled - idle, heap, sent: peer.sent };
  } finally {
    await server.stop();
  }
}

const impls = args.deno || args['no-ws'] ? ['wasmsocket'] : ['wasmsocket', 'ws'];
const where = args.deno ? 'Deno' : `Node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}`;
console.log(`slow reader, ${where}, ${deflate ? 'permessage-deflate' : 'no compression'}${args.trim ? ', heap trimmed before the peer (worst case)' : ''}; MiB`);
console.log('impl        run  warm-up peers (RSS each)   idle RSS  while stalled  of it [heap]  peer sent');
for (const impl of impls) {
  for (let i = 1; i <= RUNS; i++) {
    const r = await run(impl);
    console.log(`${impl.padEnd(11)} ${String(i).padStart(3)}  ${r.warm.padEnd(25)} ${mib(r.idle).padStart(9)}  ${signed(r.grew).padStart(13)}  ${signed(r.heap).padStart(12)}  ${mib(r.sent).padStart(9)}`);
  }
}
