// Protocol options: autobahn's `setProtocolOptions` names, their defaults, their checks, and
// how they map onto the Rust core's Config. This table is the one place they are written
// down: validation and defaults (here), the browser client's subset (js/browser/options.mjs)
// and the Config the core gets (coreConfig) derive from it; the README option tables are
// generated from it and the types and src/config.rs checked against it, both by
// scripts/check-options.mjs (`--write` regenerates the tables).

const MiB = 1024 * 1024;

const isBool = (v) => typeof v === 'boolean';
const isNonNegInt = (v) => Number.isSafeInteger(v) && v >= 0;
const isNonNegNumber = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isFn = (v) => typeof v === 'function';
// A factory has a name and the method(s) of its role; built-in ones describe themselves (coreSpec).
const isFactoryList = (v, role) => Array.isArray(v) && v.every((f) => f && typeof f.name === 'string' &&
  (role === 's' ? typeof f.processRequestParams === 'function' : typeof f.processResponseParams === 'function' && typeof f.getRequestParams === 'function'));

// How the browser client applies a timer option (js/browser/protocol.mjs), and why a client
// option does not apply in a browser (the page's WebSocket does that work itself).
const BROWSER_TIMER = 'emulated: past the time, `onClose(false, 1006, \'… timeout …\')` (the close timer runs after our `sendClose`; a close the server starts is the browser\'s)';
const WIRE = 'the browser frames, masks, validates and limits messages itself';
const BROWSER_TCP = 'the browser manages the TCP connection';
const BROWSER_PMCE = 'the browser negotiates permessage-deflate itself';
const BROWSER_PINGS = 'a page cannot send pings (the browser answers the server\'s)';

// Each option:
//   role      's' server, 'c' client, 'sc' both
//   default   its value until setProtocolOptions changes it
//   check     validates a value (gets the role letter too); expect says what a valid one is
//   core      the Config field it feeds (src/config.rs, camelCase); without it the JS layer uses it
//   doc       one line for the README tables
//   inBrowser / notInBrowser   client options only: how the browser client applies it, or
//             why it refuses it (one of the two)
// Defaults differ from autobahn where autobahn's is unbounded (sizes, maxConnections is left
// unlimited like ws) or surprising (failByDrop: we send the close code instead of dropping).
export const OPTIONS = {
  versions: {
    role: 's', default: [13], check: (v) => Array.isArray(v) && v.length > 0 && v.every((x) => x === 13), expect: 'an array of supported versions; only [13] (RFC 6455) exists here',
    doc: 'supported versions (only 13 exists)',
  },
  version: {
    role: 'c', default: 13, check: (v) => v === 13, expect: '13 (RFC 6455)',
    doc: 'WebSocket version (only 13 exists)', inBrowser: 'only `13`, as everywhere',
  },
  webStatus: {
    role: 's', default: true, check: isBool, expect: 'a boolean',
    doc: 'answer plain HTTP with a status page (off: 426)',
  },
  utf8validateIncoming: {
    role: 'sc', default: true, check: isBool, expect: 'a boolean', core: 'utf8ValidateIncoming',
    doc: 'validate text and close reasons, failing with 1007 at the first invalid byte', notInBrowser: WIRE,
  },
  maskServerFrames: {
    role: 's', default: false, check: isBool, expect: 'a boolean', core: 'maskServerFrames',
    doc: 'mask outgoing frames (not RFC-compliant; testing peers only)',
  },
  requireMaskedClientFrames: {
    role: 's', default: true, check: isBool, expect: 'a boolean', core: 'requireMaskedClientFrames',
    doc: 'fail with 1002 on an unmasked client frame',
  },
  acceptMaskedServerFrames: {
    role: 'c', default: false, check: isBool, expect: 'a boolean', core: 'acceptMaskedServerFrames',
    doc: 'accept masked frames from the server instead of failing with 1002', notInBrowser: WIRE,
  },
  maskClientFrames: {
    role: 'c', default: true, check: isBool, expect: 'a boolean', core: 'maskClientFrames',
    doc: 'mask outgoing frames (RFC-required; off only for testing peers)', notInBrowser: WIRE,
  },
  applyMask: {
    role: 'sc', default: true, check: isBool, expect: 'a boolean', core: 'applyMask',
    doc: 'really XOR when masking (off: testing peers only)', notInBrowser: WIRE,
  },
  maxFramePayloadSize: {
    role: 'sc', default: 16 * MiB, check: isNonNegInt, expect: 'a byte count (0 = unlimited)', core: 'maxFramePayloadSize',
    doc: 'largest incoming frame payload, checked at its header (→ 1009; a compressed frame may exceed it by 1/64 + 1 KiB); 0 = unlimited',
    notInBrowser: WIRE,
  },
  maxMessagePayloadSize: {
    role: 'sc', default: 16 * MiB, check: isNonNegInt, expect: 'a byte count (0 = unlimited)', core: 'maxMessagePayloadSize',
    doc: 'largest incoming message (after extensions), checked before buffering (→ 1009); 0 = unlimited', notInBrowser: WIRE,
  },
  autoFragmentSize: {
    role: 'sc', default: 0, check: isNonNegInt, expect: 'a byte count (0 = no fragmentation)', core: 'autoFragmentSize',
    doc: 'split outgoing messages into frames of this payload size; 0 = never', notInBrowser: WIRE,
  },
  failByDrop: {
    role: 'sc', default: false, check: isBool, expect: 'a boolean', core: 'failByDrop',
    doc: 'on a protocol error, drop TCP without a close frame', notInBrowser: WIRE,
  },
  echoCloseCodeReason: {
    role: 'sc', default: false, check: isBool, expect: 'a boolean', core: 'echoCloseCodeReason',
    doc: 'reply to a close with the peer\'s code and reason instead of 1000; off, as in autobahn, so a browser that closes with 4000 sees 1000 and no reason in its `CloseEvent` (your `onClose` still gets 4000): set `true` to echo',
    notInBrowser: 'the browser answers a server\'s close itself',
  },
  openHandshakeTimeout: {
    role: 'sc', default: 5, check: isNonNegNumber, expect: 'seconds (0 = none)',
    doc: 'seconds for the opening handshake; 0 = none',
    inBrowser: BROWSER_TIMER,
  },
  closeHandshakeTimeout: {
    role: 'sc', default: 1, check: isNonNegNumber, expect: 'seconds (0 = none)',
    doc: 'seconds to wait for the peer\'s close frame; 0 = none',
    inBrowser: BROWSER_TIMER,
  },
  serverConnectionDropTimeout: {
    role: 'c', default: 1, check: isNonNegNumber, expect: 'seconds (0 = none)',
    doc: 'seconds for the server to close TCP after the closing handshake; 0 = none', notInBrowser: BROWSER_TCP,
  },
  tcpNoDelay: {
    role: 'sc', default: true, check: isBool, expect: 'a boolean',
    doc: 'disable Nagle\'s algorithm', notInBrowser: BROWSER_TCP,
  },
  // python-websockets' extension API: factories in negotiation order; and its compression
  // shorthand, on by default (null turns it off). See js/extensions/negotiation.mjs.
  extensions: {
    role: 'sc', default: [], check: isFactoryList, expect: 'an array of extension factories of this role',
    doc: 'extension factories of this role, in negotiation order (see Compression)', notInBrowser: 'the browser negotiates extensions itself',
  },
  compression: {
    role: 'sc', default: 'deflate', check: (v) => v === 'deflate' || v === null, expect: "'deflate' or null",
    doc: 'permessage-deflate with the default settings; `null` turns it off', notInBrowser: BROWSER_PMCE,
  },
  perMessageCompressionOffers: {
    role: 'c', default: [], check: (v) => Array.isArray(v) && v.every((o) => typeof o?.coreSpec === 'function'), expect: 'an array of PerMessageDeflateOffer / PerMessageBzip2Offer',
    doc: 'autobahn\'s compression offers, in order (see Compression)', notInBrowser: BROWSER_PMCE,
  },
  perMessageCompressionAccept: {
    role: 'sc', default: null, check: (v) => v === null || isFn(v), expect: 'a function or null',
    doc: 'autobahn\'s compression callback: server picks an offer, client accepts the response (see Compression)', notInBrowser: BROWSER_PMCE,
  },
  autoPingInterval: {
    role: 'sc', default: 0, check: isNonNegNumber, expect: 'seconds (0 = no pings)',
    doc: 'send a ping every N seconds; 0 = no pings', notInBrowser: BROWSER_PINGS,
  },
  autoPingTimeout: {
    role: 'sc', default: 0, check: isNonNegNumber, expect: 'seconds (0 = no timeout)',
    doc: 'drop the connection when a ping\'s pong is this late; 0 = no timeout', notInBrowser: BROWSER_PINGS,
  },
  autoPingSize: {
    role: 'sc', default: 4, check: (v) => Number.isInteger(v) && v >= 4 && v <= 125, expect: 'an integer from 4 to 125',
    doc: 'ping payload size, 4 to 125', notInBrowser: BROWSER_PINGS,
  },
  autoPingRestartOnAnyTraffic: {
    role: 'sc', default: true, check: isBool, expect: 'a boolean',
    doc: 'a data message that arrives while a ping waits for its pong stands for the pong (autobahn\'s); off: only the pong does', notInBrowser: BROWSER_PINGS,
  },
  allowedOrigins: {
    role: 's', default: ['*'], check: (v) => Array.isArray(v) && v.every((o) => typeof o === 'string'), expect: 'an array of origin patterns (* wildcards)',
    doc: 'origin patterns (`*` wildcards) allowed to connect, matched as autobahn against `scheme://host:port` (port 80/443 filled in; the port-less form matches too); others get 403',
  },
  allowNullOrigin: {
    role: 's', default: true, check: isBool, expect: 'a boolean',
    doc: 'allow the `null` origin',
  },
  maxConnections: {
    role: 's', default: 0, check: isNonNegInt, expect: 'a count (0 = unlimited)',
    doc: 'more connections get 503; 0 = unlimited',
  },
  trustXForwardedFor: {
    role: 's', default: 0, check: isNonNegInt, expect: 'a hop count (0 = do not trust)',
    doc: 'take the peer from `X-Forwarded-For` behind N proxies; 0 = don\'t',
  },
  // Backpressure (not in autobahn): sendMessage returns false above this many buffered bytes.
  sendHighWaterMark: {
    role: 'sc', default: 64 * 1024, check: isNonNegInt, expect: 'a byte count',
    doc: '`sendMessage` returns `false` above this many buffered bytes',
    inBrowser: 'emulated: `sendMessage` returns `false` above it (`WebSocket.bufferedAmount`); `onDrain` follows, checked every 20 ms',
  },
  // When replies to the peer's input leave more than sendHighWaterMark buffered, stop reading
  // from the peer (so a peer that sends without reading cannot make us queue without bound);
  // resume once it drained. Unprompted sends do not stop reading (no mutual wait).
  pauseOnBackpressure: {
    role: 'sc', default: true, check: isBool, expect: 'a boolean',
    doc: 'when replies to the peer\'s messages leave more than `sendHighWaterMark` unsent, stop reading from the peer until the buffer drains',
    notInBrowser: 'a page cannot stop the browser reading from its socket',
  },
  // A send made while above sendHighWaterMark that takes the unsent bytes past this fails the
  // connection with 1008 and releases its buffers (a pushing server vs a peer that never reads).
  maxBufferedAmount: {
    role: 'sc', default: 4 * MiB, check: isNonNegInt, expect: 'a byte count (0 = no cap)',
    doc: 'a send made above `sendHighWaterMark` that takes the unsent bytes past this fails the connection with 1008; 0 = no cap, otherwise at least `sendHighWaterMark`',
    notInBrowser: 'the browser buffers without a cap; watch sendMessage\'s result and onDrain (sendHighWaterMark)',
  },
  // Obsolete: Flash is gone. Accepted so autobahn code ports unchanged; has no effect.
  serveFlashSocketPolicy: {
    role: 's', default: false, check: isBool, expect: 'a boolean (obsolete, no effect)',
    doc: 'obsolete, accepted for Autobahn compatibility, no effect',
  },
  flashSocketPolicy: {
    role: 's', default: '', check: (v) => typeof v === 'string', expect: 'a string (obsolete, no effect)',
    doc: 'obsolete, accepted for Autobahn compatibility, no effect',
  },
};

// The core's Config fields that are not protocol options. `default` is the core's own (what a
// Rust caller gets); `js`, when set, is what coreConfig passes for every connection instead.
export const CORE_FIELDS = {
  deliverFrames: {
    default: false,
    doc: 'deliver data frames (`Event::Frame`) instead of whole messages, for streaming',
  },
  // Replies to a batch's events precede a close or failure found behind them (strict order).
  holdCloseBehindEvents: {
    default: false, js: true,
    doc: 'hold a peer\'s close, or a failure, found behind events not yet handled until `resume()`, so replies to those events go out first (Autobahn\'s strict cases 3.2, 4.1.3, 5.15)',
  },
  // Pings are answered from the overridable onPing, not the core.
  autoPong: {
    default: true, js: false,
    doc: 'answer pings in the core, as python-websockets does (the JS layer answers from its overridable `onPing` instead)',
  },
  maxHandshakeHeaders: {
    default: 100,
    doc: 'most header fields in the opening handshake; more → 431',
  },
  maxHandshakeBytes: {
    default: 16 * 1024,
    doc: 'largest request/response head of the opening handshake; larger → 431',
  },
};

// Exported as PROTOCOL_OPTIONS: frozen, so no caller can change a check or a default (array
// defaults included) for every factory made afterwards.
for (const spec of [...Object.values(OPTIONS), ...Object.values(CORE_FIELDS)]) {
  if (Array.isArray(spec.default)) Object.freeze(spec.default);
  Object.freeze(spec);
}
Object.freeze(OPTIONS);
Object.freeze(CORE_FIELDS);

/** The defaults of one role ('server' | 'client'). */
export function defaultOptions(role) {
  const letter = role === 'server' ? 's' : 'c';
  const out = {};
  for (const [name, spec] of Object.entries(OPTIONS)) {
    if (spec.role.includes(letter)) out[name] = structuredCloneDefault(spec.default);
  }
  // Fast properties (see coreConfig); frozen because every connection shares the object.
  return Object.freeze({ ...out });
}

function structuredCloneDefault(value) {
  return Array.isArray(value) ? [...value] : value;
}

/** Validates `changes` for `role`, throwing one clear error listing every problem. */
export function checkOptions(role, changes) {
  if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) {
    throw new TypeError('setProtocolOptions takes an object of options');
  }
  const letter = role === 'server' ? 's' : 'c';
  const problems = [];
  for (const [name, value] of Object.entries(changes)) {
    const spec = OPTIONS[name];
    if (!spec) problems.push(`unknown option "${name}"`);
    else if (!spec.role.includes(letter)) problems.push(`"${name}" is a ${spec.role === 's' ? 'server' : 'client'} option`);
    else if (!spec.check(value, letter)) problems.push(`"${name}" must be ${spec.expect}, got ${describe(value)}`);
  }
  if (problems.length) throw new RangeError(`invalid protocol options: ${problems.join('; ')}`);
}

function describe(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  return String(value);
}

/** The Rust core's Config for these options (the core's defaults for fields neither sets). */
// Per options object (the factory replaces its options on every change, never mutates them),
// so a server builds the core's Config once, not per connection.
const coreConfigs = new WeakMap();

export function coreConfig(options) {
  let config = coreConfigs.get(options);
  if (config === undefined) {
    config = {};
    for (const [field, spec] of Object.entries(CORE_FIELDS)) {
      if (spec.js !== undefined) config[field] = spec.js;
    }
    for (const [name, spec] of Object.entries(OPTIONS)) {
      if (spec.core && name in options) config[spec.core] = options[name];
    }
    // A copy by spread has V8's fast properties; the object built key by key above is in
    // dictionary mode (many keyed stores), which made every later read of it slow.
    config = { ...config };
    coreConfigs.set(options, config);
  }
  return config;
}

/**
 * Whether `origin` matches one of the patterns (`*` matches any run of characters), as
 * autobahn's _is_same_origin: a pattern is matched against `scheme://host:port`, the port
 * filled in for http (80) and https (443), so `https://*.example.com:443` admits
 * `https://app.example.com`. The origin as browsers write it (no default port) matches too,
 * so port-less patterns keep working. `file:` origins count as `null`, as in autobahn.
 */
export function originAllowed(origin, patterns, allowNull) {
  if (origin === undefined || origin === null) return true; // non-browser clients send none
  const forms = originForms(origin);
  if (forms === null) return allowNull;
  return patterns.some((p) => forms.some((form) => wildcardRegExp(p.toLowerCase()).test(form)));
}

const DEFAULT_PORTS = { http: '80', https: '443' };

/** The strings a pattern may match, or null for the null origin. */
function originForms(origin) {
  const lower = origin.trim().toLowerCase();
  if (lower === 'null') return null;
  let url;
  try {
    url = new URL(lower);
  } catch {
    return [lower]; // not a URL: only a pattern such as `*` admits it
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'file') return null;
  if (!url.hostname) return [lower];
  const port = url.port || DEFAULT_PORTS[scheme];
  const forms = [];
  // autobahn's `scheme://host:port` (its hostname has no IPv6 brackets), then the browser's form.
  if (port) forms.push(`${scheme}://${url.hostname.replace(/^\[(.*)\]$/, '$1')}:${port}`);
  if (!url.port) forms.push(`${scheme}://${url.hostname}`);
  return forms;
}

const patternCache = new Map();
function wildcardRegExp(pattern) {
  let re = patternCache.get(pattern);
  if (!re) {
    const body = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
    re = new RegExp(`^${body}$`);
    patternCache.set(pattern, re);
  }
  return re;
}
