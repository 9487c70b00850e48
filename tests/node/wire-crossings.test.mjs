// The one-way boundary, measured: every call of a wasm export is counted (the module is
// instrumented as it is instantiated), and an echo over real sockets on 127.0.0.1 must make
// exactly the calls the design says (src/wasm/mod.rs): receiving a message costs `inputSpace` +
// `commitInput`; sending costs `sendHeaderOnly` (unmasked, no extension) or `stagingSpace` +
// `sendMessage`; a published message costs one framing, then no crossing per further recipient
// (the core's MESSAGE_START status bit says it may send).
// No status polls, no `resume` unless something is held.
import { calls } from './support/count-wasm-calls.mjs'; // first: it instruments the module as it loads
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WebSocket, WebSocketServer } from 'ws';
import {
  WebSocketServerFactory, WebSocketServerProtocol, WebSocketClientFactory, WebSocketClientProtocol,
  listenWS, connectWS, Kind, Status, Opcode,
} from '../../pkg/node.mjs';
import { within, waitFor } from './support/api.mjs';

const MESSAGES = 200;

/** The wasm exports called while `run` runs, by name (glue names like `connection_commitinput`). */
async function counting(run) {
  calls.clear();
  await run();
  return Object.fromEntries([...calls].map(([name, n]) => [name.replace(/^connection_/, ''), n]));
}

/** Sends `count` messages one at a time, each after the previous echo came back. */
async function pingPong(send, nextEcho, count) {
  for (let i = 0; i < count; i++) {
    const echoed = nextEcho();
    send(`message ${i}`);
    assert.equal(String(await within(echoed, 5000, `echo ${i}`)), `message ${i}`);
  }
}

async function echoServer(options) {
  const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
  factory.protocol = class extends WebSocketServerProtocol {
    onMessage(payload, isBinary) {
      this.sendMessage(payload, isBinary);
    }
  };
  factory.setProtocolOptions(options);
  return listenWS(factory);
}

function wsClient(port, perMessageDeflate) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate });
  const waiting = [];
  ws.on('message', (data) => waiting.shift()?.(data));
  return {
    ws,
    opened: new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); }),
    nextEcho: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

test('the module is instrumented (the counts below are real)', () => {
  assert.ok(calls.size > 0, 'loading the package calls wasm exports');
});

test('server, no extension: a received and echoed message costs inputSpace + commitInput + sendHeaderOnly', async () => {
  const listener = await echoServer({ compression: null });
  const client = wsClient(listener.port, false);
  try {
    await within(client.opened, 5000, 'ws open');
    await pingPong((m) => client.ws.send(m), client.nextEcho, 10);
    const counts = await counting(() => pingPong((m) => client.ws.send(m), client.nextEcho, MESSAGES));
    console.log(`crossings per echoed message (server, no extension): ${JSON.stringify(counts)} / ${MESSAGES}`);
    assert.deepEqual(counts, { inputSpace: MESSAGES, commitInput: MESSAGES, sendHeaderOnly: MESSAGES });
  } finally {
    client.ws.terminate();
    await listener.close();
  }
});

test('server with permessage-deflate: receive 2, send stagingSpace + sendMessage', async () => {
  const listener = await echoServer({});
  const client = wsClient(listener.port, true);
  try {
    await within(client.opened, 5000, 'ws open');
    assert.match(client.ws.extensions, /permessage-deflate/);
    await pingPong((m) => client.ws.send(m), client.nextEcho, 10);
    const counts = await counting(() => pingPong((m) => client.ws.send(m), client.nextEcho, MESSAGES));
    console.log(`crossings per echoed message (server, deflate): ${JSON.stringify(counts)} / ${MESSAGES}`);
    assert.deepEqual(counts, { inputSpace: MESSAGES, commitInput: MESSAGES, stagingSpace: MESSAGES, sendMessage: MESSAGES });
  } finally {
    client.ws.terminate();
    await listener.close();
  }
});

test('client (masks): send stagingSpace + sendMessage, receive inputSpace + commitInput', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  const waiting = [];
  let protocol;
  const opened = new Promise((resolve) => {
    const factory = new WebSocketClientFactory(`ws://127.0.0.1:${wss.address().port}/`);
    factory.setProtocolOptions({ compression: null });
    factory.protocol = class extends WebSocketClientProtocol {
      onOpen() {
        protocol = this;
        resolve();
      }
      onMessage(payload) {
        waiting.shift()?.(payload);
      }
    };
    connectWS(factory);
  });
  try {
    await within(opened, 5000, 'client open');
    const nextEcho = () => new Promise((resolve) => waiting.push(resolve));
    await pingPong((m) => protocol.sendMessage(m), nextEcho, 10);
    const counts = await counting(() => pingPong((m) => protocol.sendMessage(m), nextEcho, MESSAGES));
    console.log(`crossings per message (client): ${JSON.stringify(counts)} / ${MESSAGES}`);
    assert.deepEqual(counts, { stagingSpace: MESSAGES, sendMessage: MESSAGES, inputSpace: MESSAGES, commitInput: MESSAGES });
  } finally {
    protocol?.dropConnection();
    wss.close();
  }
});

test('publish to a topic: one framing for all, then no crossing per further recipient', async () => {
  const RECIPIENTS = 20;
  const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
  factory.protocol = class extends WebSocketServerProtocol {
    onOpen() {
      this.subscribe('all');
    }
  };
  factory.setProtocolOptions({ compression: null });
  const listener = await listenWS(factory);
  const clients = Array.from({ length: RECIPIENTS }, () => wsClient(listener.port, false));
  try {
    await within(Promise.all(clients.map((c) => c.opened)), 5000, 'ws open');
    await waitFor(() => factory.subscriberCount('all') >= RECIPIENTS, 5000, 'subscriptions');
    const publish = async (text) => {
      const deliveries = clients.map((c) => c.nextEcho());
      assert.equal(factory.publish('all', text), RECIPIENTS);
      for (const delivery of deliveries) assert.equal(String(await within(delivery, 5000, 'delivery')), text);
    };
    // The first publish also asks each connection its kind once (sharedOutputKey, a string).
    await publish('first');
    const counts = await counting(() => publish('to everyone'));
    console.log(`crossings for one publish to ${RECIPIENTS}: ${JSON.stringify(counts)}`);
    assert.deepEqual(counts, { sendHeaderOnly: 1 });
  } finally {
    for (const c of clients) c.ws.terminate();
    await listener.close();
  }
});

test('the shared numbers come from the core, and the published types declare the same values', () => {
  const types = readFileSync(new URL('../../pkg/index.d.ts', import.meta.url), 'utf8');
  const declared = (name) => {
    const block = types.match(new RegExp(`export declare const ${name}: Readonly<\\{([^}]*)\\}>`))?.[1];
    assert.ok(block, `index.d.ts declares ${name}`);
    return Object.fromEntries([...block.matchAll(/(\w+): (\d+)/g)].map(([, key, value]) => [key, Number(value)]));
  };
  assert.deepEqual({ ...Kind }, declared('Kind'));
  assert.deepEqual({ ...Status }, declared('Status'));
  assert.deepEqual({ ...Opcode }, declared('Opcode'));
  assert.ok(Object.isFrozen(Kind) && Object.isFrozen(Status) && Object.isFrozen(Opcode));
});
