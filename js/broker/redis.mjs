// A broker over Redis pub/sub (node-redis, the client Redis itself maintains; loaded only when
// a RedisBroker is made, so the package does not depend on it). Each topic is one Redis
// channel (`prefix + topic`); each message one envelope (./envelope.mjs), binary-safe.
//
// Delivery is Redis pub/sub's: at most once. While Redis is unreachable nothing queues (the
// client's offline queue is off): publish still reaches the local subscribers and counts the
// remote delivery as dropped; node-redis reconnects by itself and subscribes again, and
// `onStatus` tells the application both ways. Errors go to `onError`, never into socket code.

import { Buffer } from 'node:buffer';
import { newOrigin, encodeEnvelope, decodeEnvelope, sameOrigin } from './envelope.mjs';

export class RedisBroker {
  /** Set by factory.setBroker: `(topic, payload, isBinary, doNotCompress)` for others' messages. */
  onMessage = null;
  /** Messages published while Redis was unreachable (local delivery still happened). */
  dropped = 0;
  /** 'connecting', 'ready' or 'disconnected' (then reconnecting); 'closed' after close(). */
  status = 'connecting';

  /**
   * `url`: redis://host:port; `prefix` of the channel names; `onStatus(status, error?)` when
   * the connection comes or goes; `onError(error)` (default: logged); `client`: your own
   * node-redis client options, merged in.
   */
  constructor({ url = 'redis://127.0.0.1:6379', prefix = 'wasmsocket:', onStatus = null, onError = null, client = {} } = {}) {
    this.url = url;
    this.prefix = prefix;
    this.origin = newOrigin();
    this.onStatus = onStatus;
    this.onError = onError ?? ((error) => console.error(`wasmsocket RedisBroker (${url}):`, error.message ?? error));
    this.#options = {
      url,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000) },
      ...client,
    };
    this.#ready = this.#start();
    this.#ready.catch((error) => this.#error(error));
  }

  #options;
  #ready;
  #publisher = null;
  #subscriber = null;
  #topics = new Set();
  #listener = (message, channel) => this.#received(message, channel);

  async #start() {
    const { createClient } = await import('redis');
    this.#publisher = this.#client(createClient(this.#options), 'publisher');
    this.#subscriber = this.#client(createClient(this.#options), 'subscriber');
    await Promise.all([this.#publisher.connect(), this.#subscriber.connect()]);
  }

  /** Both connections report; the broker is ready when both are. */
  #client(client, role) {
    client.on('error', (error) => this.#error(error));
    client.on('ready', () => {
      if (!(this.#publisher?.isReady && this.#subscriber?.isReady)) return;
      this.#lastError = null;
      this.#setStatus('ready');
    });
    client.on('end', () => this.#setStatus(this.status === 'closed' ? 'closed' : 'disconnected'));
    client.on('reconnecting', () => this.#setStatus('disconnected'));
    client.role = role;
    return client;
  }

  #setStatus(status, error = undefined) {
    if (status === this.status) return;
    this.status = status;
    try {
      this.onStatus?.(status, error);
    } catch (thrown) {
      this.#error(thrown);
    }
  }

  /** Reports an error once per outage, not once per reconnect attempt; nothing after close(). */
  #error(error) {
    const message = String(error?.message ?? error);
    if (this.status === 'closed' || (this.status !== 'ready' && message === this.#lastError)) return;
    this.#lastError = message;
    try {
      this.onError(error);
    } catch {
      // onError itself threw: nothing more to tell.
    }
  }

  #lastError = null;

  /** Resolves once both Redis connections are up (the first time). */
  ready() {
    return this.#ready;
  }

  publish(topic, payload, isBinary, doNotCompress) {
    if (this.status !== 'ready') {
      this.dropped++;
      return;
    }
    const envelope = encodeEnvelope(this.origin, payload, isBinary, doNotCompress);
    this.#publisher.publish(this.prefix + topic, Buffer.from(envelope.buffer, envelope.byteOffset, envelope.length)).catch((error) => {
      this.dropped++;
      this.#error(error);
    });
  }

  subscribe(topic) {
    this.#topics.add(topic);
    this.#ready.then(() => this.#subscriber.subscribe(this.prefix + topic, this.#listener, true)).catch((error) => this.#error(error));
  }

  unsubscribe(topic) {
    this.#topics.delete(topic);
    this.#ready.then(() => this.#subscriber.unsubscribe(this.prefix + topic, this.#listener, true)).catch((error) => this.#error(error));
  }

  #received(message, channel) {
    const envelope = decodeEnvelope(message);
    const name = String(channel);
    if (!envelope || !name.startsWith(this.prefix)) return;
    if (sameOrigin(envelope.origin, this.origin)) return;
    this.onMessage?.(name.slice(this.prefix.length), envelope.payload, envelope.isBinary, envelope.doNotCompress);
  }

  /** Closes both Redis connections (at once when they are not up: no reconnecting after this). */
  async close() {
    if (this.status === 'closed') return;
    this.#setStatus('closed');
    await Promise.all([this.#publisher, this.#subscriber].map(async (client) => {
      if (!client?.isOpen) return;
      if (client.isReady) await client.close().catch(() => client.destroy());
      else client.destroy();
    }));
  }
}
