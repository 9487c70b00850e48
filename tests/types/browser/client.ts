// The browser client's types (pkg/browser.d.ts, the `browser` condition): the Node client's
// names and callbacks over the browser's WebSocket, Uint8Array payloads, browser-only options.
import {
  WebSocketClientFactory,
  WebSocketClientProtocol,
  connectWS,
  BROWSER_OPTIONS,
  BrowserSocket,
  State,
  type ConnectionResponse,
  type ClientConnection,
  type BrowserProtocolOptions,
} from 'wasmsocket';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): void {}

class Chat extends WebSocketClientProtocol {
  declare factory: ChatFactory;
  onConnect(response: ConnectionResponse): void {
    console.log(response.protocol, response.extensions.map((e) => e.name));
  }
  onOpen(): void {
    const ok: boolean = this.sendMessage('hello');
    this.sendMessage(new Uint8Array([1, 2]), true);
    console.log(ok, this.state === State.OPEN, this.protocolInUse, this.bufferedAmount, this.factory.room);
  }
  async onMessage(payload: Uint8Array, isBinary: boolean): Promise<void> {
    if (!isBinary) console.log(new TextDecoder().decode(payload));
    // @ts-expect-error no Buffer methods: payloads are Uint8Arrays
    payload.toString('utf8');
  }
  onClose(wasClean: boolean, code: number, reason: string): void {
    console.log(wasClean, code, reason);
  }
}
assertType<Equal<Parameters<Chat['onMessage']>, [payload: Uint8Array, isBinary: boolean]>>();
assertType<Equal<ReturnType<WebSocketClientProtocol['sendPing']>, never>>();

class ChatFactory extends WebSocketClientFactory {
  room = 'lobby';
}
const factory = new ChatFactory('ws://127.0.0.1:8080/chat', { protocols: ['chat'] });
factory.protocol = Chat;
factory.setProtocolOptions({ openHandshakeTimeout: 2, closeHandshakeTimeout: 1, sendHighWaterMark: 1 << 20 });
// @ts-expect-error a page cannot send pings
factory.setProtocolOptions({ autoPingInterval: 30 });
// @ts-expect-error the browser masks and limits frames itself
factory.setProtocolOptions({ maxMessagePayloadSize: 1024 });
// @ts-expect-error a page cannot add handshake headers
new WebSocketClientFactory('ws://127.0.0.1:8080', { headers: { authorization: 'x' } });
const names: readonly (keyof BrowserProtocolOptions)[] = BROWSER_OPTIONS;
console.log(names);

const connection: ClientConnection = await connectWS(factory);
connection.close(1000, 'bye');
connection.protocol.sendClose(4000, 'done');
// @ts-expect-error connectWS takes no TLS options in a browser
await connectWS(factory, { tls: {} });

// The wasm-level socket is typed too (the protocol layer above is what applications use).
assertType<Equal<ConstructorParameters<typeof BrowserSocket>[0], string>>();
