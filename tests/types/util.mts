// URL helpers, constants, value types, the option table, the low-level Wire and the wasm core.
import {
  Connection,
  Disconnected,
  IncomingMessage,
  Kind,
  Opcode,
  OutgoingMessage,
  PROTOCOL_OPTIONS,
  State,
  VERSION,
  Wire,
  Status,
  WebSocketProtocol,
  createUrl,
  parseUrl,
  version,
  type ParsedUrl,
  type WireEvent,
} from 'wasmsocket';
import { assertType, expectType, type Equal } from './assert.mjs';

// createUrl / parseUrl (a tuple, as autobahn's parseWsUrl).
expectType<string>(createUrl('localhost'));
expectType<string>(createUrl('127.0.0.1', 9000, false, '/chat', { room: 'a', tag: ['x', 'y'], n: 1 }));
expectType<string>(createUrl('unix:/tmp/ws.sock', null, true));
const [isSecure, host, port, resource, path, params] = parseUrl('wss://example.com:8443/chat?room=1');
expectType<boolean>(isSecure);
expectType<string>(host);
expectType<number | null>(port);
expectType<string>(resource);
expectType<string>(path);
expectType<string[] | undefined>(params['room']);
assertType<Equal<ReturnType<typeof parseUrl>, ParsedUrl>>();
assertType<Equal<ParsedUrl['length'], 6>>();

// Constants.
expectType<string>(VERSION);
expectType<string>(version());
expectType<0>(State.CONNECTING);
expectType<1>(State.OPEN);
expectType<2>(State.CLOSING);
expectType<3>(State.CLOSED);
expectType<1>(Kind.TEXT);
expectType<2>(Opcode.BINARY);

// The option table.
expectType<'s' | 'c' | 'sc'>(PROTOCOL_OPTIONS.maxConnections.role);
expectType<unknown>(PROTOCOL_OPTIONS.autoPingSize.default);
expectType<boolean>(PROTOCOL_OPTIONS.webStatus.check(true));
expectType<string>(PROTOCOL_OPTIONS.serverConnectionDropTimeout.expect);
for (const name of Object.keys(PROTOCOL_OPTIONS)) console.log(name);

// Value types.
const incoming = new IncomingMessage(new Uint8Array(2), true);
expectType<Uint8Array>(incoming.payload);
const outgoing = new OutgoingMessage('text', false, true);
expectType<boolean>(outgoing.skipCompress);
const error = new Disconnected();
expectType<Error>(error);
expectType<string>(error.message);

// The shared protocol base class.
const base: WebSocketProtocol = new WebSocketProtocol();
expectType<boolean>(base.sendMessage('x'));

// The low-level Wire and the wasm Connection.
const wire = new Wire('server', { maxMessagePayloadSize: 1024, deliverFrames: false }, { open: true });
const events: WireEvent[] = wire.receive(Uint8Array.of(0x81, 0x80, 0, 0, 0, 0));
for (const event of events) {
  switch (event.type) {
    case 'text':
    case 'binary':
      expectType<Uint8Array>(event.data);
      break;
    case 'close':
      expectType<number>(event.code);
      break;
    case 'request':
      expectType<string>(event.request.path);
      break;
    case 'open':
      expectType<number>(event.response.status);
      break;
    default:
      break;
  }
}
const chunks: Uint8Array[] = wire.sendMessage('hi', false);
wire.sendFrame(Opcode.TEXT, 'a', false);
wire.sendFrame(Opcode.CONTINUATION, new Uint8Array(1), true);
expectType<Uint8Array | null>(wire.takeOutput());
wire.receiveEof();
wire.resume();
const core: Connection = wire.core;
expectType<string | undefined>(core.subprotocol());
expectType<number>(wire.status & Status.CLOSE_TRANSPORT);
expectType<0 | 1 | 2 | 3>(wire.state);
expectType<Uint8Array[]>(wire.takeChunks());
const bufferWire = new Wire('client', {}, { alloc: (n) => Buffer.allocUnsafe(n) });
expectType<WireEvent<Buffer>[]>(bufferWire.receive(new Uint8Array(0)));
new Connection('client', {}, new Uint8Array(32)).free();
console.log(chunks.length);
