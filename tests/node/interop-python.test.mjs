// Interop with Python peers: PyPI `websockets` (asyncio API) and `autobahn` (asyncio backend),
// run from the venv scripts/setup.sh makes (.venv-interop/, versions in
// tests/interop/requirements.txt). The peers are the scripts of tests/interop/, which report
// JSON lines on stdout (see peer_common.py) and exit non-zero on any mismatch.
//
// Each peer is tested both ways round with every size (0 B to 16 MiB, text and binary), with
// the close started by either side, and with permessage-deflate off and on at the Python side
// (we negotiate none, so frames stay uncompressed either way).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import {
  SIZES, binaryPayload, textPayload, sha256, within, startEchoServer, connectClient,
} from './support/interop.mjs';

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

/**
 * A Python client against our echo server. `fragment`: both sides send frames of that size
 * (the peer's own fragmentation, our autoFragmentSize); `ping`: the peer pings first.
 */
async function pythonClientCase({ peer, compression, closer, sizes = SIZES, fragment = 0, ping = false }) {
  const server = await startEchoServer({ protocols: ['chat.v2'], options: fragment ? { autoFragmentSize: fragment } : {} });
  let py;
  try {
    const [code, reason] = closer === 'client' ? CLIENT_CLOSE : SERVER_CLOSE;
    py = spawnPeer(PEER[peer].client, [
      '--url', `${server.url}/py?peer=${peer}`, '--compression', compression, '--sizes', sizes.join(','),
      '--subprotocols', 'chat.v1,chat.v2', '--expect-subprotocol', 'chat.v2',
      ...(closer === 'client' ? ['--close', `${code}:${reason}`] : ['--server-close', `${code}:${reason}`]),
      '--expect-close', closer === 'client' ? `${OUR_ANSWER.code}:${OUR_ANSWER.reason}` : `${code}:${reason}`,
      ...(fragment ? ['--fragment', String(fragment)] : []),
      ...(ping ? ['--ping'] : []),
    ]);
    const open = await py.next((e) => e.event === 'open', 10_000, 'open');
    assert.deepEqual(open, { event: 'open', subprotocol: 'chat.v2', extensions: [] });
    const record = await server.connection();
    assert.equal(record.subprotocol, 'chat.v2');
    assert.equal(record.request.path, '/py');
    assert.deepEqual(record.request.params, { peer: [peer] });
    assert.deepEqual(record.request.protocols, ['chat.v1', 'chat.v2']);
    assert.deepEqual(record.request.extensions.map((e) => e.name), compression === 'deflate' ? ['permessage-deflate'] : []);
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
  } finally {
    await py?.kill();
    await server.close();
  }
}

/**
 * Our client against a Python echo server. `fragment`: we send frames of that size
 * (autoFragmentSize); `ping`: we ping first and wait for the pong.
 */
async function pythonServerCase({ peer, compression, closer, sizes = SIZES, fragment = 0, ping = false }) {
  let py;
  let client;
  try {
    py = spawnPeer(PEER[peer].server, ['--compression', compression, '--subprotocols', 'chat.v2,other']);
    const { url } = await py.next((e) => e.event === 'ready', 10_000, 'ready');
    client = await connectClient(`${url}/feed?peer=${peer}`, {
      protocols: ['chat.v1', 'chat.v2'], options: fragment ? { autoFragmentSize: fragment } : {},
    });
    const connect = await client.next((e) => e.type === 'connect' || e.type === 'close', 5000, 'the handshake');
    assert.equal(connect.type, 'connect', JSON.stringify(connect));
    assert.equal(connect.response.protocol, 'chat.v2');
    assert.deepEqual(connect.response.extensions, []);
    await client.next((e) => e.type === 'open', 5000, 'onOpen');
    assert.equal(client.protocol.protocolInUse, 'chat.v2');
    const pyOpen = await py.next((e) => e.event === 'open', 5000, 'the peer open');
    assert.deepEqual(pyOpen, { event: 'open', path: '/feed', params: { peer: [peer] }, subprotocol: 'chat.v2', offered: ['chat.v1', 'chat.v2'], extensions: [] });
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
  } finally {
    client?.protocol.dropConnection();
    await py?.kill();
  }
}

const PEERS_UNDER_TEST = ['websockets', 'autobahn'];
// Fragmented runs stop at 1 MiB: 16 MiB in 4093-byte frames adds time, not coverage.
const FRAGMENTED = { sizes: SIZES.filter((s) => s <= 1024 * 1024), fragment: 4093, ping: true };

for (const peer of PEERS_UNDER_TEST) {
  for (const compression of ['none', 'deflate']) {
    for (const closer of ['client', 'server']) {
      test(`${peer} client → our server (python compression ${compression}, the ${closer} closes)`, T,
        () => pythonClientCase({ peer, compression, closer }));
    }
  }
  test(`${peer} client → our server: fragmented both ways (4093-byte frames, text split inside characters), ping first`, T,
    () => pythonClientCase({ peer, compression: 'none', closer: 'client', ...FRAGMENTED }));
}

for (const peer of PEERS_UNDER_TEST) {
  for (const compression of ['none', 'deflate']) {
    for (const closer of ['client', 'server']) {
      test(`our client → ${peer} server (python compression ${compression}, the ${closer} closes)`, T,
        () => pythonServerCase({ peer, compression, closer }));
    }
  }
  test(`our client → ${peer} server: fragmented (autoFragmentSize 4093, text split inside characters), ping first`, T,
    () => pythonServerCase({ peer, compression: 'none', closer: 'server', ...FRAGMENTED }));
}
