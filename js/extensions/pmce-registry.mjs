// autobahn.websocket.compress's PERMESSAGE_COMPRESSION_EXTENSION (extension name → its Offer,
// OfferAccept, Response, ResponseAccept and PMCE classes) and the constants of autobahn's
// PerMessageDeflateMixin / PerMessageBzip2Mixin, set as statics on every class of each family.

import {
  PerMessageDeflateOffer, PerMessageDeflateOfferAccept, PerMessageDeflateResponse, PerMessageDeflateResponseAccept, PerMessageDeflate,
  PerMessageBzip2Offer, PerMessageBzip2OfferAccept, PerMessageBzip2Response, PerMessageBzip2ResponseAccept, PerMessageBzip2,
} from './pmce.mjs';

const range = (from, to) => Object.freeze(Array.from({ length: to - from + 1 }, (_, i) => from + i));

const DEFLATE = { Offer: PerMessageDeflateOffer, OfferAccept: PerMessageDeflateOfferAccept, Response: PerMessageDeflateResponse, ResponseAccept: PerMessageDeflateResponseAccept, PMCE: PerMessageDeflate };
const BZIP2 = { Offer: PerMessageBzip2Offer, OfferAccept: PerMessageBzip2OfferAccept, Response: PerMessageBzip2Response, ResponseAccept: PerMessageBzip2ResponseAccept, PMCE: PerMessageBzip2 };

const MIXINS = [
  [DEFLATE, {
    EXTENSION_NAME: 'permessage-deflate',
    // autobahn's: 8 is not among them (zlib cannot compress with a window of 8).
    WINDOW_SIZE_PERMISSIBLE_VALUES: range(9, 15),
    MEM_LEVEL_PERMISSIBLE_VALUES: range(1, 9),
  }],
  [BZIP2, {
    EXTENSION_NAME: 'permessage-bzip2',
    COMPRESS_LEVEL_PERMISSIBLE_VALUES: range(1, 9),
  }],
];

for (const [family, constants] of MIXINS) {
  for (const cls of Object.values(family)) {
    for (const [name, value] of Object.entries(constants)) {
      if (!Object.hasOwn(cls, name)) Object.defineProperty(cls, name, { value, enumerable: true });
    }
  }
}
if (!Object.hasOwn(PerMessageDeflate, 'DEFAULT_WINDOW_BITS')) Object.defineProperty(PerMessageDeflate, 'DEFAULT_WINDOW_BITS', { value: 15, enumerable: true });
if (!Object.hasOwn(PerMessageBzip2, 'DEFAULT_COMPRESS_LEVEL')) Object.defineProperty(PerMessageBzip2, 'DEFAULT_COMPRESS_LEVEL', { value: 9, enumerable: true });

/** Extension name → `{ Offer, OfferAccept, Response, ResponseAccept, PMCE }`, as autobahn's. */
export const PERMESSAGE_COMPRESSION_EXTENSION = Object.freeze({
  'permessage-deflate': Object.freeze(DEFLATE),
  'permessage-bzip2': Object.freeze(BZIP2),
});
