// The never-reading peer of the memory tests (tests/interop/slow_reader.py) and the warm-up a
// server gets before it is measured against one: shared by tests/node/limits-slow-reader.test.mjs
// and bench/slow-reader.mjs, so the bench measures what the test asserts.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { MiB } from './child-server.mjs';
import { within, wsOpen } from './api.mjs';

const PEER = fileURLToPath(new URL('../../interop/slow_reader.py', import.meta.url));
/** What the peer tries to send: far more than a server that stops reading lets through. */
export const TOTAL = 200 * MiB;

/** Starts the peer against `port`: resolves with { sent, leave() } once its sending stalled (or all went). */
export async function slowReader(port, deflate) {
  const peer = spawn('python3', [PEER, String(port), String(TOTAL), ...(deflate ? ['--deflate'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await within(once(peer.stdout, 'data'), 60000, 'the peer to stall');
  const { sent } = JSON.parse(String(line));
  return {
    sent,
    leave: async () => {
      peer.stdin.end();
      if (peer.exitCode === null) await within(once(peer, 'exit'), 5000, 'the peer to exit');
    },
  };
}

/**
 * How much a reading client echoes through the server before the slow peers: V8 recompiles each
 * hot wasm function with its optimising compiler once per process, the n-th time it gets hot,
 * and the compile's working memory (up to 3 MiB for the receive path) stays in a worker thread's
 * malloc arena. In Deno, 64 KiB echoes tiered the receive path up after 6-9 MiB, the last function
 * after 115 MiB (bench/README.md, "Compile memory"); a slow peer gets ~7 MiB through, so with slow
 * peers alone that once-per-process growth landed in the measured stall now and then.
 */
const ECHO_WARM_UP = 128 * MiB;

/** Echoes `bytes` of 64 KiB random messages through the server at `port` with ws, one at a time. */
async function echoThrough(port, deflate, bytes) {
  const ws = await wsOpen(WebSocket, `ws://127.0.0.1:${port}/`, [], { perMessageDeflate: deflate ? { clientNoContextTakeover: true } : false });
  const message = randomBytes(64 * 1024);
  for (let sent = 0; sent < bytes; sent += message.length) {
    ws.send(message);
    await within(once(ws, 'message'), 5000, 'a warm-up echo');
  }
  ws.close();
  await within(once(ws, 'close'), 5000, 'the warm-up client to close');
}

/**
 * Warms `server` (a startChildServer handle) up: first a reading client echoes ECHO_WARM_UP
 * through it (hot code compiled), then identical slow peers (pools made, wasm memory and malloc's
 * arenas at their working size) until one stalls it no higher than the one before it, at most 4:
 * how far the first peer gets before the server stops reading varies with timing, and so does
 * what it leaves grown (CI once saw +10 MiB on the second peer after one warm-up). Resolves with
 * each warm-up peer's RSS growth while it stalled the server, in bytes.
 */
export async function warmUp(server, deflate) {
  await echoThrough(server.port, deflate, ECHO_WARM_UP);
  const grew = [];
  let previousStall = -Infinity;
  for (let warmups = 1; warmups <= 4; warmups++) {
    const before = await server.collectedRss();
    const peer = await slowReader(server.port, deflate);
    const stalled = await server.collectedRss();
    await peer.leave();
    grew.push(stalled - before);
    if (stalled <= previousStall + 0.5 * MiB) break;
    previousStall = stalled;
  }
  return grew;
}
