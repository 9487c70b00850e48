// The built-in factories' negotiation, callable from JavaScript as in python-websockets (to wrap
// or delegate): the core negotiates exactly as in a handshake (`extensionCall`,
// src/wasm/extensions/handles.rs) and keeps the extension it made; the `BuiltinExtension` standing for it
// hands it back to the core when a JS factory returns it for a connection.

import { extensionCall } from '../../wasm/wasmsocket.js';
import { coreTrapped, coreFailed, CoreTrappedError } from '../trap.mjs';
import { CoreExtension, NegotiationError } from './base.mjs';

/** A core call behind the trap guard. */
export function coreCall(op, args) {
  if (coreTrapped !== null) throw new CoreTrappedError(coreTrapped);
  try {
    return extensionCall(op, args);
  } catch (error) {
    throw coreFailed(error);
  }
}

// An extension made here and never returned to a connection is dropped in the core once JS drops it.
const release = new FinalizationRegistry((handle) => {
  if (coreTrapped === null) coreCall('release', { handle });
});

/** A negotiated built-in extension from a built-in factory; return it from your factory to use it. */
export class BuiltinExtension extends CoreExtension {
  #handle;
  constructor(name, params, handle) {
    super(name, params);
    this.#handle = handle;
    release.register(this, handle, this);
  }

  /** The adapter's: the core's extension, once (an extension serves one connection). */
  _claim() {
    const handle = this.#handle;
    if (handle === null) throw new NegotiationError(`this ${this.name} extension was already used by a connection`);
    this.#handle = null;
    release.unregister(this);
    return { coreHandle: handle };
  }

  encode() {
    throw new TypeError(`${this.name} runs inside the core: return it from a factory instead of calling encode/decode`);
  }

  decode() {
    throw new TypeError(`${this.name} runs inside the core: return it from a factory instead of calling encode/decode`);
  }
}

const paramList = (params) => {
  if (!Array.isArray(params)) throw new TypeError('params must be [[name, value | null], ...]');
  return params.map((p) => {
    const [name, value = null] = Array.isArray(p) ? p : [p];
    return [name, value];
  });
};
/** The core's params (a missing value comes as undefined) as `[[name, value | null], ...]`. */
export const fromCore = (params) => (params ?? []).map(([name, value]) => [name, value ?? null]);
const acceptedList = (accepted) => (accepted ?? []).map((e) => ({ name: String(e.name), rsvBits: Number(e.rsvBits ?? 0) }));

/** Server: `[responseParams, extension]` for one offer, or NegotiationError. */
export function processRequest(factory, params, accepted) {
  const r = coreCall('processRequest', { spec: factory.coreSpec('server'), params: paramList(params), accepted: acceptedList(accepted) });
  if (r.declined !== undefined) throw new NegotiationError(r.declined);
  return [fromCore(r.response), new BuiltinExtension(factory.name, fromCore(r.params), r.handle)];
}

/** Client: the offer's parameters. */
export function requestParams(factory) {
  return fromCore(coreCall('requestParams', { spec: factory.coreSpec('client') }));
}

/** Client: the extension for the server's response, or NegotiationError. */
export function processResponse(factory, params, accepted) {
  const r = coreCall('processResponse', { spec: factory.coreSpec('client'), params: paramList(params), accepted: acceptedList(accepted) });
  if (r.declined !== undefined) throw new NegotiationError(r.declined);
  return new BuiltinExtension(factory.name, fromCore(r.params), r.handle);
}
