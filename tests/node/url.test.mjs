// createUrl / parseUrl: autobahn's create_url / parse_url (websocket.util), table-driven.
// Deliberate differences from autobahn, kept here as expectations: a default port is left out
// of a created URL (autobahn writes ":80"), IPv6 hosts are bracketed, and ws://unix:/path URLs
// name Unix sockets (parseUrl's host is "unix:/path", where autobahn's is "unix" with the path
// as the port; createUrl takes both forms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUrl, parseUrl } from '../../pkg/node.mjs';

const CREATE = [
  // [args, url]
  [['localhost'], 'ws://localhost/'],
  [['localhost', null, true], 'wss://localhost/'],
  [['localhost', 80], 'ws://localhost/'],
  [['localhost', 443, true], 'wss://localhost/'],
  [['localhost', 443], 'ws://localhost:443/'],
  [['localhost', 80, true], 'wss://localhost:80/'],
  [['127.0.0.1', 9000], 'ws://127.0.0.1:9000/'],
  [['example.com', 9000, true, '/chat'], 'wss://example.com:9000/chat'],
  [['example.com', null, false, 'chat'], 'ws://example.com/chat'],
  [['::1', 9000], 'ws://[::1]:9000/'],
  [['[::1]', 9000], 'ws://[::1]:9000/'],
  [['fe80::1', null, true, '/x'], 'wss://[fe80::1]/x'],
  // path is percent-encoded as urllib.parse.quote does ('/' and '_.-~' stay)
  [['h', null, false, '/a b/ü?#!*()~'], 'ws://h/a%20b/%C3%BC%3F%23%21%2A%28%29~'],
  // params are form-encoded (urlencode: space → +), list values repeat the name
  [['h', null, false, '/p', { a: 'x y', b: '&=' }], 'ws://h/p?a=x+y&b=%26%3D'],
  [['h', null, false, null, { a: ['1', '2'], b: 3 }], 'ws://h/?a=1&a=2&b=3'],
  [['h', null, false, '/p', {}], 'ws://h/p'],
  [['unix:/tmp/x.sock'], 'ws://unix:/tmp/x.sock'],
  [['unix:/tmp/x.sock', null, true, '/chat'], 'wss://unix:/tmp/x.sock:/chat'],
  [['unix:/tmp/x.sock', null, false, null, { a: '1' }], 'ws://unix:/tmp/x.sock:/?a=1'],
  // autobahn's form: hostname "unix", the socket's path in place of the port
  [['unix', '/tmp/x.sock'], 'ws://unix:/tmp/x.sock'],
  [['unix', '/tmp/x.sock', true, '/chat'], 'wss://unix:/tmp/x.sock:/chat'],
];

for (const [args, url] of CREATE) {
  test(`createUrl(${args.map((a) => JSON.stringify(a)).join(', ')}) = ${url}`, () => {
    assert.equal(createUrl(...args), url);
  });
}

const PARSE = [
  // [url, [isSecure, host, port, resource, path, params]]
  ['ws://localhost', [false, 'localhost', 80, '/', '/', {}]],
  ['wss://localhost', [true, 'localhost', 443, '/', '/', {}]],
  ['ws://localhost/', [false, 'localhost', 80, '/', '/', {}]],
  ['WS://Example.COM:9000/Chat', [false, 'example.com', 9000, '/Chat', '/Chat', {}]],
  ['wss://example.com:80/x', [true, 'example.com', 80, '/x', '/x', {}]],
  ['ws://127.0.0.1:9001/a/b?x=1&y=2&x=3', [false, '127.0.0.1', 9001, '/a/b?x=1&y=2&x=3', '/a/b', { x: ['1', '3'], y: ['2'] }]],
  ['ws://h?x=1', [false, 'h', 80, '/?x=1', '/', { x: ['1'] }]],
  ['ws://[::1]:9000/x', [false, '::1', 9000, '/x', '/x', {}]],
  ['wss://[2001:db8::1]/', [true, '2001:db8::1', 443, '/', '/', {}]],
  // the resource keeps the encoding as sent; the path and params are decoded
  ['ws://h/a%20b/%C3%BC?q=a+b&r=%26', [false, 'h', 80, '/a%20b/%C3%BC?q=a+b&r=%26', '/a b/ü', { q: ['a b'], r: ['&'] }]],
  ['ws://h/%zz', [false, 'h', 80, '/%zz', '/%zz', {}]],
  // an empty fragment is allowed (and dropped)
  ['ws://h/x#', [false, 'h', 80, '/x', '/x', {}]],
  ['ws://unix:/tmp/x.sock', [false, 'unix:/tmp/x.sock', null, '/', '/', {}]],
  ['wss://unix:/tmp/x.sock:/chat?a=1', [true, 'unix:/tmp/x.sock', null, '/chat?a=1', '/chat', { a: ['1'] }]],
];

for (const [url, expected] of PARSE) {
  test(`parseUrl(${url})`, () => {
    assert.deepEqual(parseUrl(url), expected);
  });
}

const INVALID = [
  '',
  'localhost',
  'http://localhost/',
  'ftp://h/',
  'ws:/h',
  'ws://',
  'ws://:80/',
  'ws://h:99999/',
  'ws://h:port/',
  'ws://h/x#frag',
  'ws://unix:',
  'ws://unix:?x',
];

for (const url of INVALID) {
  test(`parseUrl(${JSON.stringify(url)}) throws`, () => {
    assert.throws(() => parseUrl(url), (error) => error instanceof TypeError && error.message.includes('invalid'));
  });
}

test('createUrl output parses back to its parts', () => {
  for (const [args] of CREATE) {
    let [hostname, port = null, isSecure = false, path = null] = args; // eslint-disable-line prefer-const
    if (hostname === 'unix') [hostname, port] = [`unix:${port}`, null];
    const [secure, host, parsedPort, , parsedPath] = parseUrl(createUrl(...args));
    assert.equal(secure, isSecure, String(args));
    assert.equal(host, hostname.replace(/^\[(.*)\]$/, '$1'), String(args));
    if (!hostname.startsWith('unix:')) assert.equal(parsedPort, port ?? (isSecure ? 443 : 80), String(args));
    assert.equal(parsedPath, path ? (path.startsWith('/') ? path : `/${path}`) : '/', String(args));
  }
});
