// Issue 12, defect 4: python-websockets' deflate factories. Their options are checked by the
// core (unknown names throw naming them; python's snake_case names throw naming the camelCase
// one; compressSettings as zlib's compressobj takes them, with what the backend cannot do
// refused with the reason), and their negotiation can be called from JavaScript to wrap or
// delegate, as in python-websockets: the extension they give back, returned by a JS factory,
// is the core's deflate on that connection. JS factories see the built-in extensions
// negotiated before them with their parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { WebSocket } from 'ws';
import {
  ClientExtensionFactory, ClientPerMessageDeflateFactory, Extension, NegotiationError, ServerExtensionFactory,
  ServerPerMessageDeflateFactory, BuiltinExtension, CoreExtension,
} from '../../pkg/node.mjs';
import { startServer, startClient, cleanup, within } from './support/api.mjs';

const echo = { onMessage(payload, isBinary) { this.sendMessage(payload, isBinary); } };

test('unknown and misspelled options throw naming them; snake_case names name the camelCase one', () => {
  for (const Factory of [ServerPerMessageDeflateFactory, ClientPerMessageDeflateFactory]) {
    assert.throws(() => new Factory({ serverNoContextTakover: true }), /unknown option serverNoContextTakover \(known: serverNoContextTakeover/);
    assert.throws(() => new Factory({ server_no_context_takeover: true }), /unknown option server_no_context_takeover: this library spells it serverNoContextTakeover/);
    assert.throws(() => new Factory({ client_max_window_bits: 10 }), /spells it clientMaxWindowBits/);
    assert.throws(() => new Factory({ compress_settings: { level: 1 } }), /spells it compressSettings/);
    assert.throws(() => new Factory({ compressSettings: { mem_level: 4 } }), /unknown compressSettings key mem_level: this library spells it memLevel/);
    assert.throws(() => new Factory({ compressSettings: { lvl: 4 } }), /unknown compressSettings key lvl \(known: level, memLevel/);
    assert.throws(() => new Factory({ serverMaxWindowBits: 16 }), /serverMaxWindowBits must be 8-15/);
    assert.throws(() => new Factory({ serverNoContextTakeover: 'yes' }), /serverNoContextTakeover must be a boolean/);
  }
  assert.throws(() => new ServerPerMessageDeflateFactory({ clientMaxWindowBits: true }), /clientMaxWindowBits must be 8-15 or null/);
  assert.equal(new ClientPerMessageDeflateFactory().settings.clientMaxWindowBits, true);
});

test('compressSettings takes what zlib takes: level (-1-9), memLevel, strategy 0, method 8; the rest throws saying why', () => {
  const f = new ServerPerMessageDeflateFactory({ compressSettings: { level: -1, memLevel: 5, strategy: 0, method: 8 } });
  assert.equal(f.settings.level, 6, 'level -1 is zlib\'s Z_DEFAULT_COMPRESSION (6)');
  assert.equal(f.settings.memLevel, 5);
  assert.equal(new ServerPerMessageDeflateFactory({ compressSettings: { level: 9 } }).settings.level, 9);
  assert.throws(() => new ServerPerMessageDeflateFactory({ compressSettings: { level: 10 } }), /level must be -1-9/);
  assert.throws(() => new ServerPerMessageDeflateFactory({ compressSettings: { memLevel: 0 } }), /memLevel must be 1-9/);
  assert.throws(() => new ServerPerMessageDeflateFactory({ compressSettings: { strategy: zlib.constants.Z_FILTERED } }), /strategy 1 is not supported: this library reuses compressors across connections and messages and re-levels them with Z_DEFAULT_STRATEGY \(0\)/);
  assert.throws(() => new ServerPerMessageDeflateFactory({ compressSettings: { strategy: 7 } }), /strategy must be a zlib strategy/);
  assert.throws(() => new ServerPerMessageDeflateFactory({ compressSettings: { method: 9 } }), /method must be 8/);
  assert.throws(() => new ServerPerMessageDeflateFactory({ compressSettings: { wbits: 10 } }), /must not include wbits: set serverMaxWindowBits instead/);
  assert.throws(() => new ClientPerMessageDeflateFactory({ compressSettings: { zdict: 'x' } }), /zdict is not supported/);
});

test('the built-in factories negotiate when called from JS, as python-websockets\' do', () => {
  const server = new ServerPerMessageDeflateFactory({ serverMaxWindowBits: 12, clientNoContextTakeover: true });
  const [response, extension] = server.processRequestParams([['client_max_window_bits', null]], []);
  assert.deepEqual(response, [['client_no_context_takeover', null], ['server_max_window_bits', '12']]);
  assert.ok(extension instanceof BuiltinExtension && extension instanceof Extension);
  assert.equal(extension.name, 'permessage-deflate');
  assert.equal(extension.rsvBits, 4);
  assert.deepEqual(extension.params, response);
  assert.throws(() => server.processRequestParams([['bogus', null]], []), (e) => e instanceof NegotiationError && /unknown parameter bogus/.test(e.message));
  assert.throws(() => server.processRequestParams([], [extension]), (e) => e instanceof NegotiationError && /already negotiated/.test(e.message));

  const client = new ClientPerMessageDeflateFactory({ serverMaxWindowBits: 10 });
  assert.deepEqual(client.getRequestParams(), [['server_max_window_bits', '10'], ['client_max_window_bits', null]]);
  const ext = client.processResponseParams([['server_max_window_bits', '9']], []);
  assert.ok(ext instanceof BuiltinExtension);
  assert.deepEqual(ext.params, [['server_max_window_bits', '9']]);
  assert.throws(() => client.processResponseParams([], []), (e) => e instanceof NegotiationError && /server_max_window_bits was requested/.test(e.message));
});

/** python-websockets' delegation: a server factory wrapping the built-in one, counting offers. */
class CountingDeflate extends ServerExtensionFactory {
  calls = [];
  inner = new ServerPerMessageDeflateFactory({ serverMaxWindowBits: 11 });
  get name() { return 'permessage-deflate'; }
  processRequestParams(params, accepted) {
    this.calls.push({ params, accepted: accepted.map((e) => [e.constructor.name, e.name, e.params]) });
    return this.inner.processRequestParams(params, accepted);
  }
}

test('a JS server factory delegating to ServerPerMessageDeflateFactory: the core deflate runs on the connection', async (t) => {
  const defer = cleanup(t);
  const factory = new CountingDeflate();
  const server = defer.server(await startServer(echo, { options: { extensions: [factory], compression: null } }));
  const ws = defer.ws(new WebSocket(server.url, { perMessageDeflate: { clientMaxWindowBits: true } }));
  let answered;
  ws.once('upgrade', (response) => { answered = response.headers['sec-websocket-extensions']; });
  await within(new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); }), 3000, 'ws open');
  assert.equal(answered, 'permessage-deflate; server_max_window_bits=11');
  assert.equal(factory.calls.length, 1);
  const text = 'compress me '.repeat(500);
  ws.send(text);
  const [reply] = await within(new Promise((resolve) => ws.once('message', (...a) => resolve(a))), 3000, 'echo');
  assert.equal(reply.toString(), text);
  const [protocol] = server.factory._connections;
  assert.equal(protocol.extensionsInUse[0].serverMaxWindowBits, 11);
});

/** A JS extension after deflate: it sees deflate among the accepted, with its parameters. */
class Tagger extends Extension {
  get name() { return 'x-tag'; }
}
class ClientTag extends ClientExtensionFactory {
  seen = null;
  get name() { return 'x-tag'; }
  getRequestParams() { return []; }
  processResponseParams(params, accepted) { this.seen = accepted; return new Tagger(); }
}
class ServerTag extends ServerExtensionFactory {
  seen = null;
  get name() { return 'x-tag'; }
  processRequestParams(params, accepted) { this.seen = accepted; return [[], new Tagger()]; }
}

test('acceptedExtensions shows the negotiated built-in extensions with their parameters', async (t) => {
  const defer = cleanup(t);
  const serverTag = new ServerTag();
  const server = defer.server(await startServer(echo, {
    options: { extensions: [new ServerPerMessageDeflateFactory({ serverNoContextTakeover: true }), serverTag], compression: null },
  }));
  const clientTag = new ClientTag();
  const client = await startClient(server.url, {}, { options: { extensions: [new ClientPerMessageDeflateFactory({ clientMaxWindowBits: 12 }), clientTag], compression: null } });
  defer(() => client.protocol.dropConnection('test over'));
  await client.recorder.wait('onOpen');
  const expected = [['server_no_context_takeover', null], ['client_max_window_bits', '12']];
  for (const seen of [serverTag.seen, clientTag.seen]) {
    assert.equal(seen.length, 1);
    assert.ok(seen[0] instanceof CoreExtension);
    assert.equal(seen[0].name, 'permessage-deflate');
    assert.deepEqual(seen[0].params, expected);
  }
});
