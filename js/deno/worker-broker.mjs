// The broker between the Web Workers of one Deno process (listenWS's `workers` on Deno): a
// worker posts what it publishes to the main thread, which passes it to every other worker
// (js/deno/workers.mjs). Deno's twin of ../node/cluster-broker.mjs. Nothing leaves the
// process; for that, use a RedisBroker (each worker then talks to Redis itself).

export const PUBLISH = 'wasmsocket:publish';

export class WorkerBroker {
  /** Set by factory.setBroker. */
  onMessage = null;

  #listener = ({ data }) => {
    if (data?.type !== PUBLISH) return;
    const { topic, payload, isBinary, doNotCompress } = data;
    this.onMessage?.(topic, payload, isBinary, doNotCompress);
  };

  constructor() {
    if (typeof WorkerGlobalScope === 'undefined') throw new Error('WorkerBroker runs in a Web Worker that listenWS or startWorkers started');
    self.addEventListener('message', this.#listener);
  }

  publish(topic, payload, isBinary, doNotCompress) {
    // A copy of just these bytes, handed over without a second copy: structured clone of a
    // view would clone its whole buffer (which may be a pool, or wasm memory).
    const bytes = payload.slice();
    self.postMessage({ type: PUBLISH, topic, payload: bytes, isBinary, doNotCompress }, [bytes.buffer]);
  }

  // Every worker gets every message and delivers it to its own subscribers, as ClusterBroker.
  subscribe() {}
  unsubscribe() {}

  close() {
    self.removeEventListener('message', this.#listener);
  }
}
