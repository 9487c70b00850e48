// Which extension factories one connection negotiates with, from its protocol options:
// `extensions` (python-websockets' factories, in order), then per-message compression either
// autobahn's way (`perMessageCompressionOffers` / `perMessageCompressionAccept`) or, when
// neither is set, `compression: 'deflate'` (the default), which appends the default
// permessage-deflate factory unless `extensions` already has one (python-websockets'
// `enable_server/client_permessage_deflate`).

import { coreEntries } from './adapter.mjs';
import { DEFLATE } from './deflate.mjs';
import { isPmceAccept, parseOffers, pinnedEntry } from './pmce.mjs';

const hasDeflate = (factories) => factories.some((f) => f.name === DEFLATE);

/** The client's entries for the core (`Connection.setExtensions`). */
export function clientEntries(options) {
  const entries = coreEntries(options.extensions, 'client');
  const offers = options.perMessageCompressionOffers;
  if (offers.length > 0) entries.push(...offers.map((offer) => offer.coreSpec()));
  else if (options.compression === 'deflate' && !hasDeflate(options.extensions)) entries.push({ kind: DEFLATE });
  return entries;
}

/**
 * The server's entries for one request (`requestExtensions`: the client's offers);
 * `chosen.accept` is set to perMessageCompressionAccept's answer, if any.
 */
export function serverEntries(options, requestExtensions, chosen = {}) {
  const entries = coreEntries(options.extensions, 'server');
  const accept = options.perMessageCompressionAccept;
  if (accept) {
    const offers = parseOffers(requestExtensions);
    const answer = offers.length > 0 ? accept(offers.map(({ offer }) => offer)) : null;
    if (answer !== null && answer !== undefined) {
      if (!isPmceAccept(answer)) throw new TypeError('perMessageCompressionAccept must return a PerMessageDeflateOfferAccept, a PerMessageBzip2OfferAccept or null');
      entries.push(pinnedEntry(answer, offers));
      chosen.accept = answer;
    }
  } else if (options.compression === 'deflate' && !hasDeflate(options.extensions)) {
    entries.push({ kind: DEFLATE });
  }
  return entries;
}
