// The pieces of autobahn's and python-websockets' APIs ported for docs/api-coverage.md: the
// protocol's class attributes, frame API, isOpen/isClosed, close frames, onAutoPong,
// onConnect's tuple, factory.isServer/getConnectionCount, Ping, CloseCode, the PMCE registry
// and mixin constants, python-websockets' exceptions and enable_*_permessage_deflate.
import {
  CloseCode,
  ClientPerMessageDeflateFactory,
  DuplicateParameter,
  ExtensionError,
  InvalidParameterName,
  InvalidParameterValue,
  NegotiationError,
  PayloadTooBig,
  PERMESSAGE_COMPRESSION_EXTENSION,
  PerMessageBzip2,
  PerMessageDeflate,
  PerMessageDeflateOffer,
  PerMessageDeflateResponseAccept,
  Ping,
  ProtocolError,
  ServerPerMessageDeflateFactory,
  WebSocketClientFactory,
  WebSocketClientProtocol,
  WebSocketServerFactory,
  WebSocketServerProtocol,
  enableClientPermessageDeflate,
  enableServerPermessageDeflate,
  type ConnectionRequest,
  type ServerConnectAnswer,
  type TransportDetails,
} from 'wasmsocket';
import { expectType } from './assert.mjs';

class Streaming extends WebSocketServerProtocol {
  #sizes: number[] = [];

  onConnect(request: ConnectionRequest): ServerConnectAnswer {
    return ['chat', { 'X-Test': 'yes' }];
  }

  onMessageBegin(isBinary: boolean): void {
    this.#sizes = [];
    this.beginMessage(isBinary);
  }

  onMessageFrame(payload: Buffer[]): void {
    for (const chunk of payload) this.#sizes.push(chunk.length);
    expectType<boolean>(this.sendMessageFrame(payload[0]!));
  }

  onMessageEnd(): void {
    this.endMessage();
  }

  onAutoPong(pingSent: number, pingSeq: number, pongReceived: number, pongRtt: number, payload: Buffer): void {
    expectType<number>(pongRtt);
  }

  async onOpen(): Promise<void> {
    expectType<null>(await this.isOpen);
    expectType<TransportDetails | undefined>(this.transportDetails);
    if (this.state === WebSocketServerProtocol.STATE_OPEN) this.sendClose(WebSocketServerProtocol.CLOSE_STATUS_CODE_NORMAL);
    const closed = await this.isClosed;
    expectType<Streaming>(closed);
    expectType<number | null>(this.localCloseCode);
    expectType<string | null>(this.remoteCloseReason);
    this.dropConnection(true);
  }
}

const server = new WebSocketServerFactory('ws://127.0.0.1:9000');
server.protocol = Streaming;
expectType<true>(server.isServer);
expectType<number>(server.getConnectionCount());
server.setProtocolOptions({ autoPingInterval: 10, autoPingTimeout: 5, autoPingRestartOnAnyTraffic: false });
server.setProtocolOptions({ extensions: enableServerPermessageDeflate(server.protocolOptions.extensions as ServerPerMessageDeflateFactory[]) });

const client = new WebSocketClientFactory('ws://127.0.0.1:9000');
expectType<false>(client.isServer);
client.setProtocolOptions({ extensions: enableClientPermessageDeflate([new ClientPerMessageDeflateFactory()]) });
expectType<1>(WebSocketClientProtocol.MESSAGE_TYPE_TEXT);
// @ts-expect-error getConnectionCount is a server factory's
client.getConnectionCount();

expectType<Uint8Array | null>(new Ping().payload);
expectType<1009>(CloseCode.MESSAGE_TOO_BIG);
expectType<typeof PerMessageDeflate>(PERMESSAGE_COMPRESSION_EXTENSION['permessage-deflate'].PMCE);
expectType<typeof PerMessageBzip2>(PERMESSAGE_COMPRESSION_EXTENSION['permessage-bzip2'].PMCE);
expectType<readonly number[]>(PerMessageDeflateOffer.WINDOW_SIZE_PERMISSIBLE_VALUES);
expectType<readonly number[]>(PerMessageDeflateResponseAccept.MEM_LEVEL_PERMISSIBLE_VALUES);
expectType<15>(PerMessageDeflate.DEFAULT_WINDOW_BITS);
expectType<9>(PerMessageBzip2.DEFAULT_COMPRESS_LEVEL);

expectType<NegotiationError>(new DuplicateParameter('x'));
expectType<string>(new InvalidParameterName('x').parameterName);
expectType<string | null>(new InvalidParameterValue('x', null).value);
expectType<ExtensionError>(new PayloadTooBig(10, 5));
expectType<1002>(new ProtocolError('bad').closeCode);
