// Topics (as in Bun and uWebSockets): which connections of a factory subscribed to which
// topic names, kept from both sides so that publishing and a closing connection are each one
// lookup. Connections leave every topic when they close (js/protocol.mjs).

export class Topics {
  /** Told when a topic gets its first subscriber / loses its last (a broker follows them). */
  onTopicAdded = null;
  onTopicRemoved = null;

  /** topic → Set of protocols */
  #subscribers = new Map();
  /** protocol → Set of topics */
  #topicsOf = new Map();

  subscribe(protocol, topic) {
    if (typeof topic !== 'string') throw new TypeError(`a topic is a string, got ${typeof topic}`);
    let subscribers = this.#subscribers.get(topic);
    if (!subscribers) {
      this.#subscribers.set(topic, subscribers = new Set());
      this.onTopicAdded?.(topic);
    }
    subscribers.add(protocol);
    let topics = this.#topicsOf.get(protocol);
    if (!topics) this.#topicsOf.set(protocol, topics = new Set());
    topics.add(topic);
  }

  /** Returns whether `protocol` was subscribed. */
  unsubscribe(protocol, topic) {
    const subscribers = this.#subscribers.get(topic);
    if (!subscribers?.delete(protocol)) return false;
    if (subscribers.size === 0) {
      this.#subscribers.delete(topic);
      this.onTopicRemoved?.(topic);
    }
    const topics = this.#topicsOf.get(protocol);
    topics.delete(topic);
    if (topics.size === 0) this.#topicsOf.delete(protocol);
    return true;
  }

  /** A closing connection leaves all its topics. */
  leaveAll(protocol) {
    for (const topic of this.#topicsOf.get(protocol) ?? []) this.unsubscribe(protocol, topic);
  }

  topicsOf(protocol) {
    return [...(this.#topicsOf.get(protocol) ?? [])];
  }

  /** The live set (do not change it): publishing iterates it without a copy. */
  subscribers(topic) {
    return this.#subscribers.get(topic);
  }

  /** The topics with at least one subscriber. */
  names() {
    return [...this.#subscribers.keys()];
  }

  count(topic) {
    return this.#subscribers.get(topic)?.size ?? 0;
  }
}
