// A message for many connections (autobahn's PreparedMessage). Its frames are built once for
// each kind of connection that would write the same bytes: the core names the kind
// (`sharedOutputKey`): unmasked and uncompressed, or permessage-deflate without server context
// takeover at one setting, or bzip2 at one level. Every later connection of that kind gets the
// same frames, and the core only checks that it may send now. Connections whose frames differ
// per connection (clients mask; deflate with context takeover continues its own stream)
// frame and compress it themselves.

import { toBytes } from './bytes.mjs';

export class PreparedMessage {
  /** How many times frames were built for sharing (once per distinct kind of connection). */
  framings = 0;
  /** Messages framed by a connection for itself alone (masking, compression context). */
  ownFramings = 0;
  /** sharedOutputKey → the frames (one array): built once, written to many transports. */
  #frames = new Map();

  /**
   * `payload`: bytes (copied: the frames must not change with them), or a string (sent as
   * text unless `isBinary`) encoded once here.
   */
  constructor(payload, isBinary = false, doNotCompress = false) {
    this.payload = typeof payload === 'string' ? toBytes(payload) : toBytes(payload, 'payload').slice();
    this.isBinary = Boolean(isBinary);
    this.doNotCompress = Boolean(doNotCompress);
  }

  /** The first kind's frames outside the Map: most publishes have one kind, looked up per recipient. */
  #firstKey = undefined;
  #firstFrames = undefined;

  /** The frames built for `key`, if any (used by js/wire.mjs). */
  _framesFor(key) {
    return key === this.#firstKey ? this.#firstFrames : this.#frames.get(key);
  }

  _remember(key, frames) {
    if (this.#firstKey === undefined) {
      this.#firstKey = key;
      this.#firstFrames = frames;
    } else {
      this.#frames.set(key, frames);
    }
    this.framings++;
  }
}
