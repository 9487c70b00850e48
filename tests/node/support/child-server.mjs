// A server in a child process (its memory is then its own to measure): starts a command that
// prints "listening on ws://HOST:PORT", reads its resident set size from /proc, stops it.
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Node arguments that let `collectedRss()` collect garbage first (support/gc-on-signal.mjs). */
export const GC_HOOK = ['--expose-gc', '--import', fileURLToPath(new URL('./gc-on-signal.mjs', import.meta.url))];

/** Starts `args` under `node`; resolves with { child, port, rss(), stop() } once it listens. */
export function startChildServer(args, { timeout = 10000, execPath = process.execPath, nodeArgs = GC_HOOK } = {}) {
  const reportDir = mkdtempSync(join(tmpdir(), 'wasmsocket-memory-'));
  const report = join(reportDir, 'report.json');
  const child = spawn(execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, WASMSOCKET_MEMORY_REPORT: report } });
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
        /** Where the memory was at the last collectedRss(): { heapUsed, external, arrayBuffers, wasm } in bytes. */
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

/** VmRSS of a process, in bytes. */
export function residentBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

export const MiB = 1024 * 1024;
export const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;
