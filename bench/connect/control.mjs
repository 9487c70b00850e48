// The line protocol every bench/connect.mjs server speaks, in Node and in Deno (Deno children
// cannot use Node's IPC; bench/echo/control.mjs uses its line reader and reply too). The server
// prints {"event":"listening","port":N,...} once; then each line on stdin gets one JSON line on
// stdout:
//   stats -> {"event":"stats","cpu":{"user":µs,"system":µs}}   process.cpuUsage()
//   mem   -> {"event":"mem","rss":B,"heapTotal":B,"heapUsed":B,"external":B,"arrayBuffers":B|null,"wasm":B|null}
//            after gc(), 100 ms, gc() (needs node --expose-gc / deno --v8-flags=--expose-gc)
//   quit  -> exits. End of stdin (the parent died) exits too.
import process from 'node:process';

const isDeno = typeof globalThis.Deno !== 'undefined';
/** One JSON line on stdout. */
export const reply = (obj) => console.log(JSON.stringify(obj));

/** The lines of stdin, trimmed, in Node and in Deno; ends at end of stdin. */
export async function* stdinLines() {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of isDeno ? globalThis.Deno.stdin.readable : process.stdin) {
    text += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = text.indexOf('\n')) >= 0) {
      yield text.slice(0, nl).trim();
      text = text.slice(nl + 1);
    }
  }
}

function memory(wasmBytes) {
  // Deno.memoryUsage() has no arrayBuffers; Node's arrayBuffers is part of external.
  const m = isDeno ? globalThis.Deno.memoryUsage() : process.memoryUsage();
  return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers ?? null, wasm: wasmBytes ? wasmBytes() : null };
}

/**
 * Announces `port` and answers the parent's lines until `quit`.
 * @param {{ port: number, info?: object, wasmBytes?: (() => number) | null }} options
 */
export async function control({ port, info = {}, wasmBytes = null }) {
  if (typeof globalThis.gc !== 'function') throw new Error('no gc(): run with --expose-gc');
  reply({ event: 'listening', port, ...info });
  for await (const cmd of stdinLines()) {
    if (cmd === 'stats') reply({ event: 'stats', cpu: process.cpuUsage() });
    else if (cmd === 'mem') {
      globalThis.gc();
      await new Promise((resolve) => setTimeout(resolve, 100));
      globalThis.gc();
      reply({ event: 'mem', ...memory(wasmBytes) });
    } else if (cmd === 'quit') process.exit(0);
    else reply({ event: 'error', message: `unknown command ${cmd}` });
  }
  process.exit(0);
}
