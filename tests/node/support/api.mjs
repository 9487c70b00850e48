// Helpers for the API suites (api-*.test.mjs): start a server factory with a protocol class,
// connect a client factory, and record callbacks so a test can await them.
import {
  WebSocketServerFactory, WebSocketClientFactory, WebSocketServerProtocol, WebSocketClientProtocol,
  listenWS, connectWS,
} from '../../../pkg/node.mjs';

export const CALLBACKS = ['onConnecting', 'onConnect', 'onOpen', 'onMessage', 'onPing', 'onPong', 'onClose', 'onDrain', 'onError'];

/** Resolves after `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Races `promise` against a timeout that rejects with `what`. */
export function within(promise, ms, what = 'operation') {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Polls `condition` every `every` ms until it holds; rejects after `ms` with `what`. The polling
 * stops at the deadline too (a loop raced by within() alone would poll on after the failure and
 * keep the test process alive).
 */
export async function waitFor(condition, ms, what = 'a condition', every = 5) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

// Recorders made since the running test called cleanup(t) (a file's tests run one at a time).
const recorders = [];

/**
 * Records callbacks as { name, args, protocol } in order. `wait(name, { count, match })`
 * resolves with the count-th matching record (default: the first), or rejects after `timeout`.
 * An onError that the test never looked at (wait/all/count of 'onError', or names()) fails
 * the test in cleanup(t): a test that expects errors asserts them, others expect none.
 */
export class Recorder {
  events = [];
  #waiters = [];
  errorsLookedAt = false;

  constructor() {
    recorders.push(this);
  }

  push(name, args, protocol) {
    const record = { name, args, protocol };
    this.events.push(record);
    for (const waiter of [...this.#waiters]) this.#check(waiter);
    return record;
  }

  /** Records of `name` (optionally only those of one protocol instance). */
  all(name, protocol = undefined) {
    if (name === 'onError') this.errorsLookedAt = true;
    return this.events.filter((e) => e.name === name && (protocol === undefined || e.protocol === protocol));
  }

  count(name, protocol = undefined) {
    return this.all(name, protocol).length;
  }

  names(protocol = undefined) {
    this.errorsLookedAt = true;
    return this.events.filter((e) => protocol === undefined || e.protocol === protocol).map((e) => e.name);
  }

  wait(name, { count = 1, match = () => true, timeout = 3000 } = {}) {
    if (name === 'onError') this.errorsLookedAt = true;
    return new Promise((resolve, reject) => {
      const waiter = { name, count, match, resolve };
      waiter.timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`timed out after ${timeout} ms waiting for ${name} #${count}; recorded: ${this.names().join(', ')}`));
      }, timeout);
      this.#waiters.push(waiter);
      this.#check(waiter);
    });
  }

  #check(waiter) {
    const found = this.events.filter((e) => e.name === waiter.name && waiter.match(e));
    if (found.length >= waiter.count) {
      clearTimeout(waiter.timer);
      const at = this.#waiters.indexOf(waiter);
      if (at >= 0) this.#waiters.splice(at, 1);
      waiter.resolve(found[waiter.count - 1]);
    }
  }
}

/**
 * A protocol class derived from `Base` that records every callback into `recorder`, then runs
 * `handlers[name]` (with `this` the protocol) and returns its result. Without a handler the
 * base class's callback runs (so onPing answers pong) — except onError, which only records
 * (the default would log to the console).
 */
export function recording(Base, recorder, handlers = {}) {
  const Recorded = class extends Base {};
  for (const name of CALLBACKS) {
    if (name === 'onConnect' && !('onConnect' in Base.prototype)) continue;
    Recorded.prototype[name] = function (...args) {
      recorder.push(name, args, this);
      if (handlers[name]) return handlers[name].apply(this, args);
      if (name === 'onError') return undefined;
      return Base.prototype[name].apply(this, args);
    };
  }
  return Recorded;
}

/**
 * Starts a server: a WebSocketServerFactory on 127.0.0.1 (ephemeral port) whose protocol is
 * `Protocol`, or a recording protocol when `Protocol` is a plain object of handlers (then
 * `recorder` is the Recorder). Resolves to listenWS's handle plus { factory, recorder }.
 */
export async function startServer(Protocol = {}, { options = null, url = 'ws://127.0.0.1:0', factory: factoryArgs = {}, listen = {}, recorder = new Recorder() } = {}) {
  const factory = new WebSocketServerFactory(url, factoryArgs);
  factory.protocol = typeof Protocol === 'function' ? Protocol : recording(WebSocketServerProtocol, recorder, Protocol);
  if (options) factory.setProtocolOptions(options);
  const handle = await listenWS(factory, listen);
  return { ...handle, factory, recorder };
}

/**
 * Connects a client factory to `url`, with a recording protocol built from `handlers`.
 * Resolves to connectWS's result plus { factory, recorder }.
 */
export async function startClient(url, handlers = {}, { options = null, factory: factoryArgs = {}, connect = {}, recorder = new Recorder() } = {}) {
  const factory = new WebSocketClientFactory(url, factoryArgs);
  factory.protocol = typeof handlers === 'function' ? handlers : recording(WebSocketClientProtocol, recorder, handlers);
  if (options) factory.setProtocolOptions(options);
  const connection = await connectWS(factory, connect);
  return { ...connection, factory, recorder };
}

/** onClose arguments of the only onClose in `recorder` (asserting there is exactly one). */
export function closeArgs(recorder, protocol = undefined) {
  const closes = recorder.all('onClose', protocol);
  if (closes.length !== 1) throw new Error(`expected exactly one onClose, got ${closes.length}`);
  return closes[0].args;
}

/**
 * Registers cleanups that run after the test, last added first, each bounded in time, so a
 * failing test still closes its servers and sockets. Returns `defer(fn)`; `defer.ws(ws)` and
 * `defer.server(handle)` are shorthands. Then fails the test on an unexpected onError (Recorder).
 */
export function cleanup(t) {
  const fns = [];
  recorders.length = 0;
  t.after(async () => {
    const unexpected = recorders.filter((r) => !r.errorsLookedAt)
      .flatMap((r) => r.events.filter((e) => e.name === 'onError').map((e) => e.args[0]?.stack ?? String(e.args[0])));
    recorders.length = 0;
    for (const fn of fns.reverse()) {
      try {
        await within(Promise.resolve().then(fn), 3000, 'cleanup');
      } catch (error) {
        console.error('cleanup failed:', error);
      }
    }
    if (unexpected.length) throw new Error(`onError was called, and the test expects no error:\n${unexpected.join('\n')}`);
  });
  const defer = (fn) => { fns.push(fn); };
  defer.ws = (ws) => { ws.on('error', () => {}); fns.push(() => ws.terminate()); return ws; };
  defer.server = (handle) => { fns.push(() => stopServer(handle)); return handle; };
  defer.raw = (peer) => { fns.push(() => peer.destroy()); return peer; };
  return defer;
}

/** Drops every connection of a listenWS handle's factory, then stops listening. */
export async function stopServer(handle) {
  for (const protocol of [...handle.factory._connections]) protocol.dropConnection('test over');
  await handle.close();
}

/** Opens an npm `ws` client and waits for 'open' (rejects on error / unexpected response). */
export async function wsOpen(WebSocket, url, protocols = [], options = {}) {
  const ws = new WebSocket(url, protocols, { perMessageDeflate: false, ...options });
  await within(new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
  }), 3000, 'ws open');
  return ws;
}

/** Waits for `emitter` to emit `event` (bounded); resolves with the event's arguments. */
export function next(emitter, event, timeout = 3000) {
  return within(new Promise((resolve) => emitter.once(event, (...args) => resolve(args))), timeout, `'${event}'`);
}
