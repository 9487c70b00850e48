// The extension API's types: a user-defined extension and its factories (python-websockets'
// shape), the built-in deflate factories, autobahn's PMCE classes and the options using them.
import {
  ClientExtensionFactory,
  ClientPerMessageDeflateFactory,
  Extension,
  ExtensionError,
  Frame,
  NegotiationError,
  PerMessageDeflate,
  PerMessageDeflateOffer,
  PerMessageDeflateOfferAccept,
  PerMessageDeflateResponse,
  PerMessageDeflateResponseAccept,
  PerMessageBzip2,
  PerMessageBzip2Offer,
  RSV2,
  ServerExtensionFactory,
  ServerPerMessageDeflateFactory,
  WebSocketClientFactory,
  WebSocketServerFactory,
  WebSocketServerProtocol,
  type ExtensionParam,
} from 'wasmsocket';
import { expectType } from './assert.mjs';

class Xor extends Extension {
  override get name() { return 'x-xor'; }
  override get rsvBits() { return RSV2; }
  override encode(frame: Frame): Frame {
    return frame.isControl ? frame : frame.with({ data: frame.data.map((b) => b ^ 0x55), rsv2: frame.opcode !== Frame.OP_CONT });
  }
  override decode(frame: Frame, { maxSize }: { maxSize: number | null }): Frame {
    if (maxSize !== null && frame.data.length > maxSize) throw new ExtensionError('too big', 1009);
    return frame.isControl ? frame : frame.with({ data: frame.data.map((b) => b ^ 0x55), rsv2: false });
  }
}

class ServerXor extends ServerExtensionFactory {
  override get name() { return 'x-xor'; }
  override processRequestParams(params: ExtensionParam[], accepted: Extension[]): [ExtensionParam[], Extension] {
    if (params.length > 0 || accepted.some((e) => e.name === 'x-xor')) throw new NegotiationError('unexpected');
    return [[], new Xor()];
  }
}

class ClientXor extends ClientExtensionFactory {
  override get name() { return 'x-xor'; }
  override getRequestParams(): ExtensionParam[] { return [['mode', null]]; }
  override processResponseParams(): Extension { return new Xor(); }
}

const server = new WebSocketServerFactory('ws://127.0.0.1:9001');
server.setProtocolOptions({ extensions: [new ServerXor(), new ServerPerMessageDeflateFactory({ serverMaxWindowBits: 10, compressSettings: { level: 9, memLevel: 4 } })] });
server.setProtocolOptions({ compression: null });
server.setProtocolOptions({
  // Typed per role: `offers` needs no annotation under strict (no implicit any).
  perMessageCompressionAccept: (offers) => {
    const offer = offers.find((o) => o instanceof PerMessageDeflateOffer);
    return offer instanceof PerMessageDeflateOffer ? new PerMessageDeflateOfferAccept(offer, true, 10) : null;
  },
});
// @ts-expect-error a server's accept function returns an offer accept, not a subprotocol
server.setProtocolOptions({ perMessageCompressionAccept: () => 'permessage-deflate' });
// @ts-expect-error a server's accept function gets offers, not a response
server.setProtocolOptions({ perMessageCompressionAccept: (response: PerMessageDeflateResponse) => new PerMessageDeflateResponseAccept(response) });

const client = new WebSocketClientFactory('ws://127.0.0.1:9001');
client.setProtocolOptions({ extensions: [new ClientXor(), new ClientPerMessageDeflateFactory({ clientMaxWindowBits: true, threshold: 128 })] });
client.setProtocolOptions({ perMessageCompressionOffers: [new PerMessageDeflateOffer(true, true, false, 12), new PerMessageBzip2Offer()] });
client.setProtocolOptions({
  perMessageCompressionAccept: (response) => (response instanceof PerMessageDeflateResponse ? new PerMessageDeflateResponseAccept(response) : null),
});

expectType<string>(PerMessageDeflateOffer.parse([['client_max_window_bits', null]]).getExtensionString());
expectType<PerMessageDeflateOffer>(PerMessageDeflateOffer.parse({ server_max_window_bits: ['10'] }));

class Show extends WebSocketServerProtocol {
  override onOpen() {
    for (const ext of this.extensionsInUse) {
      if (ext instanceof PerMessageDeflate) expectType<number>(ext.serverMaxWindowBits);
    }
  }
}
server.protocol = Show;

// @ts-expect-error compression is 'deflate' or null
server.setProtocolOptions({ compression: 'gzip' });

// The negotiated-extension classes construct as autobahn's do, and from response parameters.
expectType<PerMessageDeflate>(new PerMessageDeflate(true, false, false, 15, 12));
expectType<number>(PerMessageDeflate.fromResponseParams(false, [['client_max_window_bits', '12']]).clientMaxWindowBits);
expectType<PerMessageBzip2>(new PerMessageBzip2(false, 9, 6));
expectType<number>(PerMessageBzip2.fromResponseParams(true, { server_max_compress_level: ['5'] }).serverMaxCompressLevel);

// Issue 12 defects 4 and 5: delegating to a built-in factory, ConnectingRequest, base classes.
import {
  ServerExtensionFactory as DelegatingBase, ServerPerMessageDeflateFactory as InnerDeflate, ConnectingRequest, TransportDetails as Details,
  WebSocketClientProtocol as ClientBase, PerMessageCompressOffer, PerMessageDeflateOffer as DOffer, PerMessageDeflateOfferAccept as DAccept, Message, IncomingMessage as InMsg,
  type Extension as Ext, type ExtensionParam as Param,
} from 'wasmsocket';

class Delegating extends DelegatingBase {
  inner = new InnerDeflate({ compressSettings: { level: 9, memLevel: 4, strategy: 0 } });
  get name(): string { return 'permessage-deflate'; }
  processRequestParams(params: Param[], accepted: Ext[]): [Param[], Ext] {
    const [response, extension] = this.inner.processRequestParams(params, accepted);
    const shown: Param[] = extension.params;
    void shown;
    return [response, extension];
  }
}
void Delegating;

class Redirecting extends ClientBase {
  onConnecting(details: Details): ConnectingRequest {
    const tls: Uint8Array | undefined = details.channelId?.['tls-unique'];
    void tls;
    return new ConnectingRequest({ host: 'public.example', port: 443, protocols: ['chat'] });
  }
}
void Redirecting;
const baseOk: PerMessageCompressOffer = new DOffer();
const accept = new DAccept(new DOffer(), false, 0, null, null, 8, 1 << 20);
const limit: number | null = accept.maxMessageSize;
const msg: Message = new InMsg(new Uint8Array(1));
void baseOk; void limit; void msg;

// requireClientMaxWindowBits (server only), the bzip2 factories, bzip2's maxMessageSize.
import {
  ServerPerMessageDeflateFactory as SDeflate, ClientPerMessageDeflateFactory as CDeflate, ServerPerMessageBzip2Factory as SBzip2,
  PerMessageBzip2Offer as BOffer, PerMessageBzip2OfferAccept as BAccept, PerMessageBzip2Response as BResponse,
  PerMessageBzip2ResponseAccept as BResponseAccept, PerMessageBzip2 as BInUse, type ServerPerMessageDeflateOptions,
} from 'wasmsocket';

const requiring: ServerPerMessageDeflateOptions = { clientMaxWindowBits: 10, requireClientMaxWindowBits: true };
const required: boolean = new SDeflate(requiring).settings.requireClientMaxWindowBits;
// @ts-expect-error a client factory has no requireClientMaxWindowBits
new CDeflate({ requireClientMaxWindowBits: true });
// @ts-expect-error a server's clientMaxWindowBits is a window or null
new SDeflate({ clientMaxWindowBits: true, requireClientMaxWindowBits: true });
const bzLevel: number = new SBzip2({ level: 5, smallDecompress: true }).settings.level;
const bzAccept = new BAccept(new BOffer(), 0, null, 1 << 20);
const bzLimit: number | null = bzAccept.maxMessageSize;
const bzResponseLimit: number | null = new BResponseAccept(new BResponse(0, 0), 5, 4096).maxMessageSize;
const bzInUse: number | null = new BInUse(true, 9, 9, 1000).maxMessageSize;
void required; void bzLevel; void bzLimit; void bzResponseLimit; void bzInUse;
