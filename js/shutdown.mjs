// Graceful shutdown, for listenWS's close({ timeout }) on every runtime: close 1001 (going away)
// to a listener's open connections, its opening ones dropped, the closing handshakes waited for
// until a deadline, and whatever is left dropped then.

import { State } from './protocol-base.mjs';

export const SHUTDOWN_REASON = 'server shutting down';

/**
 * listenWS close()'s `timeout`: seconds, 0 = no deadline (as closeHandshakeTimeout); by default
 * the factory's closeHandshakeTimeout, the time each connection had before this option existed.
 */
export function shutdownTimeout(factory, options) {
  const timeout = options?.timeout ?? factory.protocolOptions.closeHandshakeTimeout;
  if (!(typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0)) {
    throw new RangeError(`close: timeout must be seconds (0 = no deadline), got ${String(timeout)}`);
  }
  return timeout;
}

/** Counts for close()'s result; `dropped` also counts opening connections the listener drops. */
export function shutdownCounts() {
  return { closedCleanly: 0, dropped: 0, closedUncleanly: 0 };
}

/**
 * Shuts `protocols` down within `timeout` seconds, adding to `counts`: open ones get close
 * 1001, queued behind what the application already sent, and count as closedCleanly when their
 * closing handshake completes; opening ones are dropped at once, the rest at the deadline
 * (dropped). One that ends otherwise before the deadline (the peer reset it, its own close
 * timed out) counts as closedUncleanly.
 */
export async function shutdown(protocols, timeout, counts) {
  const waiting = new Set();
  for (const protocol of [...protocols]) {
    if (protocol.state === State.CONNECTING) {
      protocol.dropConnection(SHUTDOWN_REASON);
      counts.dropped++;
      continue;
    }
    if (protocol.state === State.OPEN) {
      protocol._goingAway(SHUTDOWN_REASON);
      // The deadline replaces closeHandshakeTimeout: a peer still reading what was sent
      // before the close frame gets until then, not the usual second.
      protocol._stopTimer('close');
    }
    waiting.add(protocol);
  }
  const ended = Promise.all([...waiting].map((protocol) => protocol._closed.then((wasClean) => {
    if (!waiting.delete(protocol)) return;
    counts[wasClean ? 'closedCleanly' : 'closedUncleanly']++;
  })));
  let timer;
  const deadline = new Promise((resolve) => {
    if (timeout > 0) timer = setTimeout(resolve, timeout * 1000);
  });
  await Promise.race([ended, deadline]);
  clearTimeout(timer);
  for (const protocol of waiting) {
    protocol.dropConnection(`${SHUTDOWN_REASON}: deadline passed`);
    counts.dropped++;
  }
  waiting.clear();
  return counts;
}

/**
 * A listener's close(options) on every runtime: the first call validates `timeout` (a bad one
 * rejects, shutting nothing down) and starts `run(timeout)`; later calls return its promise.
 */
export function closeOnce(state, factory, options, run) {
  if (state.closing) return state.closing;
  let timeout;
  try {
    timeout = shutdownTimeout(factory, options);
  } catch (error) {
    return Promise.reject(error);
  }
  state.closing = run(timeout);
  return state.closing;
}
