// The Node API: the shared protocol/factory API plus Node transports.
import { setPayloadAllocator, WebSocketServerFactory } from '../factory.mjs';
import { handleUpgrade } from './upgrade.mjs';

// Payloads for onMessage are Buffers on Node (pooled allocation for small ones).
setPayloadAllocator((n) => Buffer.allocUnsafe(n));

/** For frameworks: take over a socket from an http server's 'upgrade' event. */
WebSocketServerFactory.prototype.handleUpgrade = function (req, socket, head) {
  return handleUpgrade(this, req, socket, head);
};

export * from '../index.mjs';
export { listenWS, connectWS } from './listen.mjs';
export { attachWS, handleUpgrade } from './upgrade.mjs';
export { RedisBroker } from '../broker/redis.mjs';
export { startWorkers, joinWorkers } from './workers.mjs';
export { ClusterBroker } from './cluster-broker.mjs';
