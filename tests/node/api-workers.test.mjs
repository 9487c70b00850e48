// listenWS(factory, { workers: 2 }): two processes share the port (node:cluster), a message
// published in one worker reaches the subscribers of the other, a worker that dies is
// restarted without touching the other's connections, and close() (SIGTERM to the primary
// here) sends 1001 to every connection and ends every worker.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { sleep, waitFor } from './support/api.mjs';

const SERVER = fileURLToPath(new URL('./support/workers-server.mjs', import.meta.url));

async function until(condition, what, ms = 10000) {
  await waitFor(condition, ms, what, 10);
}

/** A ws client that records its worker's pid (the first message) and then every message. */
function client(url) {
  const ws = new WebSocket(url);
  ws.received = [];
  ws.closed = null;
  ws.on('message', (data) => {
    const text = String(data);
    if (ws.pid === undefined && text.startsWith('pid ')) ws.pid = Number(text.slice(4));
    else ws.received.push(text);
  });
  ws.on('close', (code, reason) => { ws.closed = { code, reason: String(reason) }; });
  ws.on('error', () => {});
  return ws;
}

test('workers: 2 share the port, publish crosses workers, a dead worker is restarted, close() ends all with 1001', { timeout: 60_000 }, async (t) => {
  const primary = spawn(process.execPath, [SERVER, '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  primary.stdout.setEncoding('utf8').on('data', (text) => lines.push(...text.split('\n').filter(Boolean)));
  const clients = [];
  t.after(() => {
    for (const ws of clients) ws.terminate();
    if (primary.exitCode === null) primary.kill('SIGKILL');
  });
  await until(() => lines.some((l) => l.startsWith('listening on ')), 'the workers to listen', 20000);
  const [, url, pids] = /^listening on (\S+) with workers (.*)$/.exec(lines[0]);
  const workerPids = pids.split(' ').map(Number);
  assert.equal(workerPids.length, 2);

  // Connections are handed out round-robin: a few land on each worker.
  for (let i = 0; i < 6; i++) clients.push(client(url));
  await until(() => clients.every((ws) => ws.pid !== undefined), 'every client to learn its worker');
  const byWorker = (pid) => clients.filter((ws) => ws.pid === pid);
  assert.deepEqual(new Set(clients.map((ws) => ws.pid)), new Set(workerPids), 'both workers serve connections');

  // Published in one worker, delivered in both, once each.
  const sender = byWorker(workerPids[0])[0];
  sender.send('hello, everyone');
  await until(() => clients.every((ws) => ws.received.length === 1), 'the message in both workers');
  await sleep(200);
  for (const ws of clients) assert.deepEqual(ws.received, ['hello, everyone']);

  // A worker dies: its clients lose their connection, the other worker's keep theirs, and a
  // new worker takes its place.
  process.kill(workerPids[1], 'SIGKILL');
  await until(() => lines.some((l) => l.startsWith(`worker ${workerPids[1]} exited (SIGKILL), restarted: true`)), 'the primary to restart the worker');
  await until(() => byWorker(workerPids[1]).every((ws) => ws.closed), 'the dead worker\'s connections to end');
  for (const ws of byWorker(workerPids[0])) assert.equal(ws.closed, null, 'the other worker\'s connections stay open');
  // New connections go to the survivor until the new worker listens; then round-robin again.
  let replacement;
  for (let i = 0; i < 40 && replacement === undefined; i++) {
    const ws = client(url);
    clients.push(ws);
    await until(() => ws.pid !== undefined, 'a new connection');
    if (!workerPids.includes(ws.pid)) replacement = ws.pid;
    else await sleep(50);
  }
  assert.ok(replacement, 'a new worker serves connections');
  byWorker(replacement)[0].send('from the new worker');
  const open = clients.filter((ws) => !ws.closed);
  await until(() => open.every((ws) => ws.received.includes('from the new worker')), 'the new worker\'s message everywhere');

  // close(): 1001 to every connection, every worker exits, the primary reports the counts.
  primary.kill('SIGTERM');
  await until(() => open.every((ws) => ws.closed), 'every connection to close', 10000);
  for (const ws of open) assert.equal(ws.closed.code, 1001);
  await until(() => primary.exitCode !== null, 'the primary to exit');
  const closed = JSON.parse(lines.find((l) => l.startsWith('closed ')).slice('closed '.length));
  assert.equal(closed.closedCleanly, open.length);
  assert.equal(closed.dropped, 0);
  for (const pid of [workerPids[0], replacement]) assert.throws(() => process.kill(pid, 0), 'the worker is gone');
});

test('examples/chat-server.mjs --workers 2: one room across both workers, one "listening on http://" line', { timeout: 60_000 }, async (t) => {
  const CHAT = fileURLToPath(new URL('../../examples/chat-server.mjs', import.meta.url));
  const primary = spawn(process.execPath, [CHAT, '--port', '0', '--host', '127.0.0.1', '--workers', '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  primary.stdout.setEncoding('utf8').on('data', (text) => lines.push(...text.split('\n').filter(Boolean)));
  const members = [];
  t.after(() => {
    for (const ws of members) ws.terminate();
    if (primary.exitCode === null) primary.kill('SIGKILL');
  });
  await until(() => lines.some((l) => /listening on http:\/\//.test(l)), 'the chat server to listen', 20000);
  const port = Number(/:(\d+)\//.exec(lines.find((l) => /listening on http/.test(l)))[1]);
  for (let i = 0; i < 4; i++) members.push(client(`ws://127.0.0.1:${port}/chat`));
  await until(() => members.every((ws) => ws.readyState === WebSocket.OPEN), 'the members to connect');
  await sleep(100);
  members[0].send('hi from one');
  members[1].send('hi from two');
  await until(() => members.every((ws) => ws.received.length === 2), 'both messages to every member (two workers)');
  for (const ws of members) assert.deepEqual([...ws.received].sort(), ['hi from one', 'hi from two']);
  assert.equal(lines.filter((l) => /listening on http:\/\//.test(l)).length, 1);
  primary.kill('SIGTERM');
  await until(() => primary.exitCode !== null, 'the supervisor to exit');
  await until(() => members.every((ws) => ws.closed), 'the members to be closed');
});
