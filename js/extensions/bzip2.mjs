// permessage-bzip2 (autobahn's second compression extension). Like deflate, it runs inside
// the Rust core (src/extensions/bzip2/); these factories only carry the settings there. Each message is
// one independent bzip2 stream: good ratio on large messages, costly on small ones (a level-9
// compressor needs about 7.5 MB while a message is sent), so it is never on by default.

import { ClientExtensionFactory, ServerExtensionFactory } from './base.mjs';
import { processRequest, processResponse, requestParams } from './native.mjs';

export const BZIP2 = 'permessage-bzip2';

const isLevel = (v) => Number.isInteger(v) && v >= 1 && v <= 9;

function check(options, role) {
  const { level = 9, serverMaxCompressLevel = null, clientMaxCompressLevel = null, acceptClientMaxCompressLevel = true, smallDecompress = false, ...unknown } = options;
  const problems = Object.keys(unknown).map((name) => `unknown option ${name}`);
  if (!isLevel(level)) problems.push('level must be 1-9');
  if (!(serverMaxCompressLevel === null || isLevel(serverMaxCompressLevel))) problems.push('serverMaxCompressLevel must be 1-9 or null');
  if (!(clientMaxCompressLevel === null || isLevel(clientMaxCompressLevel))) problems.push('clientMaxCompressLevel must be 1-9 or null');
  if (role === 'client' && clientMaxCompressLevel !== null) problems.push('clientMaxCompressLevel is a server setting');
  if (typeof acceptClientMaxCompressLevel !== 'boolean') problems.push('acceptClientMaxCompressLevel must be a boolean');
  if (typeof smallDecompress !== 'boolean') problems.push('smallDecompress must be a boolean');
  if (problems.length) throw new RangeError(`invalid permessage-bzip2 options: ${problems.join('; ')}`);
  return { level, serverMaxCompressLevel, clientMaxCompressLevel, acceptClientMaxCompressLevel, smallDecompress };
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
 * `smallDecompress` halves decompression memory at half the speed.
 */
export class ServerPerMessageBzip2Factory extends ServerExtensionFactory {
  constructor(options = {}) {
    super();
    this.settings = Object.freeze(check(options, 'server'));
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
    this.settings = Object.freeze(check(options, 'client'));
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
