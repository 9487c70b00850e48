// The never-reading peer of the memory tests (tests/interop/slow_reader.py) and the warm-up a
// server gets before it is measured against one: shared by tests/node/limits-slow-reader.test.mjs
// and bench/slow-reader.mjs, so the bench measures what the test asserts.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { MiB } from './child-server.mjs';
import { within } from './api.mjs';

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
 * Warms `server` (a startChildServer handle) up with identical peers (code compiled, pools made,
 * wasm memory and malloc's arenas at their working size) until one stalls it no higher than the
 * one before it, at most 4: how far the first peer gets before the server stops reading varies
 * with timing, and so does what it leaves grown (CI once saw +10 MiB on the second peer after one
 * warm-up). Resolves with each warm-up peer's RSS growth while it stalled the server, in bytes.
 */
export async function warmUp(server, deflate) {
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
