// factory.publish and factory.setBroker: one message to a topic's subscribers, framed once per
// kind of connection (PreparedMessage), in this process and, through a broker (RedisBroker,
// ClusterBroker), in every other one.
//
// Backpressure: a recipient that does not read is not waited for; its output queues up to
// maxBufferedAmount, beyond which it is failed with 1008 (js/protocol.mjs). Each recipient's
// transport stays corked until `releaseLater`, so the publishes of one input burst (or one loop
// of the application's) leave each socket as one write (Node: one Buffer, shared by the sockets
// that got the same frames; js/node/transport.mjs).

import { PreparedMessage } from './prepared.mjs';
import { State } from './protocol-base.mjs';

/**
 * When held transports are released. Node: setImmediate, after every I/O callback of this turn
 * of the event loop (a burst read as several 64 KiB chunks leaves each recipient as one write,
 * not one per chunk). Elsewhere (Deno), once the current task's microtasks have run.
 */
const releaseLater = globalThis.process?.versions?.node !== undefined && globalThis.Deno === undefined && typeof setImmediate === 'function'
  ? setImmediate
  : queueMicrotask;

export class Publishing {
  broker = null;
  #topics;
  /** Transports corked by #hold until releaseLater uncorks them. */
  #held = [];

  constructor(topics) {
    this.#topics = topics;
  }

  /**
   * `exclude` is a protocol or a list of them (e.g. the sender); `payload` may be a
   * PreparedMessage. Returns `{ topic, reached, aboveHighWaterMark, failed }`: the connections
   * of this process it reached, how many of them were above sendHighWaterMark after it, and
   * which could not take it (`{protocol, error}`, e.g. one in the middle of sending its own
   * fragmented message). Other processes' subscribers are the broker's, not counted.
   */
  publish(topic, payload, isBinary, { exclude = null, doNotCompress = false } = {}) {
    const prepared = payload instanceof PreparedMessage ? payload : new PreparedMessage(payload, isBinary, doNotCompress);
    this.broker?.publish(topic, prepared.payload, prepared.isBinary, prepared.doNotCompress);
    return this.#deliver(topic, prepared, exclude);
  }

  /**
   * One broker per factory: it follows the topics that have local subscribers and delivers
   * what other processes publish. `null` detaches it (closing it is the caller's).
   */
  setBroker(broker) {
    const topics = this.#topics;
    if (this.broker) {
      for (const topic of topics.names()) this.broker.unsubscribe(topic);
      this.broker.onMessage = null;
    }
    this.broker = broker;
    topics.onTopicAdded = broker && ((topic) => broker.subscribe(topic));
    topics.onTopicRemoved = broker && ((topic) => broker.unsubscribe(topic));
    if (!broker) return;
    broker.onMessage = (topic, payload, isBinary, doNotCompress) => {
      this.#deliver(topic, new PreparedMessage(payload, isBinary, doNotCompress), null);
    };
    for (const topic of topics.names()) broker.subscribe(topic);
  }

  #deliver(topic, prepared, exclude) {
    const excluded = exclude === null ? null : new Set(Array.isArray(exclude) || exclude instanceof Set ? exclude : [exclude]);
    let reached = 0;
    let aboveHighWaterMark = 0;
    const failed = [];
    const subscribers = this.#topics.subscribers(topic);
    if (subscribers === undefined) return { topic, reached, aboveHighWaterMark, failed };
    for (const protocol of subscribers) {
      if ((excluded !== null && excluded.has(protocol)) || protocol.state !== State.OPEN) continue;
      const { transport } = protocol;
      if (transport._heldByPublish !== true) this.#hold(transport);
      try {
        if (!protocol._publish(prepared)) aboveHighWaterMark++;
        reached++;
      } catch (error) {
        // One connection that cannot take it now must not cost the others theirs.
        failed.push({ protocol, error });
      }
    }
    return { topic, reached, aboveHighWaterMark, failed };
  }

  /**
   * Corks `transport` until releaseLater. A flag on the transport, not a Set lookup, says it is
   * held already: this runs once per recipient.
   */
  #hold(transport) {
    if (this.#held.length === 0) {
      releaseLater(() => {
        const held = this.#held;
        this.#held = [];
        for (const t of held) {
          t._heldByPublish = false;
          t.uncork();
        }
      });
    }
    transport.cork();
    transport._heldByPublish = true;
    this.#held.push(transport);
  }
}
