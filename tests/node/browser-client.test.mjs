// The browser client (pkg/browser.mjs: js/browser/ over src/wasm/browser.rs, the browser's own
// WebSocket through web-sys) in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; nothing is downloaded), against our Node server on 127.0.0.1. A page
// served with pkg/ over node:http imports the package's browser entry and runs one client
// protocol per test; the Node side records what the server saw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { chromium } from 'playwright-core';
import { WebSocketServerFactory, WebSocketServerProtocol, listenWS, PROTOCOL_OPTIONS } from '../../pkg/node.mjs';
import { BROWSER_OPTIONS, checkBrowserOptions } from '../../js/browser/options.mjs';
import { within } from './support/interop.mjs';
import { skipUnlessCI } from '../shared/missing.mjs';

const CHROMIUM = '/usr/bin/chromium';
const skip = skipUnlessCI(existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (scripts/setup.sh installs Debian's chromium)`);
const T = { timeout: 30_000, skip };
const PKG = path.resolve(fileURLToPath(new URL('../../pkg/', import.meta.url)));
const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' };

// The page: loads the package's browser entry and offers window.runClient(args), which runs a
// recording client protocol to the end (onClose) and returns what happened.
const PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>wasmsocket browser client</title></head><body>
<script type="module">
import * as wasmsocket from '/pkg/browser.mjs';
const { WebSocketClientFactory, WebSocketClientProtocol, connectWS, State } = wasmsocket;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const attempt = (fn) => { try { fn(); return null; } catch (error) { return error.name + ': ' + error.message; } };

// sends: what to send once open, [payload, isBinary] with payload a string or an array of
// bytes (sent as a Uint8Array); expect: how many messages to wait for before close.
window.runClient = ({ url, protocols = [], options = {}, sends = [], expect = 0, close = null, throwInOnOpen = false }) =>
  new Promise((resolve) => {
    const log = { events: [], messages: [], errors: [], states: [] };
    class Recording extends WebSocketClientProtocol {
      onConnecting(details) { log.events.push('connecting'); log.connecting = details; }
      onConnect(response) { log.events.push('connect'); log.response = { protocol: response.protocol, version: response.version, extensions: response.extensions, headers: response.headers }; }
      onOpen() {
        log.events.push('open');
        log.states.push(this.state);
        log.protocolInUse = this.protocolInUse;
        log.misuse = {
          ping: attempt(() => this.sendPing()),
          closeCode: attempt(() => this.sendClose(1011)),
          longReason: attempt(() => this.sendClose(1000, 'x'.repeat(124))),
          badUtf8: attempt(() => this.sendMessage(new Uint8Array([0xff]), false)),
        };
        if (throwInOnOpen) throw new Error('boom in onOpen');
        for (const [payload, isBinary] of sends) this.sendMessage(typeof payload === 'string' ? payload : new Uint8Array(payload), isBinary);
        if (expect === 0 && close) this.sendClose(...close);
      }
      // Async on purpose: later messages must wait, in order.
      async onMessage(payload, isBinary) {
        log.messages.push({ isBinary, bytes: Array.from(payload), isUint8Array: payload instanceof Uint8Array });
        await sleep(5);
        if (log.messages.length === expect && close) this.sendClose(...close);
      }
      onError(error) { log.errors.push(String(error && error.message)); }
      onClose(wasClean, code, reason) {
        log.events.push('close');
        log.states.push(this.state);
        log.close = { wasClean, code, reason };
        resolve(log);
      }
    }
    const factory = new WebSocketClientFactory(url, { protocols });
    factory.protocol = Recording;
    factory.setProtocolOptions(options);
    log.refusedOption = attempt(() => factory.setProtocolOptions({ autoPingInterval: 1 }));
    connectWS(factory).catch((error) => resolve({ rejected: String(error) }));
  });
window.ready = true;
</script></body></html>`;

let browser;
let page;
let web;

/** Serves the page on / and pkg/ (read-only, nothing outside it) on /pkg/. */
async function serve(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(PAGE);
  }
  const file = path.resolve(PKG, `.${decodeURIComponent(url.pathname.replace(/^\/pkg\//, '/'))}`);
  if (!url.pathname.startsWith('/pkg/') || !file.startsWith(PKG + path.sep)) {
    res.writeHead(404);
    return res.end();
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    return res.end(body);
  } catch {
    res.writeHead(404);
    return res.end();
  }
}

before(async () => {
  if (skip) return;
  web = http.createServer(serve).listen(0, '127.0.0.1');
  await once(web, 'listening');
  browser = await within(30_000, chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage',
      '--disable-gpu', '--no-first-run', '--disable-sync'],
  }), 'chromium to start');
  page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  await within(10_000, page.goto(`http://127.0.0.1:${web.address().port}/`), 'the page');
  await within(10_000, page.waitForFunction(() => window.ready === true), 'the browser entry to load');
});

after(async () => {
  await browser?.close();
  web?.close();
});

/** Our Node server: greets each client with a text and a binary message, echoes, records. */
async function startServer({ protocols = [] } = {}) {
  const records = [];
  class Greeter extends WebSocketServerProtocol {
    record = { messages: [], closed: null };
    onConnect(request) {
      this.record.request = request;
      records.push(this.record);
      this.record.closedPromise = new Promise((resolve) => { this.record.closed = resolve; });
      return null;
    }
    onOpen() {
      this.sendMessage('greeting κόσμε ✓');
      this.sendMessage(new Uint8Array([0, 1, 127, 128, 254, 255]), true);
    }
    onMessage(payload, isBinary) {
      this.record.messages.push({ isBinary, bytes: Array.from(payload) });
      const command = isBinary ? null : /^!close (\d+) (.*)$/s.exec(payload.toString('utf8'));
      if (command) this.sendClose(Number(command[1]), command[2]);
      else this.sendMessage(payload, isBinary);
    }
    onClose(wasClean, code, reason) {
      this.record.closed({ wasClean, code, reason });
    }
  }
  const factory = new WebSocketServerFactory('ws://127.0.0.1:0', { protocols });
  factory.protocol = Greeter;
  const handle = await listenWS(factory, { host: '127.0.0.1', port: 0 });
  return { url: `ws://127.0.0.1:${handle.port}/room?x=1`, records, close: () => handle.close() };
}

const run = (args, ms = 15_000) => within(ms, page.evaluate((a) => window.runClient(a), args), 'the page');
const utf8 = (text) => Array.from(Buffer.from(text));
const GREETING = [{ isBinary: false, bytes: utf8('greeting κόσμε ✓'), isUint8Array: true }, { isBinary: true, bytes: [0, 1, 127, 128, 254, 255], isUint8Array: true }];

test('every client option is either applied in the browser or refused with a reason', () => {
  const clientOptions = Object.entries(PROTOCOL_OPTIONS).filter(([, spec]) => spec.role.includes('c')).map(([name]) => name);
  for (const name of clientOptions) {
    if (BROWSER_OPTIONS.includes(name)) continue;
    assert.throws(() => checkBrowserOptions({ [name]: PROTOCOL_OPTIONS[name].default }), new RegExp(`"${name}" does not apply in a browser \\(`));
  }
  assert.throws(() => checkBrowserOptions({ maxConnections: 1 }), /"maxConnections" is a server option/);
  assert.throws(() => checkBrowserOptions({ openHandshakeTimeout: -1, nope: 1 }), /unknown option "nope".*"openHandshakeTimeout" must be seconds/);
  checkBrowserOptions({ openHandshakeTimeout: 2, closeHandshakeTimeout: 0, sendHighWaterMark: 10, version: 13 });
});

test('browser client ↔ our server: text and binary both ways, then the page closes with 4000 and a reason', T, async () => {
  const server = await startServer({ protocols: ['v1'] });
  try {
    const reason = 'page bye κόσμε ✓';
    const sends = [['héllo ✓', false], [[0, 255, 1, 2, 128], true], [utf8('text from bytes ✓'), false], ['binary from a string', true], ['', false], [[], true]];
    const log = await run({ url: server.url, protocols: ['v2', 'v1'], sends, expect: 2 + sends.length, close: [4000, reason] });
    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.events, ['connecting', 'connect', 'open', 'close']);
    assert.deepEqual(log.connecting, { peer: server.url, isSecure: false });
    // Chromium offers permessage-deflate and our server (compression on by default) accepts it.
    const deflate = { name: 'permessage-deflate', params: [] };
    assert.deepEqual(log.response, { protocol: 'v1', version: 13, extensions: [deflate], headers: {} });
    assert.equal(log.protocolInUse, 'v1');
    assert.deepEqual(log.states, [1, 3]);
    assert.match(log.refusedOption, /^RangeError: .*"autoPingInterval" does not apply in a browser/);
    assert.match(log.misuse.ping, /^Error: sendPing: a page cannot send pings/);
    assert.match(log.misuse.closeCode, /^RangeError: close code must be 1000 or within 3000-4999, got 1011/);
    assert.match(log.misuse.longReason, /^RangeError: close reason must be at most 123 UTF-8 bytes/);
    assert.match(log.misuse.badUtf8, /^TypeError: a text message must be valid UTF-8/);

    const sent = sends.map(([payload, isBinary]) => ({ isBinary, bytes: typeof payload === 'string' ? utf8(payload) : payload }));
    // The page got the greeting, then each message back, in order, as Uint8Array bytes.
    assert.deepEqual(log.messages, [...GREETING, ...sent.map((m) => ({ ...m, isUint8Array: true }))]);
    // Our server answers a close with 1000 (echoCloseCodeReason off).
    assert.deepEqual(log.close, { wasClean: true, code: 1000, reason: '' });

    const [record] = server.records;
    assert.equal(record.request.path, '/room');
    assert.deepEqual(record.request.params, { x: ['1'] });
    assert.deepEqual(record.request.protocols, ['v2', 'v1']);
    assert.deepEqual(record.messages, sent);
    assert.deepEqual(await within(5000, record.closedPromise, 'the server\'s onClose'), { wasClean: true, code: 4000, reason });
  } finally {
    await server.close();
  }
});

test('browser client ↔ our server: the server closes with 4001 and a reason', T, async () => {
  const server = await startServer();
  try {
    const reason = 'server bye — до свидания';
    const log = await run({ url: server.url, sends: [[`!close 4001 ${reason}`, false]] });
    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.messages, GREETING);
    assert.equal(log.response.protocol, null);
    assert.deepEqual(log.close, { wasClean: true, code: 4001, reason });
    // Chromium answers with the code and reason it received.
    assert.deepEqual(await within(5000, server.records[0].closedPromise, 'the server\'s onClose'), { wasClean: true, code: 4001, reason });
  } finally {
    await server.close();
  }
});

test('browser client: a callback that throws fails the connection (onError, then onClose 1011)', T, async () => {
  const server = await startServer();
  try {
    const log = await run({ url: server.url, throwInOnOpen: true, sends: [['never sent', false]] });
    assert.deepEqual(log.errors, ['boom in onOpen']);
    assert.deepEqual(log.close, { wasClean: false, code: 1011, reason: 'internal error' });
    assert.deepEqual(log.messages, [], 'nothing is delivered after the failure');
    // A page may not send 1011: the close frame carries no code.
    assert.deepEqual(await within(5000, server.records[0].closedPromise, 'the server\'s onClose'), { wasClean: true, code: 1005, reason: '' });
    assert.deepEqual(server.records[0].messages, []);
  } finally {
    await server.close();
  }
});

test('browser client: openHandshakeTimeout against a server that never answers', T, async () => {
  const silent = net.createServer((socket) => socket.on('error', () => {})).listen(0, '127.0.0.1');
  await once(silent, 'listening');
  try {
    const started = Date.now();
    const log = await run({ url: `ws://127.0.0.1:${silent.address().port}/`, options: { openHandshakeTimeout: 0.3 } });
    assert.deepEqual(log.events, ['connecting', 'close']);
    assert.deepEqual(log.close, { wasClean: false, code: 1006, reason: 'connection was closed uncleanly (opening handshake timeout)' });
    assert.deepEqual(log.errors, []);
    assert.ok(Date.now() - started < 5000);
  } finally {
    silent.close();
  }
});

test('browser client: a refused TCP connection ends in onClose(false, 1006)', T, async () => {
  const closed = net.createServer().listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const { port } = closed.address();
  closed.close();
  const log = await run({ url: `ws://127.0.0.1:${port}/` });
  assert.deepEqual(log.events, ['connecting', 'close']);
  assert.deepEqual(log.close, { wasClean: false, code: 1006, reason: 'connection was closed uncleanly (the browser could not open the WebSocket connection)' });
  assert.deepEqual(log.errors, []);
});

test('browser client: the browser refuses a bad subprotocol list, and connectWS rejects', T, async () => {
  const log = await run({ url: 'ws://127.0.0.1:9/', protocols: ['a', 'a'] });
  assert.match(log.rejected, /SyntaxError|subprotocol/i);
});

test('examples/chat-server.mjs: two pages chat through the browser client', T, async () => {
  const { spawn } = await import('node:child_process');
  const chat = spawn(process.execPath, [fileURLToPath(new URL('../../examples/chat-server.mjs', import.meta.url)), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    chat.stdout.on('data', (chunk) => { out += chunk; });
    const url = await within(10_000, new Promise((resolve) => chat.stdout.on('data', () => {
      const match = /listening on (http:\S+)/.exec(out);
      if (match) resolve(match[1]);
    })), 'the chat server');
    const pages = [await browser.newPage(), await browser.newPage()];
    try {
      const lines = (p) => p.evaluate(() => Array.from(document.querySelectorAll('#log div'), (d) => d.textContent));
      for (const p of pages) {
        await within(10_000, p.goto(url), 'the chat page');
        await within(10_000, p.waitForFunction(() => document.querySelector('#log div')?.textContent === 'connected'), 'the page to connect');
      }
      await pages[0].fill('#text', 'hello from tab 1 ✓');
      await pages[0].click('button');
      for (const p of pages) {
        await within(10_000, p.waitForFunction(() => document.querySelectorAll('#log div').length === 2), 'the message to arrive');
        const [connected, said] = await lines(p);
        assert.equal(connected, 'connected');
        assert.match(said, /^guest-\d+: hello from tab 1 ✓$/);
      }
    } finally {
      for (const p of pages) await p.close();
    }
  } finally {
    chat.kill('SIGTERM');
    await once(chat, 'exit');
  }
});
