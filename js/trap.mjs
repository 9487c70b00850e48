// What happens after the wasm core traps (a Rust panic aborts: `unreachable`, a
// WebAssembly.RuntimeError in JS). Every connection of the process shares one wasm instance,
// and after a trap its memory and allocator can no longer be trusted, so nothing calls into it
// again. js/wire.mjs, where every core call is made, reports the trap here (`coreFailed`); then:
//
// - every live connection of every factory is failed with close code 1011 and TRAP_REASON: a
//   close frame built here in JS (masked for clients) is written if the opening handshake is
//   done and no close frame was sent yet, the transport is ended (destroyed after DRAIN_MS if
//   the peer does not close), and the protocol's onClose(false, 1011, TRAP_REASON) follows
//   once, from the transport's close as for any connection;
// - each Wire turns dead: its state reads CLOSED, input is dropped, sends throw
//   CoreTrappedError, no core call is ever made again (new Wires, hence new connections, are
//   refused: `refuseAfterTrap`);
// - runtime hooks run (listeners stop accepting; a node:cluster worker exits non-zero once the
//   connections are closed, js/node/index.mjs), then each factory's onTrap(error) once, on a
//   fresh microtask.
//
// It imports nothing runtime-specific and nothing of the core.

import { Disconnected } from './protocol-base.mjs';

/** The close code connections fail with after a trap (RFC 6455 internal error). */
export const TRAP_CLOSE_CODE = 1011;
/** The close reason they fail with (64 bytes: fits a control frame). */
export const TRAP_REASON = 'internal error: the wasm core trapped; this process must restart';
/** How long a failed connection's peer has to close after our close frame before we drop it. */
const DRAIN_MS = 1000;
/** `whenTrapped()` resolves once every failed connection has called onClose, or after this. */
const SETTLE_MS = 2000;

/**
 * Thrown by core calls after a trap (the first one's `cause` is the WebAssembly.RuntimeError).
 * A Disconnected: code that handles a send on a closed connection handles this one too.
 */
export class CoreTrappedError extends Disconnected {
  constructor(cause) {
    super('the wasm core trapped; no connection of this process can use it any more (restart the process)');
    this.name = 'CoreTrappedError';
    this.cause = cause;
  }
}

/** The trap (a WebAssembly.RuntimeError) once one happened; null before. Never reset. */
export let coreTrapped = null;

// Factories, weakly: a factory nobody holds has no connections left to fail.
const factories = new Set();
const forget = new FinalizationRegistry((ref) => factories.delete(ref));

/** Every factory registers itself (js/factory.mjs): its connections are failed after a trap. */
export function registerFactory(factory) {
  const ref = new WeakRef(factory);
  factories.add(ref);
  forget.register(factory, ref);
}

const hooks = new Set();
let settle;
const settled = new Promise((resolve) => { settle = resolve; });

/**
 * Runtime hooks (listeners, cluster): `fn(error)` runs right after the connections were failed,
 * before the factories' onTrap. Returns a function that removes it.
 */
export function onCoreTrap(fn) {
  hooks.add(fn);
  return () => hooks.delete(fn);
}

/**
 * Resolves with the trap once it happened and every connection it failed has called onClose
 * (or after SETTLE_MS, whichever is first); never rejects, never resolves without a trap.
 */
export function whenTrapped() {
  return settled;
}

/** Refuses a new connection after a trap: destroys its transport and throws CoreTrappedError. */
export function refuseAfterTrap(transport) {
  if (coreTrapped === null) return;
  try {
    transport.destroy();
  } catch {
    // gone already
  }
  throw new CoreTrappedError(coreTrapped);
}

/**
 * A core call threw `error` (js/wire.mjs): a trap starts the policy. Returns what to throw:
 * CoreTrappedError for a trap, the error itself otherwise (the core's own WS_ERR_* errors).
 */
export function coreFailed(error) {
  if (error instanceof CoreTrappedError) return error;
  if (!(error instanceof WebAssembly.RuntimeError)) return error;
  trapped(error);
  return new CoreTrappedError(error);
}

function trapped(error) {
  if (coreTrapped !== null) return;
  coreTrapped = error;
  const failed = [];
  const reported = [];
  for (const ref of factories) {
    const factory = ref.deref();
    if (!factory) continue;
    reported.push(factory);
    for (const protocol of factory._connections ?? []) {
      if (failConnection(protocol)) failed.push([factory, protocol]);
    }
  }
  for (const hook of hooks) {
    try {
      hook(error);
    } catch (inner) {
      console.error('wasmsocket: error in a trap hook:', inner);
    }
  }
  // The application hears of it on a fresh microtask: never inside the call that trapped.
  queueMicrotask(() => {
    for (const factory of reported) {
      try {
        factory.onTrap?.(error);
      } catch (inner) {
        console.error('wasmsocket: error in onTrap:', inner);
      }
    }
  });
  waitClosed(failed).then(() => settle(error));
}

/** Polls (bounded) until every failed connection left its factory, i.e. its onClose ran. */
function waitClosed(failed) {
  return new Promise((resolve) => {
    const start = Date.now();
    const check = () => {
      const open = failed.some(([factory, protocol]) => factory._connections.has(protocol));
      if (!open || Date.now() - start >= SETTLE_MS) resolve();
      else setTimeout(check, 10);
    };
    check();
  });
}

/**
 * Fails one connection without a core call: marks its Wire dead, writes our 1011 close frame
 * (if the opening handshake is done and we sent no close yet), ends the transport. Returns
 * whether it was one to fail (the browser's protocols, over the browser's WebSocket, are not).
 */
function failConnection(protocol) {
  const { wire, transport } = protocol;
  if (!wire || typeof wire._trapped !== 'function' || !transport) return false;
  const sendClose = wire._trapped();
  try {
    if (sendClose) transport.write([closeFrame(protocol.role === 'client')]);
    transport.end();
    // Read what the peer still sends (its close, its FIN): the transport then closes by itself.
    transport.resume();
  } catch (error) {
    console.error('wasmsocket: error while failing a connection after a trap:', error);
  }
  const timer = setTimeout(() => {
    try {
      transport.destroy();
    } catch {
      // gone already
    }
  }, DRAIN_MS);
  timer.unref?.();
  return true;
}

const textEncoder = new TextEncoder();
const REASON_BYTES = textEncoder.encode(TRAP_REASON);

/** A close frame with TRAP_CLOSE_CODE and TRAP_REASON: unmasked from a server, masked from a client. */
export function closeFrame(masked) {
  const length = 2 + REASON_BYTES.length; // < 126: the length fits the second byte
  const payload = new Uint8Array(length);
  payload[0] = TRAP_CLOSE_CODE >> 8;
  payload[1] = TRAP_CLOSE_CODE & 0xff;
  payload.set(REASON_BYTES, 2);
  if (!masked) {
    const frame = new Uint8Array(2 + length);
    frame[0] = 0x88; // FIN + close
    frame[1] = length;
    frame.set(payload, 2);
    return frame;
  }
  const key = globalThis.crypto.getRandomValues(new Uint8Array(4));
  const frame = new Uint8Array(6 + length);
  frame[0] = 0x88;
  frame[1] = 0x80 | length;
  frame.set(key, 2);
  for (let i = 0; i < length; i++) frame[6 + i] = payload[i] ^ key[i & 3];
  return frame;
}
