// What the permessage-deflate interop tests check on the wire (through support/tap.mjs): the
// agreement in the server's response, RSV1 on every message a side compresses, sizes that
// show compression happened, context takeover (or its absence) and the window each side
// compresses with, proved by probes whose size on the wire depends on them.
import assert from 'node:assert/strict';
import { parseExtensions } from './tap.mjs';
import { jsonText, randomBytes } from './interop.mjs';

/** The agreement in a Sec-WebSocket-Extensions response, with RFC 7692's defaults (15 bits). */
export function agreementOf(header) {
  const deflate = parseExtensions(header).find((e) => e.name === 'permessage-deflate');
  if (!deflate) return null;
  const p = deflate.params;
  return {
    serverNoContextTakeover: p.server_no_context_takeover === true,
    clientNoContextTakeover: p.client_no_context_takeover === true,
    serverMaxWindowBits: p.server_max_window_bits ? Number(p.server_max_window_bits) : 15,
    clientMaxWindowBits: p.client_max_window_bits ? Number(p.client_max_window_bits) : 15,
  };
}

/** Our extensionsInUse entry must say what the response said. */
export function assertInUse(extensions, agreement, isServer) {
  assert.equal(extensions.length, 1, 'one extension in use');
  const [e] = extensions;
  assert.equal(e.name, 'permessage-deflate');
  assert.deepEqual(
    { isServer: e.isServer, serverNoContextTakeover: e.serverNoContextTakeover, clientNoContextTakeover: e.clientNoContextTakeover, serverMaxWindowBits: e.serverMaxWindowBits, clientMaxWindowBits: e.clientMaxWindowBits },
    { isServer, ...agreement },
    'extensionsInUse matches the response header',
  );
}

const TAKEOVER_PROBE = 200; // fits in the smallest window (256 B)

/**
 * The messages of one case, each echoed back: small ones around ws's 1024-byte threshold,
 * JSON text larger than any window, a pair of identical random messages (context takeover
 * shows in the second one's size), and for our sending side two window probes of random bytes
 * repeated once: within half the window (it must shrink) and just beyond the window (it must
 * not, or we used a larger window than agreed). `big`: a few MiB too.
 */
export function messages({ ourBits, big = false }) {
  const list = [
    { name: 'empty', isBinary: true, bytes: Buffer.alloc(0) },
    { name: '1 B', isBinary: false, bytes: Buffer.from('x') },
    { name: '1023 B json', isBinary: false, bytes: Buffer.from(jsonText(1023, 2)) },
    { name: '1024 B json', isBinary: false, bytes: Buffer.from(jsonText(1024, 3)) },
    { name: 'takeover 1', isBinary: true, bytes: randomBytes(TAKEOVER_PROBE, 9), probe: 'takeover' },
    { name: 'takeover 2', isBinary: true, bytes: randomBytes(TAKEOVER_PROBE, 9), probe: 'takeover' },
    { name: '20 KiB json', isBinary: false, bytes: Buffer.from(jsonText(20 * 1024, 4)) },
    { name: '100 KiB json', isBinary: false, bytes: Buffer.from(jsonText(100 * 1024, 5)) },
  ];
  // Our compressor keeps |history| + |chunk| within 2^bits (src/extensions/deflate/compress.rs): a repeat
  // within half the window is always found, one beyond the window never.
  const inside = (1 << ourBits) / 2 - 16;
  const beyond = (1 << ourBits) + 64;
  for (const [name, half, probe] of [['window inside', inside, 'inside'], ['window beyond', beyond, 'beyond']]) {
    const r = randomBytes(half, 20 + half);
    list.push({ name: `${name} (${ourBits} bits)`, isBinary: true, bytes: Buffer.concat([r, r]), probe, half });
  }
  if (big) {
    list.push({ name: '3 MiB json', isBinary: false, bytes: Buffer.from(jsonText(3 * 1024 * 1024, 6)) });
    list.push({ name: '2 MiB random', isBinary: true, bytes: randomBytes(2 * 1024 * 1024, 7) });
  }
  return list;
}

/**
 * Whether a sender takes context over between messages (the second of two identical 200-byte
 * messages is then tiny), or null where that cannot show. Peers (zlib) do unless told not to;
 * so do we, keeping |history| + |chunk| within the window (src/extensions/deflate/compress.rs), which at
 * 8 bits leaves too little history for a 200-byte repeat.
 */
export const takesOver = (noContextTakeover, bits, ours) => {
  if (noContextTakeover) return false;
  return ours && bits === 8 ? null : true;
};

/**
 * Checks one direction's messages on the wire against what was sent. `threshold`: the
 * sender compresses messages of at least this size; `takeover`: whether the sender takes its
 * context over (null: not checked); `probes`: whether this
 * sender's window probes are checked (ours, messages sent whole: each frame compresses alone).
 */
export function assertDirection(wire, sent, { who, threshold, takeover, probes = false }) {
  assert.equal(wire.messages.length, sent.length, `${who}: data messages on the wire`);
  const pair = [];
  sent.forEach((m, i) => {
    const w = wire.messages[i];
    const what = `${who}, ${m.name}`;
    assert.equal(w.opcode, m.isBinary ? 2 : 1, `${what}: opcode`);
    const compressed = m.bytes.length >= threshold;
    assert.equal(w.compressed, compressed, `${what}: RSV1`);
    if (!compressed) assert.equal(w.wireLength, m.bytes.length, `${what}: sent as is`);
    else if (!m.isBinary && m.bytes.length >= 1024) assert.ok(w.wireLength < m.bytes.length * 0.85, `${what}: ${w.wireLength} B on the wire`);
    if (m.probe === 'takeover' && compressed) pair.push(w.wireLength);
    if (probes && m.probe === 'inside') assert.ok(w.wireLength < m.half * 1.4 + 16, `${what}: the repeat within half the window shrank it (${w.wireLength} B for 2 × ${m.half})`);
    if (probes && m.probe === 'beyond') assert.ok(w.wireLength > m.half * 1.9, `${what}: a repeat beyond the window must not be used (${w.wireLength} B for 2 × ${m.half})`);
  });
  if (pair.length === 2 && takeover !== null) {
    const [first, second] = pair;
    if (takeover) assert.ok(second < first / 4, `${who}: context takeover, yet the repeat went ${first} → ${second} B`);
    else assert.ok(Math.abs(second - first) <= 4, `${who}: no context takeover, yet the repeat went ${first} → ${second} B`);
  }
}
