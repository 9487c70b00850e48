// permessage-deflate (RFC 7692) as python-websockets configures it. The compression itself
// runs inside the Rust core (src/extensions/deflate/), which also checks the options (once, in
// src/wasm/extensions/factory_options.rs) and negotiates. In a handshake the core negotiates
// directly; called from JavaScript (to wrap or delegate, as in python-websockets) `processRequestParams`,
// `getRequestParams` and `processResponseParams` ask the core and give back a
// BuiltinExtension that a JS factory returns to use it.

import { ClientExtensionFactory, ServerExtensionFactory } from './base.mjs';
import { coreCall, processRequest, processResponse, requestParams } from './native.mjs';
import { CoreTrappedError } from '../trap.mjs';

export const DEFLATE = 'permessage-deflate';

/** The core's check of python-websockets' options (camelCase); RangeError with its reason. */
function settings(role, options) {
  let checked;
  try {
    checked = coreCall('deflateOptions', { role, options });
  } catch (error) {
    if (error instanceof CoreTrappedError) throw error;
    throw new RangeError(`invalid permessage-deflate options: ${error.message}`);
  }
  return Object.freeze(checked);
}

/** The core's entry for these settings. `preset: 'bare'`: unset windows mean 15 (no limit). */
function spec(s) {
  return {
    kind: DEFLATE,
    preset: 'bare',
    serverNoContextTakeover: s.serverNoContextTakeover,
    clientNoContextTakeover: s.clientNoContextTakeover,
    serverMaxWindowBits: s.serverMaxWindowBits ?? undefined,
    clientMaxWindowBits: s.clientMaxWindowBits ?? false,
    level: s.level,
    memLevel: s.memLevel,
    threshold: s.threshold,
    requireClientMaxWindowBits: s.requireClientMaxWindowBits ?? false,
  };
}

/**
 * Server side. `serverNoContextTakeover`/`clientNoContextTakeover` are imposed on every
 * connection; `serverMaxWindowBits`/`clientMaxWindowBits` (8-15) cap the windows;
 * `compressSettings` as zlib's compressobj takes them: `level` (-1-9), `memLevel` (1-9: bounds
 * the history a connection keeps for context takeover), `strategy` 0 (Z_DEFAULT_STRATEGY) and
 * `method` 8; messages shorter than `threshold` bytes go uncompressed.
 * `requireClientMaxWindowBits` (python-websockets' `require_client_max_window_bits`, needs a
 * `clientMaxWindowBits` value): decline offers without `client_max_window_bits`, so every client
 * compresses with at most that window (by default such an offer is accepted, the client keeping
 * its window of up to 15). Unknown options throw, and python's snake_case names throw naming
 * the camelCase one.
 */
export class ServerPerMessageDeflateFactory extends ServerExtensionFactory {
  constructor(options = {}) {
    super();
    this.settings = settings('server', options);
  }

  get name() {
    return DEFLATE;
  }

  /** `[responseParams, extension]` as the core would answer this offer, or NegotiationError. */
  processRequestParams(params, accepted = []) {
    return processRequest(this, params, accepted);
  }

  /** False when a subclass overrides processRequestParams: the connection then calls it. */
  get _negotiatesInCore() {
    return this.processRequestParams === ServerPerMessageDeflateFactory.prototype.processRequestParams;
  }

  coreSpec() {
    return spec(this.settings);
  }
}

/** Client side: the offer (`clientMaxWindowBits: true`, the default, offers the parameter without a value). */
export class ClientPerMessageDeflateFactory extends ClientExtensionFactory {
  constructor(options = {}) {
    super();
    this.settings = settings('client', options);
  }

  get name() {
    return DEFLATE;
  }

  getRequestParams() {
    return requestParams(this);
  }

  /** The extension for the server's response, or NegotiationError. */
  processResponseParams(params, accepted = []) {
    return processResponse(this, params, accepted);
  }

  get _negotiatesInCore() {
    const own = ClientPerMessageDeflateFactory.prototype;
    return this.processResponseParams === own.processResponseParams && this.getRequestParams === own.getRequestParams;
  }

  coreSpec() {
    return spec(this.settings);
  }
}
