// permessage-deflate against npm `ws`, both directions, through a TCP tap (support/tap.mjs)
// that reads every frame header: the agreement is checked in the response, in our
// extensionsInUse and in ws's own state, and each message's RSV1 and size on the wire prove
// compression, context takeover and the windows. ws's defaults, each of its parameters, and
// each of ours; window bits 8 to 15; ws's 1024-byte threshold; fragmented messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { ServerPerMessageDeflateFactory, ClientPerMessageDeflateFactory } from '../../pkg/node.mjs';
import { within, startEchoServer, connectClient } from './support/interop.mjs';
import { startTap, parsed } from './support/tap.mjs';
import { agreementOf, assertInUse, messages, assertDirection, takesOver } from './support/deflate-wire.mjs';

const T = { timeout: 60_000 };
const WS_THRESHOLD = 1024; // ws's default
/** ws 8 applies its threshold only where it must not take context over (lib/sender.js). */
const wsThreshold = (options, noContextTakeover) => (noContextTakeover ? options.threshold ?? WS_THRESHOLD : 0);

/** Sends every message with `send`, waits for as many echoes in `received()`, compares them. */
async function exchange(sent, send, receivedNow, what) {
  for (const m of sent) send(m);
  await within(30_000, (async () => {
    while (receivedNow().length < sent.length) await new Promise((r) => setTimeout(r, 5));
  })(), `${what}: the echoes`);
  const received = receivedNow();
  sent.forEach((m, i) => {
    assert.equal(received[i].isBinary, m.isBinary, `${m.name}: kind`);
    assert.ok(Buffer.from(received[i].data).equals(m.bytes), `${m.name}: echoed bytes (${received[i].data.length} of ${m.bytes.length})`);
  });
}

/**
 * ws client → tap → our echo server. `ws`: the ws client's perMessageDeflate options;
 * `ours`: our server's protocol options; `expect`: the response's extension header.
 */
async function wsClientCase({ ws: wsDeflate = {}, ours = {}, expect, big = false, fragment = 0 }) {
  const server = await startEchoServer({ options: ours });
  const tap = await startTap(server.port);
  let ws;
  try {
    ws = new WebSocket(tap.url, { perMessageDeflate: wsDeflate });
    const received = [];
    ws.on('message', (data, isBinary) => received.push({ data, isBinary }));
    await within(5000, once(ws, 'open'), 'open');
    const record = parsed(tap.connections[0]);
    assert.equal(record.toClient.header('sec-websocket-extensions'), expect, 'the response');
    assert.equal(ws.extensions, 'permessage-deflate', 'ws negotiated permessage-deflate');
    const agreement = agreementOf(expect);
    const conn = await server.connection();
    assertInUse(conn.extensions, agreement, true);

    const sent = messages({ ourBits: agreement.serverMaxWindowBits, big });
    const send = (m) => {
      if (!fragment || m.bytes.length <= fragment) return ws.send(m.bytes, { binary: m.isBinary });
      for (let at = 0; at < m.bytes.length; at += fragment) {
        ws.send(m.bytes.subarray(at, at + fragment), { binary: m.isBinary, fin: at + fragment >= m.bytes.length });
      }
      return undefined;
    };
    await exchange(sent, send, () => received, 'ws client');
    const a = agreement;
    assertDirection(record.toServer, sent, { who: 'ws → us', threshold: wsThreshold(wsDeflate, a.clientNoContextTakeover), takeover: takesOver(a.clientNoContextTakeover, a.clientMaxWindowBits, false) });
    assertDirection(record.toClient, sent, { who: 'us → ws', threshold: 0, takeover: takesOver(a.serverNoContextTakeover, a.serverMaxWindowBits, true), probes: !ours.autoFragmentSize });
    if (fragment) {
      const fragmented = record.toServer.messages.filter((m) => m.frames > 1);
      assert.ok(fragmented.length >= 3 && fragmented.every((m, i) => i === 0 || m.compressed), 'ws sent compressed fragmented messages');
    }
    ws.close(1000);
    assert.deepEqual(await within(5000, conn.closed.promise, 'our onClose'), { wasClean: true, code: 1000, reason: '' });
    return record;
  } finally {
    ws?.terminate();
    await tap.close();
    await server.close();
  }
}

/**
 * Our client → tap → ws echo server. `ws`: the ws server's perMessageDeflate options;
 * `ours`: our client's protocol options; `expect`: the response's extension header.
 */
async function wsServerCase({ ws: wsDeflate = {}, ours = {}, expect, big = false }) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: wsDeflate });
  await within(5000, once(wss, 'listening'), 'listening');
  let wsParams = null;
  const serverClosed = new Promise((resolve) => {
    wss.on('connection', (ws) => {
      wsParams = ws._extensions['permessage-deflate']?.params ?? null; // ws's internals: what it agreed to
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      ws.on('close', (code) => resolve(code));
    });
  });
  const tap = await startTap(wss.address().port);
  let client;
  try {
    client = await connectClient(tap.url, { options: ours });
    const open = await client.next((e) => e.type === 'open' || e.type === 'close', 5000, 'onOpen');
    assert.equal(open.type, 'open', JSON.stringify(open));
    const record = parsed(tap.connections[0]);
    assert.equal(record.toClient.header('sec-websocket-extensions'), expect, 'the response');
    const agreement = agreementOf(expect);
    assertInUse(open.extensions, agreement, false);
    assert.ok(wsParams, 'ws negotiated permessage-deflate');

    const sent = messages({ ourBits: agreement.clientMaxWindowBits, big });
    await exchange(sent, (m) => client.protocol.sendMessage(m.bytes, m.isBinary), () => client.messages(), 'our client');
    const a = agreement;
    assertDirection(record.toServer, sent, { who: 'us → ws', threshold: 0, takeover: takesOver(a.clientNoContextTakeover, a.clientMaxWindowBits, true), probes: !ours.autoFragmentSize });
    assertDirection(record.toClient, sent, { who: 'ws → us', threshold: wsThreshold(wsDeflate, a.serverNoContextTakeover), takeover: takesOver(a.serverNoContextTakeover, a.serverMaxWindowBits, false) });
    if (ours.autoFragmentSize) {
      const fragmented = record.toServer.messages.filter((m) => m.frames > 1);
      assert.ok(fragmented.length >= 3 && fragmented.every((m) => m.compressed), 'we sent compressed fragmented messages');
    }
    client.close(1000);
    assert.equal(await within(5000, serverClosed, 'ws server close'), 1000);
    return record;
  } finally {
    client?.protocol.dropConnection();
    await tap.close();
    await new Promise((resolve) => wss.close(resolve));
  }
}

// ---- ws client → our server ----

test('ws client (defaults) → our server (defaults): no window caps, a few MiB, fragmented; ws takes context over so ignores its threshold', T, async () => {
  await wsClientCase({ expect: 'permessage-deflate', big: true, fragment: 4093 });
});

test('ws client asks server_no_context_takeover → our server honours it', T, async () => {
  await wsClientCase({ ws: { serverNoContextTakeover: true, threshold: 0 }, expect: 'permessage-deflate; server_no_context_takeover' });
});

test('ws client offers client_no_context_takeover → our server agrees; ws resets its context and applies its 1024-byte threshold', T, async () => {
  await wsClientCase({ ws: { clientNoContextTakeover: true }, expect: 'permessage-deflate; client_no_context_takeover' });
});

for (const bits of [8, 9, 10, 11, 12, 13, 14, 15]) {
  test(`ws client asks server_max_window_bits=${bits} → our unlimited server compresses with ${bits} bits`, T, async () => {
    await wsClientCase({ ws: { serverMaxWindowBits: bits, threshold: 0 }, ours: { extensions: [new ServerPerMessageDeflateFactory()] }, expect: `permessage-deflate; server_max_window_bits=${bits}` });
  });
}

test('ws client asks server_max_window_bits=14 → our default server agrees', T, async () => {
  await wsClientCase({ ws: { serverMaxWindowBits: 14, threshold: 0 }, expect: 'permessage-deflate; server_max_window_bits=14' });
});

for (const bits of [8, 9, 11, 15]) {
  test(`ws client offers client_max_window_bits=${bits} → our server takes it at its word`, T, async () => {
    await wsClientCase({ ws: { clientMaxWindowBits: bits, threshold: 0 }, expect: `permessage-deflate; client_max_window_bits=${bits}` });
  });
}

test('our server with serverNoContextTakeover and clientNoContextTakeover → ws client', T, async () => {
  await wsClientCase({
    ws: { threshold: 0 },
    ours: { extensions: [new ServerPerMessageDeflateFactory({ serverNoContextTakeover: true, clientNoContextTakeover: true })] },
    expect: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
  });
});

for (const [serverMaxWindowBits, clientMaxWindowBits] of [[8, 8], [9, 10], [15, 15]]) {
  test(`our server with serverMaxWindowBits ${serverMaxWindowBits}, clientMaxWindowBits ${clientMaxWindowBits} → ws client`, T, async () => {
    await wsClientCase({
      ws: { threshold: 0 },
      ours: { extensions: [new ServerPerMessageDeflateFactory({ serverMaxWindowBits, clientMaxWindowBits })] },
      expect: `permessage-deflate; server_max_window_bits=${serverMaxWindowBits}; client_max_window_bits=${clientMaxWindowBits}`,
    });
  });
}

test('our server sends fragmented compressed messages (autoFragmentSize 1000) → ws client', T, async () => {
  const record = await wsClientCase({ ws: { threshold: 0 }, ours: { autoFragmentSize: 1000 }, expect: 'permessage-deflate' });
  const fragmented = record.toClient.messages.filter((m) => m.frames > 1);
  assert.ok(fragmented.length >= 3 && fragmented.every((m) => m.compressed), 'compressed messages in several frames');
});

// ---- our client → ws server ----

test('our client (defaults) → ws server (defaults): a few MiB', T, async () => {
  await wsServerCase({ ws: true, expect: 'permessage-deflate', big: true });
});

test('our client → ws server with serverNoContextTakeover and clientNoContextTakeover: ws applies its 1024-byte threshold', T, async () => {
  await wsServerCase({ ws: { serverNoContextTakeover: true, clientNoContextTakeover: true }, expect: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover' });
});

for (const bits of [8, 9, 12, 15]) {
  test(`our client → ws server with serverMaxWindowBits ${bits} and clientMaxWindowBits ${bits}`, T, async () => {
    await wsServerCase({ ws: { serverMaxWindowBits: bits, clientMaxWindowBits: bits, threshold: 0 }, expect: `permessage-deflate; client_max_window_bits=${bits}; server_max_window_bits=${bits}` });
  });
}

test('our client asks server_no_context_takeover and server_max_window_bits=10 → ws server', T, async () => {
  await wsServerCase({
    ws: { threshold: 0 },
    ours: { extensions: [new ClientPerMessageDeflateFactory({ serverNoContextTakeover: true, serverMaxWindowBits: 10 })] },
    expect: 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10',
  });
});

test('our client offers client_no_context_takeover and client_max_window_bits=9 → ws server', T, async () => {
  await wsServerCase({
    ws: { threshold: 0 },
    ours: { extensions: [new ClientPerMessageDeflateFactory({ clientNoContextTakeover: true, clientMaxWindowBits: 9 })] },
    expect: 'permessage-deflate; client_no_context_takeover; client_max_window_bits=9',
  });
});

test('our client sends fragmented compressed messages (autoFragmentSize 4093) → ws server', T, async () => {
  await wsServerCase({ ws: { threshold: 0 }, ours: { autoFragmentSize: 4093 }, expect: 'permessage-deflate' });
});

test('compression: null on both our sides: ws offers, nothing is negotiated, no RSV1', T, async () => {
  const server = await startEchoServer({ options: { compression: null } });
  const tap = await startTap(server.port);
  try {
    const ws = new WebSocket(tap.url, { perMessageDeflate: { threshold: 0 } });
    await within(5000, once(ws, 'open'), 'open');
    assert.equal(ws.extensions, '');
    const record = parsed(tap.connections[0]);
    assert.match(record.toServer.header('sec-websocket-extensions'), /^permessage-deflate/, 'ws offered');
    assert.equal(record.toClient.header('sec-websocket-extensions'), null, 'we declined');
    assert.deepEqual((await server.connection()).extensions, []);
    ws.send('x'.repeat(5000));
    const [echo] = await within(5000, once(ws, 'message'), 'echo');
    assert.equal(echo.toString(), 'x'.repeat(5000));
    assert.deepEqual(record.toServer.messages.map((m) => [m.compressed, m.wireLength]), [[false, 5000]]);
    assert.deepEqual(record.toClient.messages.map((m) => [m.compressed, m.wireLength]), [[false, 5000]]);
    ws.close();
    await within(5000, once(ws, 'close'), 'close');
  } finally {
    await tap.close();
    await server.close();
  }
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true });
  await within(5000, once(wss, 'listening'), 'listening');
  const tap2 = await startTap(wss.address().port);
  let client;
  try {
    client = await connectClient(tap2.url, { options: { compression: null } });
    const open = await client.next((e) => e.type === 'open', 5000, 'onOpen');
    assert.deepEqual(open.extensions, []);
    const record = parsed(tap2.connections[0]);
    assert.equal(record.toServer.header('sec-websocket-extensions'), null, 'we offered nothing');
  } finally {
    client?.protocol.dropConnection();
    await tap2.close();
    await new Promise((resolve) => wss.close(resolve));
  }
});

test('examples/echo-server.mjs negotiates permessage-deflate by default; --no-compression declines it', T, async () => {
  const { spawn } = await import('node:child_process');
  const { createInterface } = await import('node:readline');
  const script = new URL('../../examples/echo-server.mjs', import.meta.url).pathname;
  for (const [flags, extensions] of [[[], 'permessage-deflate'], [['--no-compression'], '']]) {
    const child = spawn(process.execPath, [script, '--port', '0', ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = await within(10_000, once(lines, 'line'), 'the echo server to listen');
      const url = /listening on (ws:\/\/\S+)/.exec(line)?.[1];
      assert.ok(url, line);
      const tap = await startTap(Number(new URL(url).port));
      try {
        const ws = new WebSocket(tap.url, { perMessageDeflate: { threshold: 0 } });
        await within(5000, once(ws, 'open'), 'open');
        assert.equal(ws.extensions, extensions, `flags ${flags}`);
        ws.send('echo '.repeat(1000));
        const [echo] = await within(5000, once(ws, 'message'), 'echo');
        assert.equal(echo.toString(), 'echo '.repeat(1000));
        const wire = parsed(tap.connections[0]);
        assert.deepEqual([...wire.toServer.messages, ...wire.toClient.messages].map((m) => m.compressed), [Boolean(extensions), Boolean(extensions)]);
        ws.close();
        await within(5000, once(ws, 'close'), 'close');
      } finally {
        await tap.close();
      }
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  }
});
