// Turns the extension factories of one connection into the entries the core's
// `setExtensions` takes (src/wasm/extensions/mod.rs): a built-in factory describes itself
// (`coreSpec()`); a JavaScript one is wrapped in an adapter the core calls during the
// handshake and, for its extension, on every frame.

import { CoreExtension, Frame } from './base.mjs';
import { BuiltinExtension, fromCore } from './native.mjs';

const BYTES = (data) => (typeof data === 'string' ? new TextEncoder().encode(data) : data);

/** The core's entries for `factories`, in order; `role` is 'server' or 'client'. */
export function coreEntries(factories, role) {
  const accepted = []; // this connection's JS extensions, as negotiated
  return factories.map((factory) => {
    // A built-in factory negotiates in the core, unless a subclass overrides its negotiation.
    if (typeof factory.coreSpec === 'function' && factory._negotiatesInCore !== false) return factory.coreSpec(role);
    return { kind: 'js', adapter: role === 'server' ? serverAdapter(factory, accepted) : clientAdapter(factory, accepted) };
  });
}

/**
 * The extensions accepted so far (the core's `[{name, params, rsvBits}]`), as JS objects: ours
 * where we made them, stand-ins with their negotiated parameters for the core's.
 */
function acceptedList(shown, accepted) {
  const pool = [...accepted];
  return shown.map(({ name, params }) => {
    const i = pool.findIndex((ext) => ext.name === name && !(ext instanceof BuiltinExtension));
    return i >= 0 ? pool.splice(i, 1)[0] : new CoreExtension(name, fromCore(params));
  });
}

function params(list, who) {
  if (!Array.isArray(list)) throw new TypeError(`${who} must return [[name, value | null], ...]`);
  return list.map((p) => {
    const [name, value = null] = Array.isArray(p) ? p : [p];
    if (typeof name !== 'string' || !(value === null || typeof value === 'string')) {
      throw new TypeError(`${who}: each parameter is [name, value | null] with string name and value`);
    }
    return [name, value];
  });
}

function serverAdapter(factory, accepted) {
  return {
    name: factory.name,
    processRequestParams(offer, names) {
      const result = factory.processRequestParams(offer, acceptedList(names, accepted));
      if (!Array.isArray(result) || result.length !== 2) {
        throw new TypeError(`${factory.name}: processRequestParams must return [responseParams, extension]`);
      }
      const [response, extension] = result;
      const adapter = [params(response, `${factory.name}.processRequestParams`), extensionAdapter(extension)];
      accepted.push(extension);
      return adapter;
    },
  };
}

function clientAdapter(factory, accepted) {
  return {
    name: factory.name,
    getRequestParams: () => params(factory.getRequestParams(), `${factory.name}.getRequestParams`),
    processResponseParams(response, names) {
      const extension = factory.processResponseParams(response, acceptedList(names, accepted));
      const adapter = extensionAdapter(extension);
      accepted.push(extension);
      return adapter;
    },
  };
}

/** Calls the extension with Frames and hands the core plain tuples back. */
function extensionAdapter(extension) {
  if (extension instanceof BuiltinExtension) return extension._claim(); // the core's own extension
  if (!extension || typeof extension.encode !== 'function' || typeof extension.decode !== 'function') {
    throw new TypeError('a factory must return an Extension (with encode and decode)');
  }
  const toFrame = (fin, opcode, rsv, data) => new Frame(opcode, data, { fin, rsv1: (rsv & 4) !== 0, rsv2: (rsv & 2) !== 0, rsv3: (rsv & 1) !== 0 });
  const toTuple = (frame, who) => {
    if (!(frame && typeof frame === 'object' && 'data' in frame)) throw new TypeError(`${extension.name}.${who} must return a Frame`);
    const rsv = (frame.rsv1 ? 4 : 0) | (frame.rsv2 ? 2 : 0) | (frame.rsv3 ? 1 : 0);
    return [Boolean(frame.fin), frame.opcode, rsv, BYTES(frame.data)];
  };
  return {
    name: extension.name,
    rsvBits: extension.rsvBits ?? 0,
    encode: (fin, opcode, rsv, data) => toTuple(extension.encode(toFrame(fin, opcode, rsv, data)), 'encode'),
    decode: (fin, opcode, rsv, data, maxSize) => toTuple(extension.decode(toFrame(fin, opcode, rsv, data), { maxSize }), 'decode'),
  };
}
