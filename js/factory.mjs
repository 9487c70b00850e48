// WebSocketServerFactory and WebSocketClientFactory: session parameters (URL, subprotocols,
// headers), protocol options, and the protocol class to build per connection.

import { parseUrl } from './url.mjs';
import { checkOptions, defaultOptions } from './options.mjs';
import { WebSocketServerProtocol } from './server-protocol.mjs';
import { WebSocketClientProtocol } from './client-protocol.mjs';
import { State } from './protocol.mjs';
import { VERSION } from './version.mjs';
import { PreparedMessage } from './prepared.mjs';
import { Topics } from './topics.mjs';
import { registerFactory, refuseAfterTrap } from './trap.mjs';

export { VERSION };
const PRODUCT = `wasmsocket/${VERSION}`;

/**
 * The constructors' arguments after the URL, by name: one plain object (this library's form),
 * or autobahn's positional list (recognised by its second argument not being a plain object:
 * an array of protocols, an origin string, null). Unknown names throw rather than vanish.
 */
function sessionArguments(rest, names) {
  if (rest.length === 0) return {};
  const [first] = rest;
  const plainObject = first !== null && typeof first === 'object' && !Array.isArray(first);
  if (plainObject && rest.length === 1) {
    const unknown = Object.keys(first).filter((key) => !names.includes(key));
    if (unknown.length) throw new TypeError(`unknown factory argument(s): ${unknown.join(', ')} (known: ${names.join(', ')})`);
    return Object.fromEntries(Object.entries(first).filter(([, v]) => v !== undefined));
  }
  if (rest.length > names.length) throw new TypeError(`at most ${names.length + 1} arguments: url, ${names.join(', ')}`);
  // Positional: undefined takes the default, and so does null for the lists (autobahn's None);
  // null stays null elsewhere (server: null sends no Server header).
  return Object.fromEntries(rest.map((value, i) => [names[i], value])
    .filter(([name, v]) => v !== undefined && !(v === null && (name === 'protocols' || name === 'headers'))));
}

// How payloads handed to onMessage are allocated; the Node entry switches to Buffer.
let allocPayload = (n) => new Uint8Array(n);
export function setPayloadAllocator(alloc) {
  allocPayload = alloc;
}

class Factory {
  constructor(role) {
    this.role = role;
    this.protocolOptions = defaultOptions(role);
    /** The live connections (open or opening), for maxConnections and shutdown. */
    this._connections = new Set();
    this._topics = new Topics();
    this._broker = null;
    /** What the last publish did: `{ topic, reached, aboveHighWaterMark, failed }`. */
    this.lastPublish = null;
    registerFactory(this);
  }

  /**
   * The wasm core trapped (js/trap.mjs): every connection of the process has been failed with
   * 1011 and no new one will start; the process must restart. Called once per factory with the
   * WebAssembly.RuntimeError. Override it (or assign one); the default logs.
   */
  onTrap(error) {
    console.error(`wasmsocket: the wasm core trapped; every connection was failed with 1011 (${this.url}); restart the process:`, error);
  }

  /**
   * A message framed once for many connections (autobahn's prepareMessage); send it with
   * protocol.sendPreparedMessage. See js/prepared.mjs for when frames are shared.
   */
  prepareMessage(payload, isBinary = false, doNotCompress = false) {
    return new PreparedMessage(payload, isBinary, doNotCompress);
  }

  /**
   * Sends to every open connection subscribed to `topic` (protocol.subscribe), framed once per
   * kind of connection; `exclude` is a protocol or a list of them (e.g. the sender). `payload`
   * may be a PreparedMessage. Returns how many connections it reached. A recipient that does
   * not read is not waited for: its output queues up to maxBufferedAmount, beyond which it is
   * failed with 1008. `lastPublish` says how many recipients were above the mark after it
   * (`aboveHighWaterMark`) and which could not take it (`failed`: `{protocol, error}`, e.g.
   * one in the middle of sending its own fragmented message). With a broker (setBroker) it
   * also goes to the topic's subscribers in other processes, which the count does not include.
   */
  publish(topic, payload, isBinary = false, { exclude = null, doNotCompress = false } = {}) {
    const prepared = payload instanceof PreparedMessage ? payload : new PreparedMessage(payload, isBinary, doNotCompress);
    this._broker?.publish(topic, prepared.payload, prepared.isBinary, prepared.doNotCompress);
    this.lastPublish = this.#deliver(topic, prepared, exclude);
    return this.lastPublish.reached;
  }

  /**
   * Makes publish reach the topic's subscribers in every process connected to the same
   * broker (e.g. `new RedisBroker({ url })`), and theirs reach ours. One broker per factory;
   * `null` detaches it (closing it is yours).
   */
  setBroker(broker) {
    if (this._broker) {
      for (const topic of this._topics.names()) this._broker.unsubscribe(topic);
      this._broker.onMessage = null;
    }
    this._broker = broker;
    this._topics.onTopicAdded = broker && ((topic) => broker.subscribe(topic));
    this._topics.onTopicRemoved = broker && ((topic) => broker.unsubscribe(topic));
    if (!broker) return;
    broker.onMessage = (topic, payload, isBinary, doNotCompress) => {
      this.#deliver(topic, new PreparedMessage(payload, isBinary, doNotCompress), null);
    };
    for (const topic of this._topics.names()) broker.subscribe(topic);
  }

  /**
   * Sends `prepared` to this process's subscribers of `topic`; returns what happened. Each
   * recipient's transport stays corked until the current task's microtasks run, so the
   * publishes of one input batch (or one loop of the application's) leave each socket as one
   * write instead of one write per message.
   */
  #deliver(topic, prepared, exclude) {
    const excluded = exclude === null ? null : new Set(Array.isArray(exclude) || exclude instanceof Set ? exclude : [exclude]);
    let reached = 0;
    let aboveHighWaterMark = 0;
    const failed = [];
    for (const protocol of this._topics.subscribers(topic) ?? []) {
      if (excluded?.has(protocol) || protocol.state !== State.OPEN) continue;
      this.#corkUntilMicrotasks(protocol.transport);
      try {
        if (!protocol.sendPreparedMessage(prepared)) aboveHighWaterMark++;
        reached++;
      } catch (error) {
        // One connection that cannot take it now (its own fragmented message is half sent)
        // must not cost the others theirs.
        failed.push({ protocol, error });
      }
    }
    return { topic, reached, aboveHighWaterMark, failed };
  }

  #corked = new Set();

  #corkUntilMicrotasks(transport) {
    if (this.#corked.has(transport)) return;
    if (this.#corked.size === 0) {
      queueMicrotask(() => {
        const corked = [...this.#corked];
        this.#corked.clear();
        for (const t of corked) t.uncork();
      });
    }
    transport.cork();
    this.#corked.add(transport);
  }

  /** How many connections are subscribed to `topic`. */
  subscriberCount(topic) {
    return this._topics.count(topic);
  }

  get alloc() {
    return allocPayload;
  }

  /** Changes protocol options; unknown names and bad values throw, changing nothing. */
  setProtocolOptions(options) {
    checkOptions(this.role, options);
    const { maxBufferedAmount = this.protocolOptions.maxBufferedAmount, sendHighWaterMark = this.protocolOptions.sendHighWaterMark } = options;
    if (maxBufferedAmount !== 0 && maxBufferedAmount < sendHighWaterMark) {
      throw new RangeError(`invalid protocol options: maxBufferedAmount (${maxBufferedAmount}) must be 0 or at least sendHighWaterMark (${sendHighWaterMark})`);
    }
    for (const [name, value] of Object.entries(options)) {
      this.protocolOptions[name] = Array.isArray(value) ? [...value] : value;
    }
  }

  resetProtocolOptions() {
    this.protocolOptions = defaultOptions(this.role);
  }

  #setUrl(url, fallback) {
    this.url = url ?? fallback;
    [this.isSecure, this.host, this.port, this.resource, this.path, this.params] = parseUrl(this.url);
  }

  _session(url, fallback, protocols, headers) {
    this.#setUrl(url, fallback);
    if (!Array.isArray(protocols) || !protocols.every((p) => typeof p === 'string')) {
      throw new TypeError('protocols must be an array of strings');
    }
    this.protocols = [...protocols];
    this.headers = { ...(headers ?? {}) };
  }

  /** Shutdown: open connections get close 1001 (going away), opening ones are dropped. */
  _goingAway(reason = 'server shutting down') {
    for (const protocol of this._connections) {
      if (protocol.state === State.OPEN) protocol._goingAway(reason);
      else if (protocol.state === State.CONNECTING) protocol.dropConnection(reason);
    }
  }

  /** A new protocol instance for one connection. */
  buildProtocol() {
    const Protocol = this.protocol;
    return new Protocol();
  }

  /** Runs a new protocol over a connected transport (any runtime's), in this factory's role. */
  _start(transport) {
    refuseAfterTrap(transport);
    const protocol = this.buildProtocol();
    transport.bind(protocol);
    protocol._connectionMade(this, transport, this.role);
    return protocol;
  }
}

export class WebSocketServerFactory extends Factory {
  protocol = WebSocketServerProtocol;

  /**
   * `(url, { protocols, server, headers, externalPort })`, or autobahn's positional form
   * `(url, protocols, server, headers, externalPort)`.
   */
  constructor(url = null, ...rest) {
    super('server');
    const { protocols = [], server = PRODUCT, headers = {}, externalPort = null } =
      sessionArguments(rest, ['protocols', 'server', 'headers', 'externalPort']);
    this.setSessionParameters(url, protocols, server, headers, externalPort);
  }

  setSessionParameters(url = null, protocols = [], server = PRODUCT, headers = {}, externalPort = null) {
    this._session(url, 'ws://localhost', protocols, headers);
    this.server = server;
    this.externalPort = externalPort; // autobahn's: null unless given (then the Host header's port must match)
  }
}

export class WebSocketClientFactory extends Factory {
  protocol = WebSocketClientProtocol;

  /**
   * `(url, { origin, protocols, useragent, headers, proxy })`, or autobahn's positional form
   * `(url, origin, protocols, useragent, headers, proxy)`.
   */
  constructor(url = null, ...rest) {
    super('client');
    const { origin = null, protocols = [], useragent = PRODUCT, headers = {}, proxy = null } =
      sessionArguments(rest, ['origin', 'protocols', 'useragent', 'headers', 'proxy']);
    this.setSessionParameters(url, origin, protocols, useragent, headers, proxy);
  }

  setSessionParameters(url = null, origin = null, protocols = [], useragent = PRODUCT, headers = {}, proxy = null) {
    this._session(url, 'ws://localhost', protocols, headers);
    this.origin = origin;
    this.useragent = useragent;
    if (proxy !== null && !(proxy && typeof proxy.host === 'string' && Number.isInteger(proxy.port))) {
      throw new TypeError('proxy must be {host, port}');
    }
    this.proxy = proxy;
  }

  /** Starts the client over a connected transport; the handle connectWS resolves to. */
  _connect(transport) {
    const protocol = this._start(transport);
    return {
      protocol,
      close(code = 1000, reason = null) {
        if (protocol.state === State.OPEN) protocol.sendClose(code, reason);
        else protocol.dropConnection('closed by application');
      },
    };
  }
}
