// Named constants ported code refers to: autobahn's WebSocketProtocol class attributes (the
// STATE_*, MESSAGE_TYPE_* and CLOSE_STATUS_CODE_* names, set as statics on every protocol
// class by js/protocol-base.mjs) and python-websockets' frames.CloseCode.
//
// The STATE_* values are this library's State numbers, not autobahn's (autobahn has
// STATE_CLOSED = 0 ... STATE_OPEN = 3): compare `this.state` with the names, never with numbers.

/** A connection's state (`protocol.state`). */
export const State = Object.freeze({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });

/** RFC 6455 close codes, by autobahn's names (without the CLOSE_STATUS_CODE_ prefix). */
const CLOSE_CODES = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  RESERVED1: 1004,
  NULL: 1005,
  ABNORMAL_CLOSE: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  UNASSIGNED1: 1014,
  TLS_HANDSHAKE_FAILED: 1015,
};

/** autobahn's WebSocketProtocol class attributes, as statics of the protocol classes. */
export const PROTOCOL_CONSTANTS = Object.freeze({
  STATE_CONNECTING: State.CONNECTING,
  STATE_OPEN: State.OPEN,
  STATE_CLOSING: State.CLOSING,
  STATE_CLOSED: State.CLOSED,
  MESSAGE_TYPE_TEXT: 1,
  MESSAGE_TYPE_BINARY: 2,
  ...Object.fromEntries(Object.entries(CLOSE_CODES).map(([name, code]) => [`CLOSE_STATUS_CODE_${name}`, code])),
  /** autobahn's list of the close codes below 3000 it accepts from a peer. */
  CLOSE_STATUS_CODES_ALLOWED: Object.freeze([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013]),
});

/** python-websockets' frames.CloseCode. */
export const CloseCode = Object.freeze({
  NORMAL_CLOSURE: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  NO_STATUS_RCVD: 1005,
  ABNORMAL_CLOSURE: 1006,
  INVALID_DATA: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
  TLS_HANDSHAKE: 1015,
});
