// The client API from the Node entry: factory, options, protocol callbacks, connectWS.
import {
  ConnectionResponse,
  State,
  WebSocketClientFactory,
  WebSocketClientProtocol,
  connectWS,
  type ClientConnection,
  type ClientProtocolOptions,
} from 'wasmsocket';
import { expectType } from './assert.mjs';

class Client extends WebSocketClientProtocol {
  onConnect(response: ConnectionResponse): void {
    expectType<string | null>(response.protocol);
    expectType<Record<string, string>>(response.headers);
    expectType<string | null>(response.peer);
    expectType<number>(response.version);
    expectType<string>(response.extensions[0]!.name);
  }

  onOpen(): void {
    this.sendMessage('Hello, world!');
    this.sendMessage(Buffer.from([0, 1, 2]), true);
    expectType<ConnectionResponse | undefined>(this.response);
    expectType<WebSocketClientFactory | null>(this.factory);
  }

  onMessage(payload: Buffer, isBinary: boolean): void {
    console.log(isBinary ? `binary ${payload.length}` : payload.toString('utf8'));
    if (this.state === State.OPEN) this.sendClose(1000);
  }

  onClose(wasClean: boolean, code: number, reason: string): void {
    console.log(wasClean, code, reason);
  }
}

// An async onConnect delays onOpen.
class SlowClient extends WebSocketClientProtocol {
  async onConnect(response: ConnectionResponse): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    console.log(response.protocol);
  }
}

const factory = new WebSocketClientFactory('ws://127.0.0.1:9001/chat?room=1', {
  origin: 'https://example.com',
  protocols: ['chat'],
  useragent: 'my-client/1.0',
  headers: { Authorization: 'Bearer x', 'X-Count': 2 },
  proxy: { host: '127.0.0.1', port: 3128 },
});
new WebSocketClientFactory();
new WebSocketClientFactory('ws://127.0.0.1:9000', 'https://app.example.com', ['chat'], 'ua/1');
new WebSocketClientFactory('wss://example.com', { useragent: null, proxy: null });
factory.protocol = Client;
factory.protocol = SlowClient;
factory.setSessionParameters('ws://127.0.0.1:9001', null, ['chat'], 'ua', { A: 'b' }, null);

const every: Required<ClientProtocolOptions> = {
  version: 13,
  utf8validateIncoming: true,
  acceptMaskedServerFrames: false,
  maskClientFrames: true,
  applyMask: true,
  maxFramePayloadSize: 16 * 1024 * 1024,
  maxMessagePayloadSize: 16 * 1024 * 1024,
  autoFragmentSize: 0,
  failByDrop: false,
  echoCloseCodeReason: false,
  openHandshakeTimeout: 5,
  closeHandshakeTimeout: 1,
  serverConnectionDropTimeout: 1,
  tcpNoDelay: true,
  perMessageCompressionOffers: [],
  perMessageCompressionAccept: null,
  extensions: [],
  compression: 'deflate',
  autoPingInterval: 0,
  autoPingTimeout: 0,
  autoPingSize: 4,
  autoPingRestartOnAnyTraffic: true,
  sendHighWaterMark: 1024 * 1024,
  pauseOnBackpressure: true,
  maxBufferedAmount: 4 * 1024 * 1024,
};
factory.setProtocolOptions(every);
factory.setProtocolOptions({ openHandshakeTimeout: 2, maskClientFrames: true });
factory.resetProtocolOptions();
expectType<'client'>(factory.role);
expectType<string | null>(factory.origin);
expectType<string | null>(factory.useragent);
expectType<{ host: string; port: number } | null>(factory.proxy);
expectType<number>(factory.protocolOptions.serverConnectionDropTimeout);

const connection: ClientConnection = await connectWS(factory, { timeout: 5, tls: { rejectUnauthorized: false } });
expectType<WebSocketClientProtocol>(connection.protocol);
connection.close();
connection.close(4000, 'done');
await connectWS(factory);
