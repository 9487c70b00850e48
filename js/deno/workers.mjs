// listenWS(factory, { workers: N }) on Deno: N Web Workers (threads of this one process) each
// run the application's main module again and listen on one port with
// Deno.listen({ reusePort: true }) (SO_REUSEPORT: on Linux the kernel spreads new connections
// over the sockets). The main thread only supervises, as node:cluster's primary does in
// ../node/workers.mjs: it restarts a worker that dies (at most RESTART_LIMIT times per
// RESTART_WINDOW_MS, then it gives up on that slot and says so), relays what workers publish
// (WorkerBroker), and on close() asks each worker for a graceful shutdown (1001 to every
// connection) and sums what they report. reusePort is unstable in Deno: --unstable-net.

import { WorkerBroker, PUBLISH } from './worker-broker.mjs';
import { whenTrapped } from '../trap.mjs';

const NAME = 'wasmsocket-worker-';
const PORT = 'wasmsocket:port';
const LISTENING = 'wasmsocket:listening';
const CLOSE = 'wasmsocket:close';
const CLOSED = 'wasmsocket:closed';
const EXIT = 'wasmsocket:exit';
export const RESTART_LIMIT = 5;
export const RESTART_WINDOW_MS = 10_000;

/** True in a Web Worker that listenWS's `workers` or startWorkers started. */
export const isWorker = () => typeof WorkerGlobalScope !== 'undefined' && self.name.startsWith(NAME);

if (isWorker()) {
  // Deno tells a Worker's owner nothing when the worker ends itself (Deno.exit, self.close):
  // say so first, so that the supervisor restarts it as node:cluster's primary would.
  const exit = Deno.exit;
  const close = self.close;
  Deno.exit = (code) => {
    self.postMessage({ type: EXIT, code: code ?? 0 });
    exit(code);
  };
  self.close = () => {
    self.postMessage({ type: EXIT, code: 0 });
    close.call(self);
  };
  // After a trap of the wasm core (js/trap.mjs), once the connections it failed have closed:
  // end, so that the supervisor starts a fresh worker (a node:cluster worker exits with 1).
  whenTrapped().then(() => Deno.exit(1));
}

/**
 * Throws unless Deno.listen can share a port here: Linux, and --unstable-net (reusePort is an
 * unstable API), named in the error: never silently one thread. Without the flag
 * Deno.listen({ reusePort }) ends the process (exit code 70) instead of throwing, so this asks
 * first: Deno defines Deno.listenDatagram only under --unstable-net ("unstable": ["net"] in
 * deno.json).
 */
export function requireReusePort(what) {
  // Elsewhere Deno ignores reusePort, and the second worker's listen would fail.
  if (!['linux', 'android'].includes(Deno.build.os)) throw new Error(`wasmsocket: ${what} need Linux (Deno.listen's reusePort)`);
  if (typeof Deno.listenDatagram === 'function') return;
  throw new Error(`wasmsocket: ${what} need the --unstable-net flag (deno run --unstable-net ..., or "unstable": ["net"] `
    + 'in deno.json): they share one port with Deno.listen({ reusePort: true }), an unstable Deno API');
}

/**
 * For servers listenWS does not start (your own Deno.listen({ port, reusePort: true }) and
 * serveConn): in the main thread, starts `count` workers running this module again and
 * resolves with the supervisor's handle once each called joinWorkers; in a worker, resolves
 * with null (go on and listen on a fixed port with reusePort: true, then joinWorkers).
 */
export function startWorkers(count, options = {}) {
  return isWorker() ? Promise.resolve(null) : superviseWorkers(count, options);
}

/** In a listenWS worker: the port to listen on, from the supervisor (0: pick one, the first worker). */
export function sharedPort() {
  return new Promise((resolve) => {
    const onMessage = ({ data }) => {
      if (data?.type !== PORT) return;
      self.removeEventListener('message', onMessage);
      resolve(data.port);
    };
    self.addEventListener('message', onMessage);
    self.postMessage({ type: PORT });
  });
}

/**
 * In a worker, once it listens: joins the process's broker (unless the factory has one, e.g.
 * Redis), tells the supervisor where it listens (`handle`: { port, host, url, close({ timeout }) })
 * and closes it when the supervisor asks (which then ends the worker).
 */
export function joinWorkers(factory, handle) {
  if (!isWorker()) throw new Error('joinWorkers runs in a worker that listenWS or startWorkers started');
  if (!factory._publishing.broker) factory.setBroker(new WorkerBroker());
  self.addEventListener('message', async ({ data }) => {
    if (data?.type !== CLOSE) return;
    const result = await handle.close({ timeout: data.timeout });
    self.postMessage({ type: CLOSED, result: result ?? null });
  });
  self.postMessage({ type: LISTENING, port: handle.port, host: handle.host, url: handle.url });
}

/**
 * In the main thread: starts `count` workers (Web Workers of Deno.mainModule) and resolves once
 * all listen, with a handle { port, host, url, workers(), close({ timeout }), onWorkerExit }.
 * `port` is the port to share (0: the first worker picks it). Throws without --unstable-net.
 */
export function superviseWorkers(count, { port = 0, onWorkerExit = null } = {}) {
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`workers must be a positive integer, got ${count}`);
  requireReusePort('workers (listenWS\'s `workers`, startWorkers)');
  // Each live worker → null, or once asked to close, what takes its result.
  const live = new Map();
  const joined = new Set();
  const restarts = [];
  let serial = 0;
  let closing = null;
  let started = null;
  let listening = 0;
  // The shared port: `port`, or the one the first worker to listen picked; workers that ask
  // for it while that one is still picking wait.
  let shared = port || null;
  let picking = false;
  const waiting = [];

  const handle = {
    port: null,
    host: null,
    url: null,
    /** Called with (worker, code, error, restarted) when a worker ends outside close(). */
    onWorkerExit,
    workers: () => [...live.keys()],
    close: ({ timeout } = {}) => {
      closing ??= shutdown(timeout);
      return closing;
    },
  };

  const givePort = (worker) => {
    if (shared === null && picking) return waiting.push(worker);
    picking = true;
    worker.postMessage({ type: PORT, port: shared ?? 0 });
  };

  const onListening = (worker, { port, host, url }) => {
    joined.add(worker);
    if (shared === null) {
      shared = port;
      for (const worker of waiting.splice(0)) if (live.has(worker)) worker.postMessage({ type: PORT, port });
    }
    if (handle.url === null) Object.assign(handle, { port, host, url });
    if (started && ++listening === count) {
      started.resolve(handle);
      started = null;
    }
  };

  const ended = (worker, code, error) => {
    if (!live.has(worker)) return;
    const takeResult = live.get(worker);
    live.delete(worker);
    worker.terminate();
    const what = error === null ? `exited (${code})` : `failed (${error})`;
    if (closing) {
      takeResult?.(null);
    } else if (started) {
      // A worker that cannot listen (port taken, no --unstable-net, a bug at start-up): give
      // up on all of them.
      closing = Promise.resolve({ closedCleanly: 0, closedUncleanly: 0, dropped: 0 });
      for (const other of live.keys()) other.terminate();
      live.clear();
      started.reject(new Error(`wasmsocket: ${worker.name} ${what} before it listened`));
    } else {
      const now = Date.now();
      while (restarts.length && now - restarts[0] > RESTART_WINDOW_MS) restarts.shift();
      const restart = restarts.length < RESTART_LIMIT;
      if (restart) {
        restarts.push(now);
        spawn();
      }
      try {
        handle.onWorkerExit?.(worker, code, error, restart);
      } catch (failure) {
        console.error('wasmsocket: error in onWorkerExit:', failure);
      }
      if (!restart) console.error(`wasmsocket: ${worker.name} ${what}; ${RESTART_LIMIT} restarts in ${RESTART_WINDOW_MS} ms already, not restarting it`);
    }
  };

  const spawn = () => {
    const name = `${NAME}${++serial}`;
    const worker = new Worker(Deno.mainModule, { type: 'module', name });
    // The thread's self.name, also on this side (a Worker object does not say it), for logs.
    Object.defineProperty(worker, 'name', { value: name, enumerable: true });
    live.set(worker, null);
    worker.addEventListener('message', ({ data }) => {
      if (!live.has(worker)) return;
      switch (data?.type) {
        case PUBLISH:
          for (const other of live.keys()) if (other !== worker) other.postMessage(data);
          break;
        case PORT: givePort(worker); break;
        case LISTENING: onListening(worker, data); break;
        case EXIT: ended(worker, data.code, null); break;
        case CLOSED: {
          const takeResult = live.get(worker);
          live.delete(worker);
          worker.terminate();
          takeResult?.(data.result);
          break;
        }
      }
    });
    // Handled here: left alone, a worker's uncaught error would end the whole process. (Deno
    // has printed it already.)
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      ended(worker, null, event.message);
    });
  };

  async function shutdown(timeout) {
    const results = await Promise.all([...live.keys()].map((worker) => new Promise((resolve) => {
      // One still starting (a restart) has no connections and would not answer yet.
      if (!joined.has(worker)) {
        live.delete(worker);
        worker.terminate();
        return resolve(null);
      }
      live.set(worker, resolve);
      worker.postMessage({ type: CLOSE, timeout });
    })));
    const sum = { closedCleanly: 0, closedUncleanly: 0, dropped: 0 };
    for (const result of results) for (const key of Object.keys(sum)) sum[key] += result?.[key] ?? 0;
    return sum;
  }

  return new Promise((resolve, reject) => {
    started = { resolve, reject };
    for (let i = 0; i < count; i++) spawn();
  });
}
