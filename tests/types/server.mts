// The server API from the Node entry: factory, options, protocol callbacks, handshake types,
// listenWS, attachWS, handleUpgrade.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import {
  ConnectionAccept,
  ConnectionDeny,
  ConnectionRequest,
  CoreTrappedError,
  Disconnected,
  TRAP_CLOSE_CODE,
  TRAP_REASON,
  PreparedMessage,
  RedisBroker,
  startWorkers,
  joinWorkers,
  type RedisBrokerStatus,
  State,
  WebSocketServerFactory,
  WebSocketServerProtocol,
  attachWS,
  handleUpgrade,
  listenWS,
  type ListenerCloseResult,
  type ListeningPort,
  type ServerProtocolOptions,
  type TransportDetails,
} from 'wasmsocket';
import { assertType, expectType, type Equal } from './assert.mjs';

class EchoProtocol extends WebSocketServerProtocol {
  onConnecting(details: TransportDetails): void {
    expectType<string | null>(details.peer);
    expectType<boolean>(details.isSecure);
  }

  onConnect(request: ConnectionRequest): string | ConnectionAccept | null {
    expectType<string | null>(request.peer);
    expectType<Record<string, string>>(request.headers);
    expectType<string>(request.host);
    expectType<string>(request.path);
    expectType<string[] | undefined>(request.params['room']);
    expectType<number>(request.version);
    expectType<string | null>(request.origin);
    expectType<string[]>(request.protocols);
    expectType<string>(request.extensions[0]!.name);
    expectType<string | null>(request.extensions[0]!.params[0]![1]);
    if (request.path === '/deny') throw new ConnectionDeny(ConnectionDeny.FORBIDDEN, 'go away');
    if (request.path === '/404') throw new ConnectionDeny(ConnectionDeny.NOT_FOUND);
    if (request.protocols.includes('chat')) return 'chat';
    if (request.path === '/headers') return new ConnectionAccept(null, { 'X-Test': 'yes', 'Set-Cookie': ['a=1', 'b=2'], 'X-Count': 3 });
    return null;
  }

  onOpen(): void {
    expectType<boolean>(this.sendMessage('hello'));
    expectType<boolean>(this.sendMessage(Buffer.from([1, 2, 3]), true));
    this.sendMessage(new Uint8Array(4), true, 2);
    this.sendMessage(new ArrayBuffer(8), true, null, false, true);
    this.sendMessage(new DataView(new ArrayBuffer(2)), true);
    this.sendPing();
    this.sendPing('ping');
    this.sendPong(Buffer.alloc(4));
    expectType<string | null>(this.protocolInUse);
    expectType<number>(this.bufferedAmount);
    expectType<string | null>(this.peer);
    expectType<ConnectionRequest | undefined>(this.request);
    if (this.state === State.OPEN) this.sendClose(1000, 'bye');
    this.sendClose();
    this.sendClose(4000);
    this.dropConnection();
    this.dropConnection('because');
  }

  onMessage(payload: Buffer, isBinary: boolean): void {
    // Node payloads are Buffers.
    expectType<string>(payload.toString('utf8'));
    if (!isBinary) this.sendMessage(payload.toString());
    else this.sendMessage(payload, true);
  }

  onPing(payload: Buffer): void {
    super.onPing(payload);
  }

  onPong(payload: Buffer): void {
    expectType<number>(payload.length);
  }

  onClose(wasClean: boolean, code: number, reason: string): void {
    expectType<[boolean, number, string]>([wasClean, code, reason]);
  }

  onDrain(): void {}

  onError(error: unknown): void {
    if (error instanceof Disconnected) console.log(error.message);
  }
}

// Parameters of overriding callbacks are not inferred from the base class in TypeScript, but
// the base signatures are what a subclass must be compatible with:
type OnMessage = WebSocketServerProtocol['onMessage'];
assertType<Equal<Parameters<OnMessage>, [payload: Buffer, isBinary: boolean]>>();
assertType<Equal<WebSocketServerProtocol['state'], 0 | 1 | 2 | 3>>();

// Async callbacks: a Promise is awaited (input paused) before the next event.
class AsyncProtocol extends WebSocketServerProtocol {
  async onConnect(request: ConnectionRequest): Promise<ConnectionAccept> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (!request.headers['authorization']) throw new ConnectionDeny(401, 'unauthorized');
    return new ConnectionAccept('chat', { 'X-User': 'me' });
  }

  async onMessage(payload: Buffer, isBinary: boolean): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.sendMessage(payload, isBinary);
  }
}

// A factory subclass; protocols narrow `factory` with `declare`.
class RoomFactory extends WebSocketServerFactory {
  members = new Set<RoomProtocol>();
}
class RoomProtocol extends WebSocketServerProtocol {
  declare factory: RoomFactory;
  onOpen(): void {
    this.factory.members.add(this);
    for (const member of this.factory.members) member.sendMessage(`${this.peer} joined`);
  }
  onClose(): void {
    this.factory.members.delete(this);
  }
}

// Factory construction, session parameters, protocol options.
const factory = new WebSocketServerFactory('ws://127.0.0.1:9001', {
  protocols: ['chat', 'superchat'],
  server: 'my-server/1.0',
  headers: { 'X-Powered-By': 'wasmsocket', 'X-Many': ['1', '2'] },
  externalPort: 443,
});
new WebSocketServerFactory();
new WebSocketServerFactory(null, { server: null });
new WebSocketServerFactory('ws://127.0.0.1:9000', ['chat'], null, { 'X-A': 1 }, 443);
factory.protocol = EchoProtocol;
factory.protocol = AsyncProtocol;
factory.protocol = WebSocketServerProtocol;
const rooms = new RoomFactory('ws://127.0.0.1:9002');
rooms.protocol = RoomProtocol;
factory.setSessionParameters('ws://127.0.0.1:9001/chat', ['chat'], 'srv', { 'X-A': 1 }, null);
factory.setSessionParameters();

const every: Required<ServerProtocolOptions> = {
  versions: [13],
  webStatus: true,
  utf8validateIncoming: true,
  maskServerFrames: false,
  requireMaskedClientFrames: true,
  applyMask: true,
  maxFramePayloadSize: 16 * 1024 * 1024,
  maxMessagePayloadSize: 16 * 1024 * 1024,
  autoFragmentSize: 0,
  failByDrop: false,
  echoCloseCodeReason: false,
  openHandshakeTimeout: 5,
  closeHandshakeTimeout: 1,
  tcpNoDelay: true,
  perMessageCompressionAccept: null,
  extensions: [],
  compression: 'deflate',
  autoPingInterval: 0,
  autoPingTimeout: 0,
  autoPingSize: 4,
  autoPingRestartOnAnyTraffic: true,
  allowedOrigins: ['*'],
  allowNullOrigin: true,
  maxConnections: 0,
  trustXForwardedFor: 0,
  sendHighWaterMark: 1024 * 1024,
  pauseOnBackpressure: true,
  maxBufferedAmount: 4 * 1024 * 1024,
  serveFlashSocketPolicy: false,
  flashSocketPolicy: '',
};
factory.setProtocolOptions(every);
factory.setProtocolOptions({ maxMessagePayloadSize: 1 << 20, autoPingInterval: 10, autoPingTimeout: 5 });
factory.setProtocolOptions({ allowedOrigins: ['https://*.example.com'], perMessageCompressionAccept: () => null });
factory.resetProtocolOptions();
expectType<number>(factory.protocolOptions.maxConnections);
expectType<readonly string[]>(factory.protocolOptions.allowedOrigins);
expectType<'server'>(factory.role);
expectType<string>(factory.url);
expectType<boolean>(factory.isSecure);
expectType<string>(factory.host);
expectType<number | null>(factory.port);
expectType<string>(factory.resource);
expectType<string>(factory.path);
expectType<Record<string, string[]>>(factory.params);
expectType<string[]>(factory.protocols);
expectType<string | null>(factory.server);
expectType<number | null>(factory.externalPort);
expectType<WebSocketServerProtocol>(factory.buildProtocol());

// listenWS and its handle.
const listener: ListeningPort = await listenWS(factory, { port: 0, host: '127.0.0.1', backlog: 16 });
expectType<string>(listener.url);
expectType<number | null>(listener.port);
expectType<string>(listener.host);
listener.server.close;
const shutdown: ListenerCloseResult = await listener.close();
expectType<number>(shutdown.closedCleanly);
expectType<number>(shutdown.dropped);
expectType<number>(shutdown.closedUncleanly);
await listener.close({ timeout: 5 });
await listener.close({});
// @ts-expect-error the timeout is seconds, a number
await listener.close({ timeout: '5' });
expectType<Promise<Error>>(listener.trapped);
void listener.trapped.then((error) => { expectType<Error>(error); });

// After a trap of the wasm core: onTrap once per factory, CoreTrappedError, the close it sends.
factory.onTrap = (error: Error) => { expectType<Error>(error); };
expectType<1011>(TRAP_CLOSE_CODE);
expectType<string>(TRAP_REASON);
expectType<Disconnected>(new CoreTrappedError(new Error('trap')));
await listenWS(factory);
await listenWS(factory, { path: '/tmp/ws.sock' });
await listenWS(factory, { port: 0, tls: { key: 'KEY', cert: 'CERT' } });

// attachWS / handleUpgrade on an existing http server.
const server = http.createServer();
const route = attachWS(server, factory, { path: '/chat' });
attachWS(server, rooms);
attachWS(server, rooms, { path: null });
route.close();
const other = http.createServer();
other.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
  const protocol = factory.handleUpgrade(req, socket, head);
  expectType<WebSocketServerProtocol>(protocol);
  handleUpgrade(factory, req, socket, head);
});

// Fan-out: prepared messages and topics.
class FanoutProtocol extends WebSocketServerProtocol {
  onOpen(): void {
    this.subscribe('room');
    expectType<string[]>(this.topics);
  }
  onMessage(payload: Buffer): void {
    const reached = this.factory?.publish('room', payload, false, { exclude: this }) ?? 0;
    expectType<number>(reached);
    expectType<boolean>(this.unsubscribe('other'));
  }
}
const fanout = new WebSocketServerFactory();
fanout.protocol = FanoutProtocol;
const prepared = fanout.prepareMessage('hello', false, true);
expectType<PreparedMessage>(prepared);
expectType<number>(prepared.framings);
expectType<number>(fanout.publish('room', prepared));
expectType<number>(fanout.subscriberCount('room'));
const report = fanout.lastPublish;
if (report) expectType<number>(report.aboveHighWaterMark);
for (const protocol of [] as WebSocketServerProtocol[]) expectType<boolean>(protocol.sendPreparedMessage(new PreparedMessage(new Uint8Array(1), true)));

// Across processes: a broker.
const broker = new RedisBroker({ url: 'redis://127.0.0.1:6379', onStatus: (status) => expectType<RedisBrokerStatus>(status) });
fanout.setBroker(broker);
fanout.setBroker(null);
expectType<Promise<void>>(broker.ready());
expectType<number>(broker.dropped);

// Every core: workers.
const cores = await listenWS(fanout, { port: 0, workers: 2 });
if ('workers' in cores) expectType<number>(cores.workers().length);
const supervisor = await startWorkers(2);
if (supervisor) supervisor.onWorkerExit = (worker, code, signal, restarted) => expectType<boolean>(restarted);
else joinWorkers(fanout, { port: 1, host: '127.0.0.1', url: 'http://127.0.0.1:1/', close: async () => undefined });
import { RedisBroker as SubpathRedisBroker } from 'wasmsocket/redis';
expectType<RedisBroker>(new SubpathRedisBroker({ prefix: 'app:' }));
