// permessage-bzip2 (autobahn's second compression extension). Like deflate, it runs inside
// the Rust core (src/extensions/bzip2/); these factories only carry the settings there. Each
// message is one independent bzip2 stream: good ratio on large messages, costly on small ones
// (a level-9 compressor needs about 7.5 MB while a message is sent), so it is never on by
// default. The core checks the options (src/extensions/bzip2/params.rs, through
// src/wasm/extensions/factory_options.rs).

import { ClientExtensionFactory, ServerExtensionFactory } from './base.mjs';
import { coreCall, processRequest, processResponse, requestParams } from './native.mjs';
import { CoreTrappedError } from '../trap.mjs';

export const BZIP2 = 'permessage-bzip2';

/** The core's check of the options (src/extensions/bzip2/params.rs rules); RangeError naming the offending one. */
function settings(role, options) {
  let checked;
  try {
    checked = coreCall('bzip2Options', { role, options });
  } catch (error) {
    if (error instanceof CoreTrappedError) throw error;
    throw new RangeError(`invalid permessage-bzip2 options: ${error.message}`);
  }
  return Object.freeze(checked);
}

function spec(s) {
  return {
    kind: BZIP2,
    level: s.level,
    serverMaxCompressLevel: s.serverMaxCompressLevel ?? undefined,
    clientMaxCompressLevel: s.clientMaxCompressLevel ?? undefined,
    acceptMaxCompressLevel: s.acceptClientMaxCompressLevel,
    smallDecompress: s.smallDecompress,
  };
}

/**
 * Server side: `level` (1-9) we compress with, capped by `serverMaxCompressLevel` and by the
 * client's request; `clientMaxCompressLevel` caps a client that offered to accept a cap;
 * `smallDecompress` halves decompression memory at half the speed. Unknown options throw, naming
 * them, and python's snake_case names throw naming the camelCase one.
 */
export class ServerPerMessageBzip2Factory extends ServerExtensionFactory {
  constructor(options = {}) {
    super();
    this.settings = settings('server', options);
  }

  get name() {
    return BZIP2;
  }

  /** As the deflate factory's: the core's answer to one offer. */
  processRequestParams(params, accepted = []) {
    return processRequest(this, params, accepted);
  }

  get _negotiatesInCore() {
    return this.processRequestParams === ServerPerMessageBzip2Factory.prototype.processRequestParams;
  }

  coreSpec() {
    return spec(this.settings);
  }
}

/** Client side: `serverMaxCompressLevel` asks the server for a cap; `acceptClientMaxCompressLevel` lets it cap us. */
export class ClientPerMessageBzip2Factory extends ClientExtensionFactory {
  constructor(options = {}) {
    super();
    this.settings = settings('client', options);
  }

  get name() {
    return BZIP2;
  }

  getRequestParams() {
    return requestParams(this);
  }

  processResponseParams(params, accepted = []) {
    return processResponse(this, params, accepted);
  }

  get _negotiatesInCore() {
    const own = ClientPerMessageBzip2Factory.prototype;
    return this.processResponseParams === own.processResponseParams && this.getRequestParams === own.getRequestParams;
  }

  coreSpec() {
    return spec(this.settings);
  }
}
