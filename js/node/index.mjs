// The Node API: the shared protocol/factory API plus Node transports.
import { setPayloadAllocator, WebSocketServerFactory } from '../factory.mjs';
import { handleUpgrade } from './upgrade.mjs';
import cluster from 'node:cluster';
import { whenTrapped } from '../trap.mjs';

// After a trap of the wasm core (js/trap.mjs), a node:cluster worker exits with code 1 once
// the connections it failed have closed (at most about 2 s), so that the primary forks a new
// one. Outside cluster the process goes on: the application decides (factory.onTrap,
// handle.trapped).
if (cluster.isWorker) whenTrapped().then(() => process.exit(1));

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
