// python-websockets' enable_client_permessage_deflate / enable_server_permessage_deflate: the
// list of factories with a permessage-deflate factory at python-websockets' default settings
// appended, unless one is there already (then the list itself, unchanged). The `compression:
// 'deflate'` option does the same with ws's defaults (no window caps); these give ported code
// python-websockets' (windows of 12 bits on a server, memLevel 5).

import { ClientPerMessageDeflateFactory, DEFLATE, ServerPerMessageDeflateFactory } from './deflate.mjs';

const hasDeflate = (factories) => factories.some((factory) => factory.name === DEFLATE);

export function enableClientPermessageDeflate(extensions = null) {
  const factories = extensions ?? [];
  if (hasDeflate(factories)) return factories;
  return [...factories, new ClientPerMessageDeflateFactory({ compressSettings: { memLevel: 5 } })];
}

export function enableServerPermessageDeflate(extensions = null) {
  const factories = extensions ?? [];
  if (hasDeflate(factories)) return factories;
  return [...factories, new ServerPerMessageDeflateFactory({ serverMaxWindowBits: 12, clientMaxWindowBits: 12, compressSettings: { memLevel: 5 } })];
}
