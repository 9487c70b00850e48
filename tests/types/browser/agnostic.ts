// The runtime-agnostic API, as a browser or Deno project sees it: payloads are Uint8Arrays.
import {
  ConnectionRequest,
  WebSocketClientFactory,
  WebSocketClientProtocol,
  WebSocketServerFactory,
  WebSocketServerProtocol,
  Wire,
  createUrl,
  parseUrl,
  VERSION,
  type WireEvent,
} from 'wasmsocket';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): void {}

class Echo extends WebSocketServerProtocol {
  onConnect(request: ConnectionRequest): string | null {
    return request.protocols[0] ?? null;
  }
  onMessage(payload: Uint8Array, isBinary: boolean): void {
    this.sendMessage(payload, isBinary);
    // @ts-expect-error no Buffer methods here: payloads are Uint8Arrays
    payload.toString('utf8');
  }
}
assertType<Equal<Parameters<WebSocketClientProtocol['onMessage']>, [payload: Uint8Array, isBinary: boolean]>>();

const server = new WebSocketServerFactory('ws://127.0.0.1:9001', { protocols: ['chat'] });
server.protocol = Echo;
server.setProtocolOptions({ maxConnections: 100, allowedOrigins: ['https://example.com'] });
// @ts-expect-error handleUpgrade is Node-only
server.handleUpgrade;

const client = new WebSocketClientFactory(createUrl('127.0.0.1', 9001), { protocols: ['chat'] });
client.setProtocolOptions({ openHandshakeTimeout: 30 }); // the browser client takes only the options that apply in a browser
const [isSecure] = parseUrl(client.url);
console.log(isSecure, VERSION);

const events: WireEvent[] = new Wire('client').receive(new Uint8Array(0));
console.log(events.length);

// @ts-expect-error Buffer is not declared without Node's types
Buffer.from('x');
