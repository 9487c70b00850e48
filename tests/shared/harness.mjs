// What every shared case needs whatever the runtime: bounded waits, a recording protocol, and
// helpers to start our server and client from the runtime's `api` (see cases.mjs).

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const utf8 = new TextEncoder();
export const fromUtf8 = new TextDecoder();

/** Races `promise` against a timeout that rejects naming `what`, so a hang fails one case. */
export function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `test` every 5 ms until it returns something truthy (bounded). */
export function until(test, what, ms = 3000) {
  return within((async () => {
    for (;;) {
      const value = test();
      if (value) return value;
      await sleep(5);
    }
  })(), ms, what);
}

/**
 * Callbacks recorded in order as [name, ...args] per protocol instance; `events` holds them
 * all. Handlers given run after recording (with `this` the protocol); without one, the base
 * class's callback runs.
 */
export function recording(Base, events, handlers = {}) {
  const Recorded = class extends Base {};
  for (const name of ['onConnecting', 'onConnect', 'onOpen', 'onMessage', 'onPing', 'onPong', 'onClose', 'onDrain', 'onError']) {
    if (!(name in Base.prototype)) continue;
    Recorded.prototype[name] = function (...args) {
      events.push({ name, args, protocol: this });
      if (handlers[name]) return handlers[name].apply(this, args);
      if (name === 'onError') return undefined;
      return Base.prototype[name].apply(this, args);
    };
  }
  return Recorded;
}

/** The records named `name`, waiting (bounded) until there are at least `count`. */
export function recorded(events, name, count = 1, ms = 3000) {
  return until(() => {
    const found = events.filter((e) => e.name === name);
    return found.length >= count ? found : null;
  }, `${count}× ${name} (recorded: ${events.map((e) => e.name).join(', ')})`, ms);
}

/**
 * Our server on 127.0.0.1 (ephemeral port) with a recording protocol; stopped by `defer`.
 * Resolves to listenWS's handle plus { factory, events }.
 */
export async function startServer(api, defer, handlers = {}, { options = null, url = 'ws://127.0.0.1:0', factory: factoryArgs = {}, listen = {} } = {}) {
  const events = [];
  const factory = new api.WebSocketServerFactory(url, factoryArgs);
  factory.protocol = recording(api.WebSocketServerProtocol, events, handlers);
  if (options) factory.setProtocolOptions(options);
  const handle = await api.listenWS(factory, listen);
  defer(async () => {
    for (const protocol of [...factory._connections]) protocol.dropConnection('test over');
    await handle.close();
  });
  return { ...handle, factory, events };
}

/** Our client with a recording protocol; dropped by `defer`. Resolves to connectWS's result plus { factory, events }. */
export async function startClient(api, defer, url, handlers = {}, { options = null, factory: factoryArgs = {}, connect = {} } = {}) {
  const events = [];
  const factory = new api.WebSocketClientFactory(url, factoryArgs);
  factory.protocol = recording(api.WebSocketClientProtocol, events, handlers);
  if (options) factory.setProtocolOptions(options);
  const connection = await api.connectWS(factory, { timeout: 5, ...connect });
  defer(async () => {
    connection.protocol.dropConnection('test over');
    await until(() => events.some((e) => e.name === 'onClose'), 'the client to close');
  });
  return { ...connection, factory, events };
}

/** An echoing onMessage. */
export const echo = { onMessage(payload, isBinary) { this.sendMessage(payload, isBinary); } };

/**
 * Runs one case: `run(api, defer)`, then every deferred cleanup (last first, each bounded) even
 * when the case failed, so a failure never leaks sockets into the next case.
 */
export async function runCase(testCase, api) {
  const cleanups = [];
  const defer = (fn) => { cleanups.push(fn); };
  try {
    await testCase.run(api, defer);
  } finally {
    for (const fn of cleanups.reverse()) {
      try {
        await within(Promise.resolve().then(fn), 5000, 'cleanup');
      } catch (error) {
        console.error(`cleanup failed: ${error}`);
      }
    }
  }
}
