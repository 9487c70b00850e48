// allowedOrigins as autobahn matches it (protocol.py _is_same_origin, util.wildcards2patterns):
// each pattern against `scheme://host:port` with the default port filled in, over real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startServer, cleanup, within } from './support/api.mjs';

/** The status a ws client sending `origin` gets: 101 or the refusal's. */
async function status(url, origin) {
  const ws = new WebSocket(url, { perMessageDeflate: false, origin });
  ws.on('error', () => {});
  return within(new Promise((resolve) => {
    ws.once('open', () => { resolve(101); ws.terminate(); });
    ws.once('unexpected-response', (req, res) => { resolve(res.statusCode); ws.terminate(); });
  }), 3000, 'a response');
}

async function check(t, options, cases) {
  const defer = cleanup(t);
  const srv = defer.server(await startServer({}, { options }));
  for (const [origin, expected] of cases) assert.equal(await status(srv.url, origin), expected, origin);
}

test('allowedOrigins: a pattern with the default port admits the browser origin that omits it', (t) => check(t,
  { allowedOrigins: ['https://*.example.com:443', 'http://localhost:80', 'http://::1:8080'] },
  [
    ['https://app.example.com', 101],
    ['https://app.example.com:443', 101],
    ['HTTPS://Deep.App.Example.COM', 101],
    ['http://localhost', 101],
    ['http://[::1]:8080', 101],
    ['https://example.com', 403],
    ['http://app.example.com', 403],
    ['https://app.example.com:8443', 403],
    ['https://app.example.com.evil.net', 403],
    ['http://localhost:8080', 403],
  ]));

test('allowedOrigins: wildcards span the port; port-less patterns still match the browser form', (t) => check(t,
  { allowedOrigins: ['https://*.example.com', 'http://dev.local:*'] },
  [
    ['https://app.example.com', 101],
    ['https://app.example.com:8443', 403],
    ['http://dev.local:3000', 101],
    ['http://dev.local', 101],
    ['https://dev.local', 403],
  ]));

test('allowedOrigins: a file: origin counts as null (allowNullOrigin decides), as in autobahn', async (t) => {
  await check(t, { allowNullOrigin: false }, [['file://', 403], ['null', 403], ['http://any.where', 101]]);
  await check(t, { allowNullOrigin: true, allowedOrigins: ['https://only.example:443'] }, [['file://', 101], ['null', 101]]);
});
