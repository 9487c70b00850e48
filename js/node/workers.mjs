// listenWS(factory, { workers: N }): N processes of this same script share the port through
// node:cluster (on Linux the primary accepts and hands connections out round-robin). The
// primary only supervises: it forks the workers, restarts one that dies (at most
// RESTART_LIMIT times per RESTART_WINDOW_MS, then it gives up on that slot and says so),
// relays what workers publish (ClusterBroker), and on close() asks each worker for a graceful
// shutdown (1001 to every connection) and sums what they report.

import cluster from 'node:cluster';
import process from 'node:process';
import { ClusterBroker, PUBLISH } from './cluster-broker.mjs';

const LISTENING = 'wasmsocket:listening';
const CLOSE = 'wasmsocket:close';
const CLOSED = 'wasmsocket:closed';
export const RESTART_LIMIT = 5;
export const RESTART_WINDOW_MS = 10_000;

export const isWorker = () => cluster.isWorker;

/**
 * For servers listenWS does not start (e.g. an http server with attachWS): in the primary,
 * forks `count` workers of this script and resolves with the supervisor's handle once each
 * called joinWorkers; in a worker, resolves with null (go on and listen, then joinWorkers).
 */
export function startWorkers(count, options = {}) {
  return isWorker() ? Promise.resolve(null) : superviseWorkers(count, options);
}

/**
 * In a worker, once it listens: joins the machine's broker (unless the factory has one, e.g.
 * Redis), tells the primary where it listens (`handle`: { port, host, url, close({ timeout }) }),
 * and closes it and exits when the primary asks.
 */
export function joinWorkers(factory, handle) {
  if (!factory._publishing.broker) factory.setBroker(new ClusterBroker());
  process.on('message', async (message) => {
    if (message?.type !== CLOSE) return;
    const result = await handle.close({ timeout: message.timeout });
    process.send({ type: CLOSED, result }, () => process.exit(0));
  });
  process.send({ type: LISTENING, port: handle.port, host: handle.host, url: handle.url });
}

/**
 * In the primary: forks `count` workers and resolves once all listen, with a handle
 * { port, host, url, workers(), close({ timeout }), onWorkerExit }.
 */
export function superviseWorkers(count, { onWorkerExit = null } = {}) {
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`workers must be a positive integer, got ${count}`);
  cluster.setupPrimary({ serialization: 'advanced' });
  const live = new Set();
  const restarts = [];
  let closing = null;

  const handle = {
    port: null,
    host: null,
    url: null,
    /** Called with (worker, code, signal, restarted) when a worker exits outside close(). */
    onWorkerExit,
    workers: () => [...live],
    close: ({ timeout } = {}) => {
      closing ??= shutdown(timeout);
      return closing;
    },
  };

  const relay = (from, message) => {
    if (message?.type !== PUBLISH) return;
    for (const worker of live) if (worker !== from && worker.isConnected()) worker.send(message);
  };

  const fork = () => {
    const worker = cluster.fork();
    live.add(worker);
    worker.on('message', (message) => relay(worker, message));
    worker.once('exit', (code, signal) => {
      live.delete(worker);
      if (closing) return;
      const now = Date.now();
      while (restarts.length && now - restarts[0] > RESTART_WINDOW_MS) restarts.shift();
      const restart = restarts.length < RESTART_LIMIT;
      if (restart) {
        restarts.push(now);
        fork();
      }
      try {
        handle.onWorkerExit?.(worker, code, signal, restart);
      } catch (error) {
        console.error('wasmsocket: error in onWorkerExit:', error);
      }
      if (!restart) console.error(`wasmsocket: worker ${worker.process.pid} exited (${signal ?? code}); ${RESTART_LIMIT} restarts in ${RESTART_WINDOW_MS} ms already, not restarting it`);
    });
    return worker;
  };

  async function shutdown(timeout) {
    const results = await Promise.all([...live].map((worker) => new Promise((resolve) => {
      let result = null;
      worker.on('message', (message) => { if (message?.type === CLOSED) result = message.result; });
      worker.once('exit', () => resolve(result));
      worker.send({ type: CLOSE, timeout });
    })));
    const sum = { closedCleanly: 0, closedUncleanly: 0, dropped: 0 };
    for (const result of results) for (const key of Object.keys(sum)) sum[key] += result?.[key] ?? 0;
    return sum;
  }

  return new Promise((resolve, reject) => {
    let listening = 0;
    for (let i = 0; i < count; i++) {
      const worker = fork();
      const onMessage = (message) => {
        if (message?.type !== LISTENING) return;
        worker.off('message', onMessage);
        Object.assign(handle, { port: message.port, host: message.host, url: message.url });
        if (++listening === count) resolve(handle);
      };
      worker.on('message', onMessage);
      worker.once('exit', (code) => {
        if (listening === count || closing) return;
        // A worker that cannot listen (port taken, a bug at start-up): give up on all of them.
        closing = Promise.resolve({ closedCleanly: 0, closedUncleanly: 0, dropped: 0 });
        for (const other of live) other.kill();
        reject(new Error(`a worker exited (${code}) before it listened`));
      });
    }
  });
}
