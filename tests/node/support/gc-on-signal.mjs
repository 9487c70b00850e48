// Preloaded into a child server (`node --expose-gc --import this`): SIGUSR2 runs a full garbage
// collection, so a test can read the memory the server holds rather than garbage not yet
// collected (V8 collects ArrayBuffers lazily: a busy echo server carries megabytes of them).
// With WASMSOCKET_MEMORY_REPORT set, it then writes where the memory is (V8 heap, external,
// ArrayBuffers, wasm linear memory) to that file as JSON, for the test to print.
import { writeFileSync } from 'node:fs';

const report = process.env.WASMSOCKET_MEMORY_REPORT;

process.on('SIGUSR2', async () => {
  // Twice, apart: V8 frees ArrayBuffers' memory on a concurrent sweeper after the collection
  // that found them dead, so right after one gc() they may still be counted (Node 22 counted
  // megabytes of such echoes as arrayBuffers).
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  globalThis.gc?.();
  if (!report) return;
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  // The same module instance as the server's (same URL), so this is its wasm memory.
  const { wasmMemory } = await import('../../../pkg/node.mjs');
  writeFileSync(report, JSON.stringify({ heapUsed, external, arrayBuffers, wasm: wasmMemory().buffer.byteLength }));
});
