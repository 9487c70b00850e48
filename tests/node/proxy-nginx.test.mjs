// Behind a real nginx (Debian's, started here from tests/nginx/nginx.conf on free ports of
// 127.0.0.1, stopped after) in front of two wasmsocket processes: the upgrade passes,
// trustXForwardedFor gives the real client address, connections are spread over both
// processes, permessage-deflate is negotiated end to end, and a graceful restart of one
// backend (1001 to its clients) loses no connection of the other; new connections go on.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { within, sleep, waitFor } from './support/api.mjs';
import { freePort } from './support/redis-server.mjs';

const CONFIG = fileURLToPath(new URL('../nginx/nginx.conf', import.meta.url));
const BACKEND = fileURLToPath(new URL('./support/proxy-backend.mjs', import.meta.url));
const NGINX = '/usr/sbin/nginx';

async function until(condition, what, ms = 10000) {
  await waitFor(condition, ms, what, 10);
}

/** A child process that prints `listening on`; resolves once it did. */
async function started(command, args, pattern, defer) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  defer(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  child.lines = [];
  child.stdout.setEncoding('utf8').on('data', (text) => child.lines.push(...text.split('\n').filter(Boolean)));
  child.stderr.setEncoding('utf8').on('data', (text) => child.lines.push(...text.split('\n').filter(Boolean)));
  const failed = new Promise((_, reject) => child.once('error', reject));
  await Promise.race([until(() => pattern.test(child.lines.join('\n')), `${command} to start`), failed]);
  return child;
}

async function listening(port) {
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(20);
  }
}

/** A ws client from 127.0.0.N (so the proxy's own address, 127.0.0.1, differs) that records its hello. */
function client(url, localAddress, options = {}) {
  const ws = new WebSocket(url, { localAddress, perMessageDeflate: false, ...options });
  ws.received = [];
  ws.closed = null;
  ws.on('message', (data) => {
    if (!ws.hello) ws.hello = JSON.parse(String(data));
    else ws.received.push(String(data));
  });
  ws.on('close', (code) => { ws.closed = code; });
  ws.on('error', () => {});
  return ws;
}

test('nginx in front of two processes: upgrade, real client address, spread, deflate end to end, graceful backend restart', { timeout: 60_000 }, async (t) => {
  const cleanups = [];
  const defer = (fn) => cleanups.push(fn);
  t.after(async () => { for (const fn of cleanups.reverse()) await fn(); });
  const prefix = mkdtempSync(join(tmpdir(), 'wasmsocket-nginx-'));
  defer(() => rmSync(prefix, { recursive: true, force: true }));

  const ports = { a: await freePort(), b: await freePort(), nginx: await freePort() };
  const backends = {
    a: await started(process.execPath, [BACKEND, 'a', String(ports.a)], /listening on/, defer),
    b: await started(process.execPath, [BACKEND, 'b', String(ports.b)], /listening on/, defer),
  };
  const config = readFileSync(CONFIG, 'utf8')
    .replaceAll('@PREFIX@', prefix)
    .replaceAll('@PORT@', String(ports.nginx))
    .replace('@BACKENDS@', [ports.a, ports.b].map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=1s;`).join('\n'));
  writeFileSync(join(prefix, 'nginx.conf'), config);
  const nginx = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const nginxFailed = new Promise((_, reject) => nginx.once('error', (e) => reject(new Error(`nginx could not start: ${e.message}`))));
  defer(async () => { if (nginx.exitCode === null) { nginx.kill('SIGQUIT'); await new Promise((r) => nginx.once('exit', r)); } });
  await Promise.race([within(listening(ports.nginx), 5000, 'nginx to listen'), nginxFailed]);
  const url = `ws://127.0.0.1:${ports.nginx}/`;

  // Six clients from 127.0.0.5: through nginx, spread over both backends, each seen as 127.0.0.5.
  const clients = [];
  defer(() => { for (const ws of clients) ws.terminate(); });
  for (let i = 0; i < 6; i++) {
    const ws = client(url, '127.0.0.5');
    clients.push(ws);
    await until(() => ws.hello, 'the backend\'s hello through nginx');
  }
  const on = (name) => clients.filter((ws) => ws.hello.backend === name);
  assert.equal(on('a').length, 3, 'round-robin: half on a');
  assert.equal(on('b').length, 3, 'round-robin: half on b');
  for (const ws of clients) assert.match(ws.hello.peer, /127\.0\.0\.5/, `the real client address, not nginx's (${ws.hello.peer})`);

  // permessage-deflate negotiated end to end (nginx passes the header; the backend compresses).
  const deflate = client(url, '127.0.0.5', { perMessageDeflate: true });
  clients.push(deflate);
  await until(() => deflate.hello, 'the deflate client\'s hello');
  assert.match(deflate.extensions, /permessage-deflate/);
  assert.deepEqual(deflate.hello.extensions, ['permessage-deflate']);
  const big = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ i, name: 'same text again' })));
  deflate.send(big);
  await until(() => deflate.received.length === 1, 'the compressed echo');
  assert.equal(deflate.received[0], big);

  // A graceful restart of backend a: its clients get 1001, b's keep going, new ones land on b.
  backends.a.kill('SIGTERM');
  await until(() => on('a').every((ws) => ws.closed !== null), 'a\'s clients to be closed');
  for (const ws of on('a')) assert.equal(ws.closed, 1001);
  await until(() => backends.a.exitCode !== null, 'backend a to exit');
  for (const ws of on('b')) {
    assert.equal(ws.closed, null, 'b\'s clients stay connected');
    ws.send('still here');
  }
  await until(() => on('b').every((ws) => ws.received.includes('still here')), 'b\'s echoes');
  const after = [];
  for (let i = 0; i < 3; i++) {
    const ws = client(url, '127.0.0.5');
    after.push(ws);
    clients.push(ws);
    await until(() => ws.hello, 'a new connection while a restarts');
  }
  assert.deepEqual(after.map((ws) => ws.hello.backend), ['b', 'b', 'b']);
  // a is back: nginx uses it again once fail_timeout (1 s, counted in whole seconds) passed.
  backends.a = await started(process.execPath, [BACKEND, 'a', String(ports.a)], /listening on/, defer);
  await sleep(2200);
  const seen = new Set();
  for (let i = 0; i < 4; i++) {
    const ws = client(url, '127.0.0.5');
    clients.push(ws);
    await until(() => ws.hello, 'a connection after the restart');
    seen.add(ws.hello.backend);
  }
  assert.deepEqual([...seen].sort(), ['a', 'b'], readFileSync(join(prefix, 'error.log'), 'utf8'));
});
