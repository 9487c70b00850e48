// The broker between the worker processes of one machine (listenWS's `workers`): a worker
// sends what it publishes to the primary over node:cluster's IPC channel, and the primary
// passes it to every other worker (js/node/workers.mjs). Nothing leaves the machine; for that,
// use a RedisBroker (each worker then talks to Redis itself and this one is not needed).

import process from 'node:process';

export const PUBLISH = 'wasmsocket:publish';

export class ClusterBroker {
  /** Set by factory.setBroker. */
  onMessage = null;

  #listener = (message) => {
    if (message?.type !== PUBLISH) return;
    const { topic, payload, isBinary, doNotCompress } = message;
    this.onMessage?.(topic, payload, isBinary, doNotCompress);
  };

  constructor() {
    if (!process.send) throw new Error('ClusterBroker runs in a node:cluster worker');
    process.on('message', this.#listener);
  }

  publish(topic, payload, isBinary, doNotCompress) {
    // With the primary's 'advanced' serialization the bytes cross as they are.
    if (process.connected) process.send({ type: PUBLISH, topic, payload, isBinary, doNotCompress });
  }

  // Every worker gets every message and delivers it to its own subscribers (few workers, one
  // machine: filtering by topic in the primary would cost more bookkeeping than it saves).
  subscribe() {}
  unsubscribe() {}

  close() {
    process.off('message', this.#listener);
  }
}
