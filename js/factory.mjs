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
import { Publishing } from './publishing.mjs';
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
    this._publishing = new Publishing(this._topics);
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
   * kind of connection; see js/publishing.mjs. Returns how many connections it reached.
   */
  publish(topic, payload, isBinary = false, options = {}) {
    this.lastPublish = this._publishing.publish(topic, payload, isBinary, options);
    return this.lastPublish.reached;
  }

  /** Makes publish reach every process connected to the same broker (js/publishing.mjs). */
  setBroker(broker) {
    this._publishing.setBroker(broker);
  }

  /** How many connections are subscribed to `topic`. */
  subscriberCount(topic) {
    return this._topics.count(topic);
  }

  get alloc() {
    return allocPayload;
  }

  /** autobahn's `isServer`. */
  get isServer() {
    return this.role === 'server';
  }

  /** Changes protocol options; unknown names and bad values throw, changing nothing. */
  setProtocolOptions(options) {
    checkOptions(this.role, options);
    const { maxBufferedAmount = this.protocolOptions.maxBufferedAmount, sendHighWaterMark = this.protocolOptions.sendHighWaterMark } = options;
    if (maxBufferedAmount !== 0 && maxBufferedAmount < sendHighWaterMark) {
      throw new RangeError(`invalid protocol options: maxBufferedAmount (${maxBufferedAmount}) must be 0 or at least sendHighWaterMark (${sendHighWaterMark})`);
    }
    // A new frozen object, never a mutation: open connections and coreConfig's cache share the
    // old one (a connection keeps the options it started with, as autobahn's do).
    const next = { ...this.protocolOptions };
    for (const [name, value] of Object.entries(options)) {
      next[name] = Array.isArray(value) ? [...value] : value;
    }
    this.protocolOptions = Object.freeze({ ...next });
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

  /** autobahn's getConnectionCount(): connections being served (opening or open). */
  getConnectionCount() {
    return this._connections.size;
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
