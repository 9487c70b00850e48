// The extension API: python-websockets' factories and extensions, and autobahn's PMCE classes.
export { BuiltinExtension } from './native.mjs';
export { Frame, Extension, CoreExtension, ServerExtensionFactory, ClientExtensionFactory, NegotiationError, ExtensionError, RSV1, RSV2, RSV3 } from './base.mjs';
export { ServerPerMessageDeflateFactory, ClientPerMessageDeflateFactory } from './deflate.mjs';
export { ServerPerMessageBzip2Factory, ClientPerMessageBzip2Factory } from './bzip2.mjs';
export {
  PerMessageCompressOffer, PerMessageCompressOfferAccept, PerMessageCompressResponse, PerMessageCompressResponseAccept, PerMessageCompress,
  PerMessageDeflateOffer, PerMessageDeflateOfferAccept, PerMessageDeflateResponse, PerMessageDeflateResponseAccept, PerMessageDeflate,
  PerMessageBzip2Offer, PerMessageBzip2OfferAccept, PerMessageBzip2Response, PerMessageBzip2ResponseAccept, PerMessageBzip2,
} from './pmce.mjs';
export { PERMESSAGE_COMPRESSION_EXTENSION } from './pmce-registry.mjs';
export { DuplicateParameter, InvalidParameterName, InvalidParameterValue, PayloadTooBig, ProtocolError } from './errors.mjs';
export { enableClientPermessageDeflate, enableServerPermessageDeflate } from './enable.mjs';
