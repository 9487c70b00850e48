// The runtime-agnostic public API (Autobahn's shape). Transports live in js/node/ (and, for
// Deno, js/deno/); the package entries add them.
export { WebSocketServerFactory, WebSocketClientFactory, VERSION } from './factory.mjs';
export { WebSocketProtocol, Disconnected, State } from './protocol.mjs';
export { PreparedMessage } from './prepared.mjs';
export { WebSocketServerProtocol } from './server-protocol.mjs';
export { WebSocketClientProtocol } from './client-protocol.mjs';
export {
  ConnectionRequest, ConnectingRequest, ConnectionResponse, ConnectionAccept, ConnectionDeny, Message, IncomingMessage, OutgoingMessage,
  TransportDetails, Ping,
} from './types.mjs';
export { CloseCode } from './constants.mjs';
export { createUrl, parseUrl } from './url.mjs';
export { OPTIONS as PROTOCOL_OPTIONS } from './options.mjs';
export { Wire, Kind, Opcode, Status } from './wire.mjs';
export { CoreTrappedError, TRAP_CLOSE_CODE, TRAP_REASON } from './trap.mjs';
export * from './extensions/index.mjs';
