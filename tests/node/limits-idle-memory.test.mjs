// What an idle connection costs the server (issue 10's idle row): examples/echo-server.mjs
// (--no-compression) in a child process, 400 raw clients that each send one 4 KiB binary
// message, get it back and stay open. Measured after a full collection, from the child's own
// report: V8 heap + external (wasm memory taken out) and wasm growth, per connection; RSS is
// printed too, not bounded (it counts freed buffers glibc keeps, see bench/README.md ⁶).
// ws measures 2.6-2.7 KiB of heap + external per connection the same way (bench/connect.mjs);
// ours was 4.0-4.6 before connections stopped copying their options and carrying closures,
// Promises and empty backing stores (js/protocol.mjs), so the bound sits between the two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startChildServer } from './support/child-server.mjs';
import { rawClient } from './support/raw.mjs';
import { within } from './support/api.mjs';

const CONNECTIONS = 400;
const WARMUP = 100;
const SIZE = 4096;
const HEAP_BOUND_KIB = 3.5;
const WASM_BOUND_KIB = 1;

/** Opens `n` clients that each echo one 4 KiB message; resolves with them, open. */
async function idleClients(port, n) {
  const clients = [];
  for (let i = 0; i < n; i++) {
    const peer = await rawClient(port);
    const payload = crypto.randomBytes(SIZE);
    peer.send({ opcode: 2, payload });
    const frame = await within(peer.frame(), 5000, 'the echo');
    assert.ok(frame.payload.equals(payload), 'echoed as sent');
    clients.push(peer);
  }
  return clients;
}

test('an idle connection after one 4 KiB echo: heap + external and wasm per connection, bounded', async (t) => {
  const server = await startChildServer(['examples/echo-server.mjs', '--port', '0', '--host', '127.0.0.1', '--no-compression']);
  const clients = [];
  try {
    // Warm up (code compiled, wasm memory at its working size), then the baseline.
    clients.push(...await idleClients(server.port, WARMUP));
    const rssBefore = await server.collectedRss();
    const before = server.memoryReport();
    clients.push(...await idleClients(server.port, CONNECTIONS));
    const rssAfter = await server.collectedRss();
    const after = server.memoryReport();
    assert.ok(before && after, 'the child reported its memory by part');
    const perConnKiB = (bytes) => bytes / CONNECTIONS / 1024;
    const jsSide = (m) => m.heapUsed + m.external - m.wasm;
    const heap = perConnKiB(jsSide(after) - jsSide(before));
    const wasm = perConnKiB(after.wasm - before.wasm);
    const rss = perConnKiB(rssAfter - rssBefore);
    t.diagnostic(`per idle connection (${CONNECTIONS}, after ${WARMUP} warm-up): V8 heap + external ${heap.toFixed(2)} KiB, wasm ${wasm.toFixed(2)} KiB, RSS ${rss.toFixed(1)} KiB`);
    assert.ok(heap <= HEAP_BOUND_KIB, `heap + external ${heap.toFixed(2)} KiB per idle connection (bound ${HEAP_BOUND_KIB})`);
    assert.ok(wasm <= WASM_BOUND_KIB, `wasm memory grew ${wasm.toFixed(2)} KiB per idle connection (bound ${WASM_BOUND_KIB})`);
  } finally {
    for (const c of clients) c.destroy();
    await server.stop();
  }
});
