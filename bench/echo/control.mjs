// The line protocol of bench/echo.mjs's servers, the same in Node (echo.mjs --server) and in
// Deno (./deno-server.ts). The server prints {"event":"listening","port":N,...} once; then:
//   start -> {"event":"started"}     after noting its CPU time, clock, message counters,
//                                    /proc/self/io (Node only) and context switches
//   stop  -> {"event":"stopped",...} the differences since `start`
//   quit  -> exits (process.exit, so that node --cpu-prof writes its profile). End of stdin exits too.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { reply, stdinLines } from '../connect/control.mjs';

const isDeno = typeof globalThis.Deno !== 'undefined';

/**
 * This process's read/readv and write/writev system calls so far (/proc/self/io syscr, syscw),
 * or null on Deno: it lets a program read /proc/self only with --allow-all, and it reads and
 * writes sockets with recvfrom/sendto, which syscr/syscw do not count anyway.
 */
function readProcIo() {
  if (isDeno) return null;
  try {
    const io = Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\n').map((l) => l.split(/:\s*/)).map(([k, v]) => [k, Number(v)]));
    return { syscr: io.syscr, syscw: io.syscw };
  } catch {
    return null;
  }
}

/**
 * Context switches of the whole process: voluntary (it blocked, e.g. waiting for input),
 * involuntary (preempted); and its minor page faults (memory touched for the first time since
 * the allocator got it from the kernel, or again after it gave it back).
 */
function contextSwitches() {
  const ru = process.resourceUsage();
  return { voluntary: ru.voluntaryContextSwitches, involuntary: ru.involuntaryContextSwitches, faults: ru.minorPageFault };
}

const delta = (a, b) => a && b && Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - a[k]]));

/**
 * Announces `port` (with `info`) and answers start/stop/quit until quit or end of stdin.
 * @param {object} o
 * @param {number} o.port
 * @param {object} [o.info] more fields for the `listening` line
 * @param {{ messages: number, bytes: number, unsized?: number }} o.stats the handler's counters:
 *   messages echoed, their bytes, and how many of them it did not count the bytes of (then
 *   `stopped` reports bytes: null)
 * @param {() => { calls: object | null, sock: object | null }} [o.counters] --count-calls counters
 * @param {() => void} [o.close] before exiting on `quit`
 */
export async function echoControl({ port, info = {}, stats, counters = () => ({ calls: null, sock: null }), close = () => {} }) {
  const snapshot = () => ({
    hr: process.hrtime.bigint(), cpu: process.cpuUsage(), io: readProcIo(), ru: contextSwitches(),
    messages: stats.messages, bytes: stats.bytes, unsized: stats.unsized ?? 0, ...counters(),
  });
  let start = null;
  reply({ event: 'listening', port, ...info });
  for await (const cmd of stdinLines()) {
    if (cmd === 'start') {
      start = snapshot();
      reply({ event: 'started' });
    } else if (cmd === 'stop') {
      const end = snapshot();
      reply({
        event: 'stopped',
        userUs: end.cpu.user - start.cpu.user,
        systemUs: end.cpu.system - start.cpu.system,
        wallNs: Number(end.hr - start.hr),
        // hrtime µs, the clock of --cpu-prof's timestamps: the window to summarise.
        windowUs: [Number(start.hr / 1000n), Number(end.hr / 1000n)],
        messages: end.messages - start.messages,
        bytes: end.unsized > start.unsized ? null : end.bytes - start.bytes,
        io: delta(start.io, end.io),
        ctx: delta(start.ru, end.ru),
        calls: delta(start.calls, end.calls),
        sock: delta(start.sock, end.sock),
      });
    } else if (cmd === 'quit') {
      close();
      process.exit(0);
    } else {
      reply({ event: 'error', message: `unknown command ${cmd}` });
    }
  }
  process.exit(0);
}
