// permessage-deflate (RFC 7692) as python-websockets configures it. The compression itself
// runs inside the Rust core (src/deflate/); these factories only carry the settings there,
// so they are negotiated in the core and cannot be called from JavaScript.

import { ClientExtensionFactory, ServerExtensionFactory } from './base.mjs';

export const DEFLATE = 'permessage-deflate';

const isBits = (v) => Number.isInteger(v) && v >= 8 && v <= 15;

function check(options, allowTrueClientBits) {
  const problems = [];
  const { serverNoContextTakeover = false, clientNoContextTakeover = false, serverMaxWindowBits = null, clientMaxWindowBits = null, compressSettings = {}, threshold = 0 } = options;
  if (typeof serverNoContextTakeover !== 'boolean') problems.push('serverNoContextTakeover must be a boolean');
  if (typeof clientNoContextTakeover !== 'boolean') problems.push('clientNoContextTakeover must be a boolean');
  if (!(serverMaxWindowBits === null || isBits(serverMaxWindowBits))) problems.push('serverMaxWindowBits must be 8-15 or null');
  if (!(clientMaxWindowBits === null || isBits(clientMaxWindowBits) || (allowTrueClientBits && clientMaxWindowBits === true))) {
    problems.push(`clientMaxWindowBits must be 8-15${allowTrueClientBits ? ', true' : ''} or null`);
  }
  const { level = 6, memLevel = 8, ...unknown } = compressSettings ?? {};
  if (!(Number.isInteger(level) && level >= 0 && level <= 9)) problems.push('compressSettings.level must be 0-9');
  if (!(Number.isInteger(memLevel) && memLevel >= 1 && memLevel <= 9)) problems.push('compressSettings.memLevel must be 1-9');
  if (Object.keys(unknown).length) problems.push(`unknown compressSettings: ${Object.keys(unknown).join(', ')}`);
  if (!(Number.isSafeInteger(threshold) && threshold >= 0)) problems.push('threshold must be a byte count');
  if (problems.length) throw new RangeError(`invalid permessage-deflate options: ${problems.join('; ')}`);
  return { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits, level, memLevel, threshold };
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
  };
}

/**
 * Server side. `serverNoContextTakeover`/`clientNoContextTakeover` are imposed on every
 * connection; `serverMaxWindowBits`/`clientMaxWindowBits` (8-15) cap the windows;
 * `compressSettings: {level, memLevel}` as zlib's (memLevel bounds the history a connection
 * keeps for context takeover); messages shorter than `threshold` bytes go uncompressed.
 */
export class ServerPerMessageDeflateFactory extends ServerExtensionFactory {
  constructor(options = {}) {
    super();
    this.settings = Object.freeze(check(options, false));
  }

  get name() {
    return DEFLATE;
  }

  coreSpec() {
    return spec(this.settings);
  }
}

/** Client side: the offer (`clientMaxWindowBits: true` offers the parameter without a value). */
export class ClientPerMessageDeflateFactory extends ClientExtensionFactory {
  constructor(options = {}) {
    super();
    this.settings = Object.freeze(check({ clientMaxWindowBits: true, ...options }, true));
  }

  get name() {
    return DEFLATE;
  }

  coreSpec() {
    return spec(this.settings);
  }
}
