// Types of `wasmsocket/redis` (redis.mjs): the Redis broker, for Node and Deno (node-redis, an
// optional peer dependency, runs on Deno's Node compatibility). The Node entry re-exports it.

import type * as core from './index.js';

/** `RedisBroker`'s options. */
export interface RedisBrokerOptions {
  /** `redis://host:port` (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Prefix of the Redis channel names (default `'wasmsocket:'`): channel = prefix + topic. */
  prefix?: string;
  /** The connection came (`'ready'`) or went (`'disconnected'`, then reconnecting), or `'closed'`. */
  onStatus?: ((status: RedisBrokerStatus, error?: Error) => void) | null;
  /** Errors, once per outage (default: logged). */
  onError?: ((error: Error) => void) | null;
  /** node-redis client options merged into the broker's (e.g. `socket.tls`). */
  client?: Record<string, unknown>;
}

export type RedisBrokerStatus = 'connecting' | 'ready' | 'disconnected' | 'closed';

/**
 * A broker over Redis pub/sub with node-redis (an optional peer dependency: `npm install
 * redis`). Delivery is at most once, as Redis pub/sub: a message published while Redis is
 * unreachable reaches only local subscribers (counted in `dropped`); nothing queues; it
 * reconnects and subscribes again by itself.
 */
export declare class RedisBroker implements core.Broker {
  constructor(options?: RedisBrokerOptions);
  readonly url: string;
  readonly prefix: string;
  readonly status: RedisBrokerStatus;
  /** Messages published while Redis was unreachable. */
  readonly dropped: number;
  onStatus: RedisBrokerOptions['onStatus'];
  onError: (error: Error) => void;
  onMessage: core.Broker['onMessage'];
  /** Resolves once both Redis connections are up (the first time). */
  ready(): Promise<void>;
  publish(topic: string, payload: Uint8Array, isBinary: boolean, doNotCompress: boolean): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  close(): Promise<void>;
}
