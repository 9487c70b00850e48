// A server in a child process (its memory is then its own to measure): starts a command that
// prints "listening on ws://HOST:PORT", reads its resident set size from /proc, stops it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipUnlessCI } from '../../shared/missing.mjs';

/** Node arguments that let `collectedRss()` collect garbage first (support/gc-on-signal.mjs). */
export const GC_HOOK = ['--expose-gc', '--import', fileURLToPath(new URL('./gc-on-signal.mjs', import.meta.url))];

export const DENO = fileURLToPath(new URL('../../../node_modules/.bin/deno', import.meta.url));
/** Why a Deno child server cannot run here (false if it can); throws under CI=true. */
export const NO_DENO = skipUnlessCI(existsSync(DENO) ? false : 'node_modules/.bin/deno is not installed (scripts/setup.sh)');

/**
 * The runtimes a child server can run on: Node (the .mjs examples) and Deno (the .ts ones, with
 * the Deno version of the GC hook and only the permissions the server and the hook need).
 */
export const RUNTIMES = [
  {
    name: 'Node',
    script: (name) => `examples/${name}.mjs`,
    execPath: process.execPath,
    runtimeArgs: () => GC_HOOK,
    skip: false,
    // The Node transport frees each read chunk once the core copied it (transfer(0)), where Node
    // has ArrayBuffer.prototype.transfer (22+); Node 20 leaves them to the garbage collector.
    readsFreedAtOnce: typeof ArrayBuffer.prototype.transfer === 'function',
  },
  {
    name: 'Deno',
    script: (name) => `examples/${name}.ts`,
    execPath: DENO,
    runtimeArgs: (reportDir) => ['run', '--allow-net=127.0.0.1', '--allow-env=WASMSOCKET_MEMORY_REPORT', `--allow-write=${reportDir}`,
      '--v8-flags=--expose-gc', '--preload', fileURLToPath(new URL('./gc-on-signal-deno.mjs', import.meta.url))],
    skip: NO_DENO,
    // The Deno transport reads into one buffer again and again: no garbage per read.
    readsFreedAtOnce: true,
  },
];

/**
 * The runtimes the memory tests run their child servers on: both, unless
 * WASMSOCKET_CHILD_DENO=0 (scripts/test.sh sets it for the Node 22 and 24 runs of the suite: a
 * Deno server does not change with the Node that attacks it, so its cases run once, with Node 20).
 */
export const SERVER_RUNTIMES = process.env.WASMSOCKET_CHILD_DENO === '0' ? RUNTIMES.slice(0, 1) : RUNTIMES;

/**
 * Starts `args` under `node` (or `execPath` with `runtimeArgs(reportDir)` first, e.g. a RUNTIMES
 * entry); resolves with { child, port, rss(), collectedRss(), memoryReport(), stop() } once it listens.
 */
export function startChildServer(args, { timeout = 10000, execPath = process.execPath, runtimeArgs = () => GC_HOOK } = {}) {
  const reportDir = mkdtempSync(join(tmpdir(), 'wasmsocket-memory-'));
  const report = join(reportDir, 'report.json');
  const child = spawn(execPath, [...runtimeArgs(reportDir), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, WASMSOCKET_MEMORY_REPORT: report, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  child.once('exit', () => rmSync(reportDir, { recursive: true, force: true }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new Error(`${args.join(' ')} did not print its address in ${timeout} ms`)); }, timeout);
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const match = /listening on wss?:\/\/[^:\s]+:(\d+)/.exec(seen);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolve({
        child,
        port: Number(match[1]),
        rss: () => residentBytes(child.pid),
        /** RSS after a full garbage collection (with the GC_HOOK node arguments). */
        collectedRss: async () => {
          child.kill('SIGUSR2');
          await new Promise((done) => setTimeout(done, 300));
          return residentBytes(child.pid);
        },
        /**
         * Where the memory was at the last collectedRss(): { heapUsed, external, arrayBuffers, wasm }
         * in bytes (no arrayBuffers on Deno: see heldBuffers).
         */
        memoryReport: () => {
          try {
            return JSON.parse(readFileSync(report, 'utf8'));
          } catch {
            return null;
          }
        },
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.kill();
        }),
      });
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${args.join(' ')} exited with ${code} before listening`)); });
  });
}

/** The ArrayBuffers' memory in a memoryReport() (on Deno, V8's external memory, which counts them). */
export const heldBuffers = (parts) => parts.arrayBuffers ?? parts.external;

/** VmRSS of a process, in bytes. */
export function residentBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

export const MiB = 1024 * 1024;
export const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;
