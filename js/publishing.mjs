// factory.publish and factory.setBroker: one message to a topic's subscribers, framed once per
// kind of connection (PreparedMessage), in this process and, through a broker (RedisBroker,
// ClusterBroker), in every other one.
//
// Backpressure: a recipient that does not read is not waited for; its output queues up to
// maxBufferedAmount, beyond which it is failed with 1008 (js/protocol.mjs). Each recipient's
// transport stays corked until the current task's microtasks have run, so the publishes of one
// input batch (or one loop of the application's) leave each socket as one write.

import { PreparedMessage } from './prepared.mjs';
import { State } from './protocol-base.mjs';

export class Publishing {
  broker = null;
  #topics;
  #corked = new Set();

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
    for (const protocol of this.#topics.subscribers(topic) ?? []) {
      if (excluded?.has(protocol) || protocol.state !== State.OPEN) continue;
      this.#corkUntilMicrotasks(protocol.transport);
      try {
        if (!protocol.sendPreparedMessage(prepared)) aboveHighWaterMark++;
        reached++;
      } catch (error) {
        // One connection that cannot take it now must not cost the others theirs.
        failed.push({ protocol, error });
      }
    }
    return { topic, reached, aboveHighWaterMark, failed };
  }

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
}
