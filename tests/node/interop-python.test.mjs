// Interop with Python peers: PyPI `websockets` (asyncio API) and `autobahn` (asyncio backend),
// run from the venv scripts/setup.sh makes (.venv-interop/, versions in
// tests/interop/requirements.txt). The peers are the scripts of tests/interop/, which report
// JSON lines on stdout (see peer_common.py) and exit non-zero on any mismatch.
//
// Each peer is tested both ways round with every size (0 B to 16 MiB, text and binary), with
// the close started by either side, with permessage-deflate off (compression none) and on:
// python-websockets' defaults (windows 12, memLevel 5) and autobahn's PerMessageDeflateOffer /
// PerMessageDeflateOfferAccept, plus an autobahn case requesting no context takeover and a
// small window each way. Every connection runs through a TCP tap (support/tap.mjs): the
// negotiated parameters are checked in the response, in our extensionsInUse and in the peer's
// own report, and every data frame's RSV1 on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { PerMessageBzip2Offer, PerMessageDeflateOffer, ServerPerMessageBzip2Factory } from '../../pkg/node.mjs';
import {
  SIZES, binaryPayload, textPayload, sha256, within, startEchoServer, connectClient,
} from './support/interop.mjs';
import { startTap, parsed } from './support/tap.mjs';
import { agreementOf, assertInUse } from './support/deflate-wire.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const PYTHON = resolve(ROOT, '.venv-interop/bin/python');
const PEERS = resolve(ROOT, 'tests/interop');
const T = { timeout: 90_000 };

const CLIENT_CLOSE = [4000, 'client bye κόσμε ✓'];
const SERVER_CLOSE = [4001, 'server bye — до свидания'];
// As tests/interop/peer_common.py's PING_PAYLOAD: not UTF-8, so it must travel as bytes.
const PING_PAYLOAD = Buffer.concat([Buffer.from('ping\x00\xff\xfe-', 'latin1'), Buffer.from(Array.from({ length: 32 }, (_, i) => i))]);

/** Runs a peer script; its JSON lines arrive in `events`, `next(pred)` waits for one. */
function spawnPeer(script, args) {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run scripts/setup.sh (it creates the interop venv)`);
  const child = spawn(PYTHON, [resolve(PEERS, script), ...args], {
    cwd: PEERS, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  const events = [];
  let stderr = '';
  let waiters = [];
  const notify = () => {
    waiters = waiters.filter((w) => {
      const found = events.find(w.pred);
      if (found) w.resolve(found);
      else if (exit.done) w.reject(new Error(`${script} exited (${exit.code ?? exit.signal}) before ${w.what}; stderr:\n${stderr}`));
      return !found && !exit.done;
    });
  };
  const exit = { done: false, code: null, signal: null };
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      events.push(JSON.parse(line));
    } catch {
      events.push({ event: 'noise', line });
    }
    notify();
  });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((res) => {
    child.on('close', (code, signal) => {
      Object.assign(exit, { done: true, code, signal });
      notify();
      res({ code, signal });
    });
  });
  return {
    child,
    events,
    get stderr() { return stderr; },
    next(pred, ms = 10_000, what = 'a peer event') {
      const found = events.find(pred);
      if (found) return Promise.resolve(found);
      if (exit.done) return Promise.reject(new Error(`${script} exited (${exit.code ?? exit.signal}) before ${what}; stderr:\n${stderr}`));
      return within(ms, new Promise((res, rej) => waiters.push({ pred, resolve: res, reject: rej, what })), `${script}: ${what}`);
    },
    /** Waits for the exit and asserts it was a success. */
    async succeeded(ms = 10_000) {
      const { code, signal } = await within(ms, exited, `${script} to exit`);
      assert.equal(code, 0, `${script} exited ${code ?? signal}; stderr:\n${stderr}`);
    },
    kill() {
      if (!exit.done) child.kill('SIGKILL');
      return exited;
    },
  };
}

const kindOf = (d) => ({ isBinary: d.binary, length: d.length, sha256: d.sha256 });

const PEER = {
  websockets: { client: 'websockets_client.py', server: 'websockets_server.py' },
  autobahn: { client: 'autobahn_client.py', server: 'autobahn_server.py' },
};
// How each Python library answers a close it did not start: websockets echoes the code and
// reason, autobahn (echoCloseCodeReason off, like us) answers 1000 without a reason.
const ANSWER = {
  websockets: (code, reason) => ({ code, reason }),
  autobahn: () => ({ code: 1000, reason: '' }),
};
// What our side answers a close with (echoCloseCodeReason off).
const OUR_ANSWER = { code: 1000, reason: '' };

/** The peer's extra arguments for autobahn's deflate parameters (see peer_common.py). */
const deflateArgs = ({ noContextTakeover = false, maxWindowBits = 0 } = {}) => [
  ...(noContextTakeover ? ['--no-context-takeover'] : []), ...(maxWindowBits ? ['--max-window-bits', String(maxWindowBits)] : []),
];

/**
 * The tap's view of one connection: `expect` is the response's Sec-WebSocket-Extensions
 * (null: none). Checks the agreement against our extensionsInUse and the peer's own report,
 * then that every data message each way carried RSV1 exactly when deflate was negotiated,
 * and that text (very compressible here) shrank on the wire.
 */
function assertWire(record, { expect, ours, peerDeflate, isServer, sent }) {
  parsed(record);
  assert.equal(record.toClient.header('sec-websocket-extensions'), expect, 'the response');
  const compressed = expect !== null;
  const agreement = agreementOf(expect);
  if (!agreement) {
    // Nothing, or another compression (permessage-bzip2: its name in our extensionsInUse).
    assert.deepEqual(ours.map((e) => e.name), compressed ? [expect.split(';')[0]] : []);
    assert.equal(peerDeflate, null, 'the peer negotiated no deflate either');
  } else {
    assertInUse(ours, agreement, isServer);
    assert.deepEqual(peerDeflate, {
      server_no_context_takeover: agreement.serverNoContextTakeover, client_no_context_takeover: agreement.clientNoContextTakeover,
      server_max_window_bits: agreement.serverMaxWindowBits, client_max_window_bits: agreement.clientMaxWindowBits,
    }, 'the peer reports the same agreement');
  }
  for (const [direction, who] of [[record.toServer, 'client → server'], [record.toClient, 'server → client']]) {
    assert.ok(direction.messages.length >= sent.length, `${who}: ${direction.messages.length} data messages`);
    sent.forEach((m, i) => {
      const w = direction.messages[i];
      const what = `${who}, ${m.isBinary ? 'binary' : 'text'} ${m.length} B`;
      assert.equal(w.compressed, compressed, `${what}: RSV1`);
      if (!compressed) assert.equal(w.wireLength, m.length, `${what}: as is`);
      else if (!m.isBinary && m.length >= 1024) assert.ok(w.wireLength < m.length / 4, `${what}: ${w.wireLength} B on the wire`);
    });
  }
}

const sentKinds = (sizes) => sizes.flatMap((length) => [{ isBinary: true, length }, { isBinary: false, length }]);

/**
 * A Python client against our echo server. `fragment`: both sides send frames of that size
 * (the peer's own fragmentation, our autoFragmentSize); `ping`: the peer pings first.
 */
async function pythonClientCase({ peer, compression, closer, sizes = SIZES, fragment = 0, ping = false, deflate, expect = null, ourOptions = {} }) {
  const server = await startEchoServer({ protocols: ['chat.v2'], options: { ...ourOptions, ...(fragment ? { autoFragmentSize: fragment } : {}) } });
  const tap = await startTap(server.port);
  let py;
  try {
    const [code, reason] = closer === 'client' ? CLIENT_CLOSE : SERVER_CLOSE;
    py = spawnPeer(PEER[peer].client, [
      '--url', `${tap.url}/py?peer=${peer}`, '--compression', compression, '--sizes', sizes.join(','), ...deflateArgs(deflate),
      ...(expect ? ['--expect-extensions', expect.split(';')[0]] : []),
      '--subprotocols', 'chat.v1,chat.v2', '--expect-subprotocol', 'chat.v2',
      ...(closer === 'client' ? ['--close', `${code}:${reason}`] : ['--server-close', `${code}:${reason}`]),
      '--expect-close', closer === 'client' ? `${OUR_ANSWER.code}:${OUR_ANSWER.reason}` : `${code}:${reason}`,
      ...(fragment ? ['--fragment', String(fragment)] : []),
      ...(ping ? ['--ping'] : []),
    ]);
    const open = await py.next((e) => e.event === 'open', 10_000, 'open');
    assert.deepEqual([open.subprotocol, open.extensions], ['chat.v2', expect ? [expect.split(';')[0]] : []]);
    const record = await server.connection();
    assert.equal(record.subprotocol, 'chat.v2');
    assert.equal(record.request.path, '/py');
    assert.deepEqual(record.request.params, { peer: [peer] });
    assert.deepEqual(record.request.protocols, ['chat.v1', 'chat.v2']);
    assert.deepEqual(record.request.extensions.map((e) => e.name), compression === 'none' ? [] : [`permessage-${compression}`]);
    if (ping) await py.next((e) => e.event === 'pong', 10_000, 'the pong');

    const echoed = await py.next((e) => e.event === 'echoed', 60_000, 'the echoes');
    assert.equal(echoed.messages.length, sizes.length * 2);
    // What our server received is exactly what the peer sent (the peer checked the echoes).
    assert.deepEqual(record.messages.slice(0, echoed.messages.length), echoed.messages.map(kindOf));

    const pyClose = await py.next((e) => e.event === 'close', 10_000, 'the close');
    const ours = await within(10_000, record.closed.promise, 'our onClose');
    const closes = `ours ${JSON.stringify(ours)}, peer ${JSON.stringify(pyClose)}`;
    if (closer === 'client') {
      assert.deepEqual(pyClose.sent, { code, reason }, closes);
      assert.deepEqual(pyClose.received, OUR_ANSWER, closes);
      assert.deepEqual(ours, { wasClean: true, code, reason }, closes);
    } else {
      assert.deepEqual(pyClose.received, { code, reason }, closes);
      assert.deepEqual(pyClose.sent, ANSWER[peer](code, reason), closes);
      assert.deepEqual(ours, { wasClean: true, ...ANSWER[peer](code, reason) }, closes);
    }
    await py.succeeded();
    assertWire(tap.connections[0], { expect, ours: record.extensions, peerDeflate: open.deflate, isServer: true, sent: sentKinds(sizes) });
    if (fragment && expect) {
      const fragmented = (d) => d.messages.filter((m) => m.frames > 1 && m.compressed).length;
      const counts = [fragmented(tap.connections[0].toServer), fragmented(tap.connections[0].toClient)];
      assert.ok(counts[0] >= 2 && counts[1] >= 2, `compressed fragmented messages both ways: ${counts}`);
    }
  } finally {
    await py?.kill();
    await tap.close();
    await server.close();
  }
}

/**
 * Our client against a Python echo server. `fragment`: we send frames of that size
 * (autoFragmentSize); `ping`: we ping first and wait for the pong.
 */
async function pythonServerCase({ peer, compression, closer, sizes = SIZES, fragment = 0, ping = false, deflate, expect = null, ourOptions = {} }) {
  let py;
  let client;
  let tap;
  try {
    py = spawnPeer(PEER[peer].server, ['--compression', compression, '--subprotocols', 'chat.v2,other', ...deflateArgs(deflate)]);
    const { url } = await py.next((e) => e.event === 'ready', 10_000, 'ready');
    tap = await startTap(Number(new URL(url).port));
    // The sizes are sent at once without waiting for sendMessage's result (34 MiB with 16 MiB
    // ones): past the default maxBufferedAmount, which would fail the connection with 1008.
    client = await connectClient(`${tap.url}/feed?peer=${peer}`, {
      protocols: ['chat.v1', 'chat.v2'], options: { maxBufferedAmount: 0, ...ourOptions, ...(fragment ? { autoFragmentSize: fragment } : {}) },
    });
    const connect = await client.next((e) => e.type === 'connect' || e.type === 'close', 5000, 'the handshake');
    assert.equal(connect.type, 'connect', JSON.stringify(connect));
    assert.equal(connect.response.protocol, 'chat.v2');
    assert.deepEqual(connect.response.extensions.map((e) => e.name), expect ? [expect.split(';')[0]] : []);
    const open = await client.next((e) => e.type === 'open', 5000, 'onOpen');
    assert.equal(client.protocol.protocolInUse, 'chat.v2');
    const pyOpen = await py.next((e) => e.event === 'open', 5000, 'the peer open');
    const { deflate: peerDeflate, ...pyOpenRest } = pyOpen;
    assert.deepEqual(pyOpenRest, { event: 'open', path: '/feed', params: { peer: [peer] }, subprotocol: 'chat.v2', offered: ['chat.v1', 'chat.v2'], extensions: expect ? [expect.split(';')[0]] : [] });
    if (ping) {
      client.protocol.sendPing(PING_PAYLOAD);
      const pong = await client.next((e) => e.type === 'pong', 5000, 'the pong');
      assert.ok(Buffer.from(pong.data).equals(PING_PAYLOAD), 'pong payload');
    }

    const sent = sizes.flatMap((size) => [
      { isBinary: true, bytes: binaryPayload(size, size & 0xff) },
      { isBinary: false, bytes: Buffer.from(textPayload(size)) },
    ]);
    for (const m of sent) client.protocol.sendMessage(m.isBinary ? m.bytes : m.bytes.toString('utf8'), m.isBinary);
    await client.next(() => client.messages().length >= sent.length, 60_000, 'the echoes');
    const received = client.messages();
    for (let i = 0; i < sent.length; i++) {
      const what = `${sent[i].isBinary ? 'binary' : 'text'} ${sent[i].bytes.length} B`;
      assert.equal(received[i].isBinary, sent[i].isBinary, `${what}: kind`);
      assert.equal(received[i].data.length, sent[i].bytes.length, `${what}: length`);
      assert.ok(Buffer.from(received[i].data).equals(sent[i].bytes), `${what}: bytes`);
    }
    // The peer reports what it received on stdout, which may trail the echoes a little.
    const pyReceived = () => py.events.filter((e) => e.event === 'message');
    await py.next(() => pyReceived().length >= sent.length, 10_000, 'the peer\'s message reports');
    assert.deepEqual(pyReceived().map(kindOf), sent.map((m) => ({ isBinary: m.isBinary, length: m.bytes.length, sha256: sha256(m.bytes) })));

    const [code, reason] = closer === 'client' ? CLIENT_CLOSE : SERVER_CLOSE;
    if (closer === 'client') client.close(code, reason);
    else client.protocol.sendMessage(`!close ${code} ${reason}`);
    const ours = await client.next((e) => e.type === 'close', 10_000, 'our onClose');
    const pyClose = await py.next((e) => e.event === 'close', 10_000, 'the peer close');
    const closes = `ours ${JSON.stringify(ours)}, peer ${JSON.stringify(pyClose)}`;
    if (closer === 'client') {
      assert.deepEqual(pyClose.received, { code, reason }, closes);
      assert.deepEqual(pyClose.sent, ANSWER[peer](code, reason), closes);
      assert.deepEqual(ours, { type: 'close', wasClean: true, ...ANSWER[peer](code, reason) }, closes);
    } else {
      assert.deepEqual(pyClose.sent, { code, reason }, closes);
      assert.deepEqual(pyClose.received, OUR_ANSWER, closes);
      assert.deepEqual(ours, { type: 'close', wasClean: true, code, reason }, closes);
    }
    await py.succeeded();
    assertWire(tap.connections[0], { expect, ours: open.extensions, peerDeflate, isServer: false, sent: sentKinds(sizes) });
  } finally {
    client?.protocol.dropConnection();
    await py?.kill();
    await tap?.close();
  }
}

const PEERS_UNDER_TEST = ['websockets', 'autobahn'];
// Fragmented runs stop at 1 MiB: 16 MiB in 4093-byte frames adds time, not coverage.
const FRAGMENTED = { sizes: SIZES.filter((s) => s <= 1024 * 1024), fragment: 4093, ping: true };
// Compressed runs stop at 4 MiB: 16 MiB of the peers' random bytes deflates to a frame just
// over 16 MiB, which the default maxFramePayloadSize (a wire-size limit) refuses with 1009.
// bzip2 costs about 250 ms per MiB to compress: up to 1 MiB is enough to cross its blocks.
const BZIP2_SIZES = [0, 1, 125, 65536, 1024 * 1024];
const DEFLATE_SIZES = [...SIZES.filter((s) => s <= 1024 * 1024), 4 * 1024 * 1024];
// What our default server (no window caps, as ws) answers each peer's default
// offer: python-websockets offers client_max_window_bits; autobahn's PerMessageDeflateOffer()
// also client_no_context_takeover.
const OUR_SERVER_ANSWERS = {
  websockets: 'permessage-deflate',
  autobahn: 'permessage-deflate; client_no_context_takeover',
};
// What each peer's server answers our client's offer.
const PEER_SERVER_ANSWERS = {
  websockets: 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=12',
  autobahn: 'permessage-deflate',
};

for (const peer of PEERS_UNDER_TEST) {
  for (const compression of ['none', 'deflate']) {
    for (const closer of ['client', 'server']) {
      const expect = compression === 'deflate' ? OUR_SERVER_ANSWERS[peer] : null;
      test(`${peer} client → our server (python compression ${compression}, the ${closer} closes)`, T,
        () => pythonClientCase({ peer, compression, closer, expect, sizes: expect ? DEFLATE_SIZES : SIZES }));
    }
  }
  test(`${peer} client → our server: deflate, fragmented both ways (4093-byte frames, text split inside characters), ping first`, T,
    () => pythonClientCase({ peer, compression: 'deflate', closer: 'client', expect: OUR_SERVER_ANSWERS[peer], ...FRAGMENTED }));
}

for (const peer of PEERS_UNDER_TEST) {
  for (const compression of ['none', 'deflate']) {
    for (const closer of ['client', 'server']) {
      const expect = compression === 'deflate' ? PEER_SERVER_ANSWERS[peer] : null;
      test(`our client → ${peer} server (python compression ${compression}, the ${closer} closes)`, T,
        () => pythonServerCase({ peer, compression, closer, expect, sizes: expect ? DEFLATE_SIZES : SIZES }));
    }
  }
  test(`our client → ${peer} server: deflate, fragmented (autoFragmentSize 4093, text split inside characters), ping first`, T,
    () => pythonServerCase({ peer, compression: 'deflate', closer: 'server', expect: PEER_SERVER_ANSWERS[peer], ...FRAGMENTED }));
}

// autobahn's compression beyond the defaults, one entry a case: [role of autobahn, title, case].
// permessage-bzip2, once the core has it, is one more entry each way, e.g.
//   ['server', 'permessage-bzip2', { compression: 'bzip2', expect: 'permessage-bzip2',
//     ourOptions: { perMessageCompressionOffers: [new PerMessageBzip2Offer()] } }]
const AUTOBAHN_COMPRESSION = [
  ['client', 'requests server_no_context_takeover and server_max_window_bits=9', {
    compression: 'deflate', deflate: { noContextTakeover: true, maxWindowBits: 9 },
    expect: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9',
  }],
  ['server', 'requests client_no_context_takeover and client_max_window_bits=10 (our offer autobahn-style)', {
    compression: 'deflate', deflate: { noContextTakeover: true, maxWindowBits: 10 },
    ourOptions: { perMessageCompressionOffers: [new PerMessageDeflateOffer()] },
    expect: 'permessage-deflate; client_no_context_takeover; client_max_window_bits=10',
  }],
  // permessage-bzip2 (autobahn's; python-websockets has none): our server's factory, our client's offer.
  ['client', 'permessage-bzip2 (our ServerPerMessageBzip2Factory)', {
    compression: 'bzip2', sizes: BZIP2_SIZES, ourOptions: { compression: null, extensions: [new ServerPerMessageBzip2Factory()] },
    expect: 'permessage-bzip2',
  }],
  ['server', 'permessage-bzip2 (our PerMessageBzip2Offer)', {
    compression: 'bzip2', sizes: BZIP2_SIZES, ourOptions: { perMessageCompressionOffers: [new PerMessageBzip2Offer()] },
    expect: 'permessage-bzip2',
  }],
];
for (const [role, title, c] of AUTOBAHN_COMPRESSION) {
  const name = role === 'client' ? `autobahn client → our server: ${title}` : `our client → autobahn server: ${title}`;
  const run = role === 'client' ? pythonClientCase : pythonServerCase;
  test(name, T, () => run({ peer: 'autobahn', closer: 'client', ...c, sizes: c.sizes ?? DEFLATE_SIZES }));
}
