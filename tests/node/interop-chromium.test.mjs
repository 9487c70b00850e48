// Interop with a real browser: headless Chromium's native WebSocket (Debian's /usr/bin/chromium,
// driven by playwright-core; nothing is downloaded) against our server. A page served over
// plain http on 127.0.0.1 opens the WebSocket, sends text and binary (ArrayBuffer) messages of
// every size up to 16 MiB, checks each echo byte for byte, and closes with a code and reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { chromium } from 'playwright-core';
import { SIZES, binaryPayload, textPayload, sha256, within, startEchoServer } from './support/interop.mjs';
import { startTap, parsed } from './support/tap.mjs';
import { agreementOf, assertInUse } from './support/deflate-wire.mjs';

const CHROMIUM = '/usr/bin/chromium';
const T = { timeout: 90_000 };

// The page's script. Its payloads are built like support/interop.mjs builds them, so our
// server's record of what arrived can be checked against the same bytes made in Node.
const PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>wasmsocket interop</title></head><body>
<script>
const UNIT = 'aκ€𝄞';
function textPayload(size) {
  const units = Math.floor(size / 10);
  return UNIT.repeat(units) + 'x'.repeat(size - units * 10);
}
function binaryPayload(size, seed) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed + (i >>> 8)) & 0xff;
  return bytes.buffer;
}
function sameBytes(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a), y = new Uint8Array(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
// Opens a WebSocket, echoes every size as binary and text, then closes: with close = [code,
// reason] the page closes; with serverClose = [code, reason] it asks the server to.
window.runInterop = async ({ url, protocols, sizes, close, serverClose, holdMs = 0 }) => {
  const ws = new WebSocket(url, protocols);
  ws.binaryType = 'arraybuffer';
  const received = [];
  let wake = null;
  ws.onmessage = (e) => { received.push(e.data); wake?.(); };
  const closed = new Promise((resolve) => { ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean }); });
  const opened = await new Promise((resolve) => { ws.onopen = () => resolve(true); ws.onerror = () => resolve(false); });
  if (!opened) return { opened, close: await closed };
  const result = { opened, protocol: ws.protocol, extensions: ws.extensions, mismatches: [], echoed: 0 };
  const sent = [];
  for (const size of sizes) {
    sent.push(binaryPayload(size, size & 0xff));
    sent.push(textPayload(size));
  }
  for (const m of sent) ws.send(m);
  while (received.length < sent.length) await new Promise((resolve) => { wake = resolve; });
  for (let i = 0; i < sent.length; i++) {
    const want = sent[i], got = received[i];
    const ok = typeof want === 'string' ? got === want : got instanceof ArrayBuffer && sameBytes(got, want);
    if (!ok) result.mismatches.push({ i, kind: typeof want === 'string' ? 'text' : 'binary', sent: want.length ?? want.byteLength, got: got.length ?? got.byteLength });
    else result.echoed++;
  }
  if (holdMs) await new Promise((resolve) => setTimeout(resolve, holdMs));
  if (serverClose) ws.send('!close ' + serverClose[0] + ' ' + serverClose[1]);
  else ws.close(close[0], close[1]);
  result.close = await closed;
  return result;
};
</script></body></html>`;

let browser;
let page;
let web;
let webUrl;

before(async () => {
  web = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(PAGE);
  });
  web.listen(0, '127.0.0.1');
  await once(web, 'listening');
  webUrl = `http://127.0.0.1:${web.address().port}/`;
  browser = await within(30_000, chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage',
      '--disable-gpu', '--no-first-run', '--disable-sync'],
  }), 'chromium to start');
  page = await browser.newPage();
  await within(10_000, page.goto(webUrl), 'the page');
});

after(async () => {
  await browser?.close();
  web?.close();
});

/** Checks what our server received against the payloads the page sent. */
function assertReceived(record, sizes) {
  const expected = sizes.flatMap((size) => [binaryPayload(size, size & 0xff), Buffer.from(textPayload(size))]
    .map((bytes, k) => ({ isBinary: k === 0, length: bytes.length, sha256: sha256(bytes) })));
  assert.deepEqual(record.messages.slice(0, expected.length), expected);
}

test('chromium → our server: every size, text and binary, compressed; the page closes with 4000 and a reason', T, async () => {
  const server = await startEchoServer({ protocols: ['chat.v1'] });
  const tap = await startTap(server.port);
  try {
    const reason = 'page bye κόσμε ✓';
    const result = await within(60_000, page.evaluate((args) => window.runInterop(args), {
      url: `${tap.url}/browser?tab=1`, protocols: ['chat.v2', 'chat.v1'], sizes: SIZES, close: [4000, reason],
    }), 'the page');
    assert.equal(result.opened, true);
    assert.equal(result.protocol, 'chat.v1');
    // Chromium offers "permessage-deflate; client_max_window_bits"; we cap its window at 12.
    const expect = 'permessage-deflate';
    assert.equal(result.extensions, expect, 'the browser agreed to permessage-deflate');
    assert.deepEqual(result.mismatches, []);
    assert.equal(result.echoed, SIZES.length * 2);
    // We answer a close with 1000 (echoCloseCodeReason off).
    assert.deepEqual(result.close, { code: 1000, reason: '', wasClean: true });

    const record = await server.connection();
    assert.equal(record.request.path, '/browser');
    assert.deepEqual(record.request.params, { tab: ['1'] });
    assert.equal(record.request.origin, webUrl.slice(0, -1));
    assert.deepEqual(record.request.protocols, ['chat.v2', 'chat.v1']);
    assert.deepEqual(record.request.extensions.map((e) => e.name), ['permessage-deflate'], 'chromium offers permessage-deflate');
    assertReceived(record, SIZES);
    assert.deepEqual(await within(5000, record.closed.promise, 'our onClose'), { wasClean: true, code: 4000, reason });
    // On the wire: the same agreement, and RSV1 on every data message each way (Chromium, like
    // us, compresses every message); text, very compressible here, shrank.
    const wire = parsed(tap.connections[0]);
    assert.equal(wire.toClient.header('sec-websocket-extensions'), expect);
    assertInUse(record.extensions, agreementOf(expect), true);
    const sent = SIZES.flatMap((length) => [{ isBinary: true, length }, { isBinary: false, length }]);
    for (const [direction, who] of [[wire.toServer, 'chromium → us'], [wire.toClient, 'us → chromium']]) {
      assert.equal(direction.messages.length, sent.length, `${who}: data messages`);
      sent.forEach((m, i) => {
        const w = direction.messages[i];
        assert.equal(w.compressed, true, `${who}, ${m.isBinary ? 'binary' : 'text'} ${m.length} B: RSV1`);
        if (!m.isBinary && m.length >= 1024) assert.ok(w.wireLength < m.length / 4, `${who}, text ${m.length} B: ${w.wireLength} B on the wire`);
      });
    }
  } finally {
    await tap.close();
    await server.close();
  }
});

test('chromium → our server with compression: null: nothing negotiated; the server closes with 4001 and a reason', T, async () => {
  const server = await startEchoServer({ options: { compression: null } });
  const tap = await startTap(server.port);
  try {
    const reason = 'server bye — до свидания';
    const sizes = [0, 125, 65536];
    const result = await within(30_000, page.evaluate((args) => window.runInterop(args), {
      url: tap.url, protocols: [], sizes, serverClose: [4001, reason],
    }), 'the page');
    assert.equal(result.opened, true);
    assert.equal(result.protocol, '');
    assert.equal(result.extensions, '', 'we declined permessage-deflate');
    const wire = parsed(tap.connections[0]);
    assert.equal(wire.toClient.header('sec-websocket-extensions'), null);
    assert.ok([...wire.toServer.messages, ...wire.toClient.messages].every((m) => !m.compressed), 'no RSV1 either way');
    assert.deepEqual(result.mismatches, []);
    assert.deepEqual(result.close, { code: 4001, reason, wasClean: true });
    const record = await server.connection();
    assertReceived(record, sizes);
    // Chromium answers with the code and reason it received.
    const ours = await within(5000, record.closed.promise, 'our onClose');
    assert.deepEqual(ours, { wasClean: true, code: 4001, reason });
  } finally {
    await tap.close();
    await server.close();
  }
});

test('chromium → our server: a refused subprotocol fails the handshake in the browser', T, async () => {
  // We accept without a subprotocol; a browser that asked for one must then fail (RFC 6455 4.1).
  const server = await startEchoServer({ protocols: ['other'] });
  try {
    const result = await within(30_000, page.evaluate((args) => window.runInterop(args), {
      url: server.url, protocols: ['chat.v1'], sizes: [], close: [1000, ''],
    }), 'the page');
    assert.equal(result.opened, false);
    assert.equal(result.close.code, 1006);
    assert.equal(result.close.wasClean, false);
  } finally {
    await server.close();
  }
});

test('chromium → our server: the browser answers our auto-pings', T, async () => {
  const server = await startEchoServer({ options: { autoPingInterval: 0.1, autoPingTimeout: 2, autoPingSize: 16 } });
  try {
    const result = await within(30_000, page.evaluate((args) => window.runInterop(args), {
      url: server.url, protocols: [], sizes: [10], holdMs: 800, close: [1000, ''],
    }), 'the page');
    assert.deepEqual(result.mismatches, []);
    assert.deepEqual(result.close, { code: 1000, reason: '', wasClean: true });
    const record = await server.connection();
    assert.ok(record.pongs >= 3, `pongs: ${record.pongs}`);
    assert.deepEqual(await within(5000, record.closed.promise, 'our onClose'), { wasClean: true, code: 1000, reason: '' });
  } finally {
    await server.close();
  }
});
