// Type-checked, never run: the Deno entry's types (pkg/deno.d.mts, through deno.mjs's
// @ts-self-types) as a Deno user meets them. scripts/typecheck.sh runs `deno check` on it;
// each @ts-expect-error line must stay an error.
import {
  ConnectionDeny,
  type ConnectionRequest,
  type ClientConnection,
  DenoTransport,
  type ListeningPort,
  State,
  WebSocketClientFactory,
  WebSocketClientProtocol,
  WebSocketServerFactory,
  WebSocketServerProtocol,
  type WorkerSupervisor,
  WorkerBroker,
  connectWS,
  isWorker,
  joinWorkers,
  listenWS,
  serveConn,
  startWorkers,
} from '../../pkg/deno.mjs';

function expectType<T>(_value: T): void {}

class Echo extends WebSocketServerProtocol {
  override onConnect(request: ConnectionRequest): string | null {
    if (request.path === '/deny') throw new ConnectionDeny(ConnectionDeny.FORBIDDEN, 'go away');
    return request.protocols.includes('chat') ? 'chat' : null;
  }

  override onMessage(payload: Uint8Array, isBinary: boolean): void {
    expectType<boolean>(this.sendMessage(payload, isBinary));
  }

  override async onClose(wasClean: boolean, code: number | null, reason: string | null): Promise<void> {
    expectType<[boolean, number | null, string | null]>([wasClean, code, reason]);
  }
}

const server = new WebSocketServerFactory('ws://127.0.0.1:9001', { protocols: ['chat'] });
server.protocol = Echo;
server.setProtocolOptions({ maxMessagePayloadSize: 1 << 20, openHandshakeTimeout: 5 });
const listener: ListeningPort = await listenWS(server, { port: 0, host: '127.0.0.1' });
expectType<Deno.Listener>(listener.listener);
expectType<number | null>(listener.port);
expectType<string>(listener.url);
await listenWS(server, { tls: { cert: 'PEM', key: new Uint8Array(0) } });
await listenWS(server, { path: '/tmp/ws.sock' });
// @ts-expect-error Node's backlog is not a Deno listenWS option
await listenWS(server, { backlog: 10 });

class Client extends WebSocketClientProtocol {
  override onOpen(): void {
    this.sendMessage('hello');
    this.sendMessage(new Uint8Array([1, 2, 3]), true);
  }

  override onMessage(payload: Uint8Array, isBinary: boolean): void {
    expectType<Uint8Array>(payload);
    if (!isBinary && this.state === State.OPEN) this.sendClose(1000, 'done');
  }
}

const client = new WebSocketClientFactory(listener.url, { protocols: ['chat'], proxy: { host: '127.0.0.1', port: 3128 } });
client.protocol = Client;
const connection: ClientConnection = await connectWS(client, { timeout: 5, tls: { caCerts: ['PEM'] } });
expectType<WebSocketClientProtocol>(connection.protocol);
connection.close(4000, 'bye');
await connectWS(client, { tls: { ca: 'PEM', hostname: 'localhost' } });
// @ts-expect-error a client factory cannot listen
await listenWS(client);

const tcp = Deno.listen({ hostname: '127.0.0.1', port: 0 });
const { protocol, transport } = serveConn(server, await tcp.accept(), { peer: null });
expectType<WebSocketServerProtocol>(protocol);
expectType<DenoTransport>(transport);
expectType<number>(transport.bufferedAmount);
expectType<Promise<void>>(transport.closed);
const { closedCleanly, dropped, closedUncleanly } = await listener.close({ timeout: 5 });
expectType<[number, number, number]>([closedCleanly, dropped, closedUncleanly]);
await listener.close();

// Workers: the main thread gets the supervisor, a worker its own listener.
const shared = await listenWS(server, { workers: 4, port: 9001, reusePort: false });
if (!isWorker() && 'workers' in shared) {
  const supervisor: WorkerSupervisor = shared;
  expectType<string>(supervisor.workers()[0].name);
  supervisor.onWorkerExit = (worker, code, error, restarted) => {
    expectType<[string, number | null, string | null, boolean]>([worker.name, code, error, restarted]);
  };
  await supervisor.close({ timeout: 5 });
}
await listenWS(server, { reusePort: true });
const own = await startWorkers(2, { onWorkerExit: null });
if (own === null) {
  const tcpShared = Deno.listen({ hostname: '127.0.0.1', port: 9002, reusePort: true });
  joinWorkers(server, { port: 9002, host: '127.0.0.1', url: 'ws://127.0.0.1:9002/', close: async () => tcpShared.close() });
}
server.setBroker(new WorkerBroker());
// @ts-expect-error workers is a number
await listenWS(server, { workers: true });
