// The trap policy (js/trap.mjs) end to end, on the test build pkg-trap/ (cargo feature
// test-trap: sendPing with the payload "wasmsocket:test-trap" panics inside the core, which
// aborts the wasm instance). A trap is for ever, so this file's process traps once: the first
// test sets up servers, clients and both roles over real sockets on 127.0.0.1, traps, and checks
// what everyone saw; the next ones check what a trapped process refuses. The last one runs a
// node:cluster worker that traps and checks it exits non-zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import {
  WebSocketServerFactory, WebSocketServerProtocol, WebSocketClientFactory, WebSocketClientProtocol,
  listenWS, connectWS, Wire, CoreTrappedError, TRAP_CLOSE_CODE, TRAP_REASON,
} from '../../pkg-trap/node.mjs';
import * as publishedCore from '../../pkg/wasm/wasmsocket.js';

const TRAP_PING = 'wasmsocket:test-trap';

function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// What the test's protocols saw: onClose arguments and onError errors, by connection name.
const closes = new Map();
const errors = [];
const opened = new Map();

function recording(Base, name) {
  return class extends Base {
    onOpen() {
      this.name = `${name}#${opened.size}`;
      opened.set(this.name, this);
    }
    onMessage(payload) {
      // A bug in the core surfaces in a core call made for a live connection.
      if (payload.toString() === 'trap') this.sendPing(TRAP_PING);
    }
    onClose(wasClean, code, reason) {
      const seen = closes.get(this.name ?? name) ?? [];
      seen.push([wasClean, code, reason]);
      closes.set(this.name ?? name, seen);
    }
    onError(error) {
      errors.push(error);
    }
  };
}

const traps = new Map(); // factory name → errors passed to onTrap
function trapRecorder(factory, name) {
  traps.set(name, []);
  factory.onTrap = (error) => traps.get(name).push(error);
  return factory;
}

const wsClose = (ws) => within(once(ws, 'close'), 10_000, 'a ws close').then(([code, reason]) => [code, reason.toString()]);

let serverA;
let serverB;

test('a trap fails every connection of every factory with 1011, reports once per factory, and stops the listeners', async () => {
  assert.equal(typeof publishedCore.testTrap, 'undefined', 'pkg/ has no test export');

  // Server A (three ws clients), server B (one ws client), and a wasmsocket client of a ws server.
  const factoryA = trapRecorder(new WebSocketServerFactory('ws://127.0.0.1:0'), 'A');
  factoryA.protocol = recording(WebSocketServerProtocol, 'A');
  const factoryB = trapRecorder(new WebSocketServerFactory('ws://127.0.0.1:0'), 'B');
  factoryB.protocol = recording(WebSocketServerProtocol, 'B');
  serverA = await listenWS(factoryA, { host: '127.0.0.1', port: 0 });
  serverB = await listenWS(factoryB, { host: '127.0.0.1', port: 0 });

  const wsServer = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await within(once(wsServer, 'listening'), 5_000, 'ws server listening');
  const wsServerCloses = [];
  const wsServerClosed = new Promise((resolve) => {
    wsServer.on('connection', (ws) => ws.on('close', (code, reason) => { wsServerCloses.push([code, reason.toString()]); resolve(); }));
  });
  const clientFactory = trapRecorder(new WebSocketClientFactory(`ws://127.0.0.1:${wsServer.address().port}`), 'client');
  clientFactory.protocol = recording(WebSocketClientProtocol, 'client');

  try {
    const clients = [];
    for (let i = 0; i < 3; i++) clients.push(new WebSocket(serverA.url));
    clients.push(new WebSocket(serverB.url));
    await within(Promise.all(clients.map((ws) => once(ws, 'open'))), 10_000, 'ws clients open');
    await connectWS(clientFactory);
    while (opened.size < 5) await within(sleep(10), 1_000, 'five onOpen');
    const clientCloses = clients.map(wsClose);

    clients[0].send('trap');

    // Every peer gets our 1011 close frame with the reason (the ws server's one came masked:
    // ws fails an unmasked client frame with 1002).
    for (const close of await within(Promise.all(clientCloses), 10_000, 'ws clients closed')) {
      assert.deepEqual(close, [TRAP_CLOSE_CODE, TRAP_REASON]);
    }
    await within(wsServerClosed, 10_000, 'the ws server sees our client close');
    assert.deepEqual(wsServerCloses, [[TRAP_CLOSE_CODE, TRAP_REASON]]);

    // Every connection: onClose(false, 1011, reason) once.
    const trap = await within(serverA.trapped, 10_000, 'serverA.trapped');
    assert.ok(trap instanceof WebAssembly.RuntimeError, `trapped resolves with the RuntimeError, got ${trap}`);
    assert.equal(await serverB.trapped, trap);
    await sleep(100); // a second onClose or onTrap would show now
    assert.deepEqual([...closes.keys()].sort(), [...opened.keys()].sort());
    for (const [name, seen] of closes) assert.deepEqual(seen, [[false, TRAP_CLOSE_CODE, TRAP_REASON]], name);

    // Each factory's onTrap once, with the trap.
    for (const [name, seen] of traps) {
      assert.equal(seen.length, 1, `onTrap of ${name} called once`);
      assert.equal(seen[0], trap);
    }
    // The connection whose onMessage made the trapping call: its handler threw CoreTrappedError.
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof CoreTrappedError);
    assert.equal(errors[0].cause, trap);
    for (const protocol of opened.values()) assert.equal(protocol.state, 3);
    assert.equal(factoryA._connections.size + factoryB._connections.size + clientFactory._connections.size, 0);

    // The listeners stopped accepting.
    assert.equal(serverA.server.listening, false);
    assert.equal(serverB.server.listening, false);
  } finally {
    await new Promise((resolve) => wsServer.close(resolve));
  }
});

test('after a trap: new connections are refused, sends throw, no core call is made', async () => {
  // The listener is closed: a new client cannot open.
  const ws = new WebSocket(serverA.url);
  const outcome = await within(new Promise((resolve) => {
    ws.on('open', () => resolve('open'));
    ws.on('error', (error) => resolve(error.code ?? 'error'));
  }), 10_000, 'the refused connection');
  assert.equal(outcome, 'ECONNREFUSED');

  // A client connection over a fresh TCP connection is dropped at once.
  const plain = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await within(once(plain, 'listening'), 5_000, 'listening');
  try {
    const factory = new WebSocketClientFactory(`ws://127.0.0.1:${plain.address().port}`);
    await assert.rejects(within(connectWS(factory), 10_000, 'connectWS'), CoreTrappedError);
  } finally {
    await new Promise((resolve) => plain.close(resolve));
  }

  // No new Wire (hence no core call); the refused factories' handles still close.
  assert.throws(() => new Wire('server'), CoreTrappedError);
  await within(serverA.close(), 5_000, 'serverA.close()');
  await within(serverB.close(), 5_000, 'serverB.close()');
});

test('a node:cluster worker exits non-zero after a trap', async () => {
  const script = fileURLToPath(new URL('./support/trap-cluster.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => { out += chunk; });
  child.stderr.on('data', (chunk) => { err += chunk; });
  try {
    const [code] = await within(once(child, 'exit'), 20_000, 'the cluster primary');
    assert.equal(code, 0, `primary failed:\n${out}\n${err}`);
  } finally {
    child.kill();
  }
  const report = JSON.parse(out.trim().split('\n').at(-1));
  assert.equal(report.workerExitCode, 1, `worker exit: ${out}\n${err}`);
  assert.deepEqual(report.clientClose, [TRAP_CLOSE_CODE, TRAP_REASON]);
});
