// Interop with npm `ws` through the public API (listenWS / connectWS and protocol classes), in
// both directions: text (multi-byte UTF-8) and binary from 0 B to 16 MiB (the default
// maxMessagePayloadSize), close codes and reasons both ways, subprotocol negotiation. The
// size tests run with permessage-deflate (both sides' default); the rest mostly without.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { ConnectionAccept, ConnectionDeny } from '../../pkg/node.mjs';
import {
  SIZES, binaryPayload, textPayload, sha256, within, startEchoServer, connectClient,
} from './support/interop.mjs';

const T = { timeout: 60_000 };

/** Every size as binary and as text, in one list: {isBinary, bytes, send}. */
function messages() {
  return SIZES.flatMap((size) => [
    { isBinary: true, bytes: binaryPayload(size, size & 0xff), send: binaryPayload(size, size & 0xff) },
    { isBinary: false, bytes: Buffer.from(textPayload(size)), send: textPayload(size) },
  ]);
}

function wsClient(url, protocols, options = {}) {
  const ws = new WebSocket(url, protocols, options);
  const received = [];
  ws.on('message', (data, isBinary) => received.push({ data, isBinary }));
  const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return { ws, received, closed };
}

async function receivedCount(ws, received, n, what) {
  await within(30_000, (async () => { while (received.length < n) await once(ws, 'message'); })(), what);
}

test('ws client → our server: every size, text and binary, exact echoes; client closes 4000', T, async () => {
  const server = await startEchoServer({ protocols: ['chat.v2'] });
  try {
    // ws offers permessage-deflate by default and we accept (no window caps, as ws);
    // interop-ws-deflate.test.mjs proves on the wire what this only sees through the APIs.
    const { ws, received, closed } = wsClient(`${server.url}/echo?room=1`, ['chat.v1', 'chat.v2']);
    await within(5000, once(ws, 'open'), 'open');
    assert.equal(ws.protocol, 'chat.v2');
    assert.equal(ws.extensions, 'permessage-deflate');
    const record = await server.connection();
    assert.deepEqual(record.extensions.map((e) => [e.name, e.serverMaxWindowBits, e.clientMaxWindowBits]), [['permessage-deflate', 15, 15]]);
    assert.equal(record.subprotocol, 'chat.v2');
    assert.equal(record.request.path, '/echo');
    assert.deepEqual(record.request.params, { room: ['1'] });
    assert.deepEqual(record.request.protocols, ['chat.v1', 'chat.v2']);
    assert.equal(record.request.extensions[0]?.name, 'permessage-deflate', 'ws offered deflate');

    const sent = messages();
    for (const m of sent) ws.send(m.send, { binary: m.isBinary });
    await receivedCount(ws, received, sent.length, 'the echoes');
    for (let i = 0; i < sent.length; i++) {
      const what = `${sent[i].isBinary ? 'binary' : 'text'} ${sent[i].bytes.length} B`;
      assert.equal(received[i].isBinary, sent[i].isBinary, `${what}: kind`);
      assert.equal(received[i].data.length, sent[i].bytes.length, `${what}: length`);
      assert.ok(received[i].data.equals(sent[i].bytes), `${what}: bytes`);
      // What our server got, checked on its side too (not only through the echo).
      assert.deepEqual(record.messages[i], { isBinary: sent[i].isBinary, length: sent[i].bytes.length, sha256: sha256(sent[i].bytes) });
    }

    ws.close(4000, 'client bye κόσμε ✓');
    assert.deepEqual(await within(5000, closed, 'ws close'), { code: 1000, reason: '' }, 'we answer 1000 (echoCloseCodeReason off)');
    assert.deepEqual(await within(5000, record.closed.promise, 'server onClose'), { wasClean: true, code: 4000, reason: 'client bye κόσμε ✓' });
  } finally {
    await server.close();
  }
});

test('ws client → our server: the server closes with 4001 and a reason', T, async () => {
  const server = await startEchoServer({ options: { echoCloseCodeReason: false } });
  try {
    const { ws, closed } = wsClient(server.url, [], { perMessageDeflate: false });
    await within(5000, once(ws, 'open'), 'open');
    assert.equal(ws.protocol, '');
    ws.send('!close 4001 server bye — до свидания');
    assert.deepEqual(await within(5000, closed, 'ws close'), { code: 4001, reason: 'server bye — до свидания' });
    const record = await server.connection();
    // ws answers a close with the same code and reason.
    assert.deepEqual(await within(5000, record.closed.promise, 'server onClose'), { wasClean: true, code: 4001, reason: 'server bye — до свидания' });
  } finally {
    await server.close();
  }
});

test('ws client → our server: subprotocol negotiation', T, async () => {
  const cases = [
    // [server protocols, onConnect answer, client offers, expected]
    [['b', 'a'], undefined, ['a', 'b'], 'a'], // first of the client's offers that the factory lists
    [[], (req) => new ConnectionAccept(req.protocols[1]), ['a', 'b'], 'b'],
    [[], () => 'c', ['a', 'b', 'c'], 'c'],
  ];
  for (const [protocols, accept, offers, expected] of cases) {
    const server = await startEchoServer({ protocols, accept });
    try {
      const { ws, closed } = wsClient(server.url, offers, { perMessageDeflate: false });
      await within(5000, once(ws, 'open'), 'open');
      assert.equal(ws.protocol, expected, `offers ${offers}, server ${protocols}`);
      assert.equal((await server.connection()).subprotocol, expected || null);
      ws.close(1000);
      await within(5000, closed, 'close');
    } finally {
      await server.close();
    }
  }
  // No overlap: we answer without Sec-WebSocket-Protocol, which ws refuses as a client.
  {
    const server = await startEchoServer({ protocols: ['x'] });
    try {
      const ws = new WebSocket(server.url, ['a', 'b']);
      const [error] = await within(5000, once(ws, 'error'), 'the client refusing');
      assert.equal(error.message, 'Server sent no subprotocol');
      assert.equal((await server.connection()).subprotocol, null);
    } finally {
      await server.close();
    }
  }
  // Denied in onConnect: ws sees the HTTP status.
  const server = await startEchoServer({ accept: () => { throw new ConnectionDeny(403, 'not you'); } });
  try {
    const ws = new WebSocket(server.url, ['a']);
    ws.on('error', () => {}); // terminate() below, while still connecting, reports one
    const [, response] = await within(5000, once(ws, 'unexpected-response'), 'the refusal');
    assert.equal(response.statusCode, 403);
    ws.terminate();
  } finally {
    await server.close();
  }
});

test('our client → ws server: every size, text and binary, exact echoes; client closes 4000', T, async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true, handleProtocols: (p) => ([...p].includes('chat.v2') ? 'chat.v2' : false) });
  await within(5000, once(wss, 'listening'), 'listening');
  const seen = []; // what the ws server received: kind, length, sha256
  const serverClosed = new Promise((resolve) => {
    wss.on('connection', (ws, req) => {
      seen.url = req.url;
      ws.on('message', (data, isBinary) => {
        seen.push({ isBinary, length: data.length, sha256: sha256(data) });
        ws.send(data, { binary: isBinary });
      });
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  });
  let client;
  try {
    client = await connectClient(`ws://127.0.0.1:${wss.address().port}/feed?x=1`, { protocols: ['chat.v1', 'chat.v2'] });
    const connect = await client.next((e) => e.type === 'connect' || e.type === 'close', 5000, 'the handshake');
    assert.equal(connect.type, 'connect', JSON.stringify(connect));
    assert.equal(connect.response.protocol, 'chat.v2');
    assert.deepEqual(connect.response.extensions.map((e) => e.name), ['permessage-deflate'], 'ws accepts our default offer');
    const open = await client.next((e) => e.type === 'open', 5000, 'onOpen');
    assert.equal(open.subprotocol, 'chat.v2');
    assert.deepEqual(open.extensions.map((e) => e.name), ['permessage-deflate']);
    assert.equal(client.protocol.protocolInUse, 'chat.v2');
    assert.equal(seen.url, '/feed?x=1');

    const sent = messages();
    for (const m of sent) client.protocol.sendMessage(m.send, m.isBinary);
    await client.next(() => client.messages().length >= sent.length, 30_000, 'the echoes');
    const received = client.messages();
    for (let i = 0; i < sent.length; i++) {
      const what = `${sent[i].isBinary ? 'binary' : 'text'} ${sent[i].bytes.length} B`;
      assert.equal(received[i].isBinary, sent[i].isBinary, `${what}: kind`);
      assert.equal(received[i].data.length, sent[i].bytes.length, `${what}: length`);
      assert.ok(Buffer.from(received[i].data).equals(sent[i].bytes), `${what}: bytes`);
      assert.deepEqual(seen[i], { isBinary: sent[i].isBinary, length: sent[i].bytes.length, sha256: sha256(sent[i].bytes) });
    }

    client.close(4000, 'client bye κόσμε ✓');
    assert.deepEqual(await within(5000, serverClosed, 'ws server close'), { code: 4000, reason: 'client bye κόσμε ✓' });
    const close = await client.next((e) => e.type === 'close', 5000, 'onClose');
    // ws echoes the code and reason of the close it answers.
    assert.deepEqual(close, { type: 'close', wasClean: true, code: 4000, reason: 'client bye κόσμε ✓' });
  } finally {
    client?.protocol.dropConnection();
    await new Promise((resolve) => wss.close(resolve));
  }
});

test('our client → ws server: the server closes with 4002 and a reason; ws picks our only subprotocol', T, async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await within(5000, once(wss, 'listening'), 'listening');
  const serverClosed = new Promise((resolve) => {
    wss.on('connection', (ws) => {
      ws.on('message', (data) => ws.close(4002, `server bye: ${data}`));
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  });
  let client;
  try {
    client = await connectClient(`ws://127.0.0.1:${wss.address().port}`, { protocols: ['only-mine'] });
    // ws's server without handleProtocols picks the first offered protocol.
    const open = await client.next((e) => e.type === 'open' || e.type === 'close', 5000, 'onOpen');
    assert.equal(open.type, 'open');
    assert.equal(open.subprotocol, 'only-mine');
    client.protocol.sendMessage('ünïcödé ✓');
    const close = await client.next((e) => e.type === 'close', 5000, 'onClose');
    assert.deepEqual(close, { type: 'close', wasClean: true, code: 4002, reason: 'server bye: ünïcödé ✓' });
    // We answer with 1000 (echoCloseCodeReason off).
    assert.deepEqual(await within(5000, serverClosed, 'ws server close'), { code: 1000, reason: '' });
  } finally {
    client?.protocol.dropConnection();
    await new Promise((resolve) => wss.close(resolve));
  }
});

test('our client → ws server that picks no subprotocol of ours: no subprotocol in use', T, async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => false });
  await within(5000, once(wss, 'listening'), 'listening');
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  let client;
  try {
    client = await connectClient(`ws://127.0.0.1:${wss.address().port}`, { protocols: ['a', 'b'] });
    const open = await client.next((e) => e.type === 'open' || e.type === 'close', 5000, 'onOpen');
    assert.equal(open.type, 'open');
    assert.equal(open.subprotocol, null);
    client.protocol.sendMessage(Buffer.from([1, 2, 3]), true);
    const echo = await client.next((e) => e.type === 'message', 5000, 'echo');
    assert.deepEqual([...echo.data], [1, 2, 3]);
    client.close();
    const close = await client.next((e) => e.type === 'close', 5000, 'onClose');
    assert.equal(close.wasClean, true);
    assert.equal(close.code, 1000);
  } finally {
    client?.protocol.dropConnection();
    await new Promise((resolve) => wss.close(resolve));
  }
});

test('ws client → our server: limits and validation fail with 1009 and 1007 as ws sees them', T, async () => {
  const server = await startEchoServer();
  try {
    // One byte over the default maxMessagePayloadSize (16 MiB): 1009 at the frame header.
    {
      const { ws, closed } = wsClient(server.url, [], { perMessageDeflate: false });
      await within(5000, once(ws, 'open'), 'open');
      ws.send(Buffer.alloc(16 * 1024 * 1024 + 1));
      const close = await within(10_000, closed, 'ws close');
      assert.equal(close.code, 1009);
      const ours = await within(5000, (await server.connection(0)).closed.promise, 'our onClose');
      assert.equal(ours.wasClean, false);
      assert.equal(ours.code, 1009);
      assert.equal(close.reason, ours.reason);
    }
    // Invalid UTF-8 in a fragmented text message (ws does not check what it sends): 1007.
    {
      const { ws, closed } = wsClient(server.url, [], { perMessageDeflate: false });
      await within(5000, once(ws, 'open'), 'open');
      ws.send(Buffer.from('κόσμε'), { binary: false, fin: false });
      ws.send(Buffer.from([0xed, 0xa0, 0x80]), { binary: false, fin: true }); // a UTF-16 surrogate
      const close = await within(10_000, closed, 'ws close');
      assert.equal(close.code, 1007);
      const ours = await within(5000, (await server.connection(1)).closed.promise, 'our onClose');
      assert.deepEqual([ours.wasClean, ours.code], [false, 1007]);
    }
  } finally {
    await server.close();
  }
});

test('our client → ws server: a message over 16 MiB fails with 1009', T, async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await within(5000, once(wss, 'listening'), 'listening');
  const serverClosed = new Promise((resolve) => {
    wss.on('connection', (ws) => {
      ws.send(Buffer.alloc(16 * 1024 * 1024 + 1));
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  });
  let client;
  try {
    client = await connectClient(`ws://127.0.0.1:${wss.address().port}`);
    const close = await client.next((e) => e.type === 'close', 10_000, 'onClose');
    assert.deepEqual([close.wasClean, close.code], [false, 1009]);
    assert.equal(client.messages().length, 0);
    const seen = await within(5000, serverClosed, 'ws server close');
    assert.equal(seen.code, 1009);
  } finally {
    client?.protocol.dropConnection();
    await new Promise((resolve) => wss.close(resolve));
  }
});
