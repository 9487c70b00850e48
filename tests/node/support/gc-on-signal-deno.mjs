// support/gc-on-signal.mjs for a child server on Deno (`deno run --v8-flags=--expose-gc
// --preload this`): SIGUSR2 runs a full garbage collection (twice, 100 ms apart, for the same
// reason), then, with WASMSOCKET_MEMORY_REPORT set, writes where the memory is to that file.
// Deno.memoryUsage() has no `arrayBuffers`: its `external` (which counts ArrayBuffers' memory,
// and a little more) stands for them.
const report = Deno.env.get('WASMSOCKET_MEMORY_REPORT');

Deno.addSignalListener('SIGUSR2', async () => {
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  globalThis.gc?.();
  if (!report) return;
  const { heapUsed, external } = Deno.memoryUsage();
  // The same module instance as the server's (same URL), so this is its wasm memory.
  const { wasmMemory } = await import('../../../pkg/deno.mjs');
  Deno.writeTextFileSync(report, JSON.stringify({ heapUsed, external, wasm: wasmMemory().buffer.byteLength }));
});
