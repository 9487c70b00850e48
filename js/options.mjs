// Protocol options: autobahn's `setProtocolOptions` names, their defaults, their checks, and
// how they map onto the Rust core's Config. One table serves both roles, validation, the
// README's option table and the types.

const MiB = 1024 * 1024;

const isBool = (v) => typeof v === 'boolean';
const isNonNegInt = (v) => Number.isSafeInteger(v) && v >= 0;
const isNonNegNumber = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isFn = (v) => typeof v === 'function';
// A factory has a name and the method(s) of its role; built-in ones describe themselves (coreSpec).
const isFactoryList = (v, role) => Array.isArray(v) && v.every((f) => f && typeof f.name === 'string' &&
  (role === 's' ? typeof f.processRequestParams === 'function' : typeof f.processResponseParams === 'function' && typeof f.getRequestParams === 'function'));

// role: 's' server, 'c' client, 'sc' both. core: the Config field it feeds (if any).
// Defaults differ from autobahn where autobahn's is unbounded (sizes, maxConnections is left
// unlimited like ws) or surprising (failByDrop: we send the close code instead of dropping).
export const OPTIONS = {
  versions: { role: 's', default: [13], check: (v) => Array.isArray(v) && v.length > 0 && v.every((x) => x === 13), expect: 'an array of supported versions; only [13] (RFC 6455) exists here' },
  version: { role: 'c', default: 13, check: (v) => v === 13, expect: '13 (RFC 6455)' },
  webStatus: { role: 's', default: true, check: isBool, expect: 'a boolean' },
  utf8validateIncoming: { role: 'sc', default: true, check: isBool, expect: 'a boolean', core: 'utf8ValidateIncoming' },
  maskServerFrames: { role: 's', default: false, check: isBool, expect: 'a boolean', core: 'maskServerFrames' },
  requireMaskedClientFrames: { role: 's', default: true, check: isBool, expect: 'a boolean', core: 'requireMaskedClientFrames' },
  acceptMaskedServerFrames: { role: 'c', default: false, check: isBool, expect: 'a boolean', core: 'acceptMaskedServerFrames' },
  maskClientFrames: { role: 'c', default: true, check: isBool, expect: 'a boolean', core: 'maskClientFrames' },
  applyMask: { role: 'sc', default: true, check: isBool, expect: 'a boolean', core: 'applyMask' },
  maxFramePayloadSize: { role: 'sc', default: 16 * MiB, check: isNonNegInt, expect: 'a byte count (0 = unlimited)', core: 'maxFramePayloadSize' },
  maxMessagePayloadSize: { role: 'sc', default: 16 * MiB, check: isNonNegInt, expect: 'a byte count (0 = unlimited)', core: 'maxMessagePayloadSize' },
  autoFragmentSize: { role: 'sc', default: 0, check: isNonNegInt, expect: 'a byte count (0 = no fragmentation)', core: 'autoFragmentSize' },
  failByDrop: { role: 'sc', default: false, check: isBool, expect: 'a boolean', core: 'failByDrop' },
  echoCloseCodeReason: { role: 'sc', default: false, check: isBool, expect: 'a boolean', core: 'echoCloseCodeReason' },
  openHandshakeTimeout: { role: 'sc', default: 5, check: isNonNegNumber, expect: 'seconds (0 = none)' },
  closeHandshakeTimeout: { role: 'sc', default: 1, check: isNonNegNumber, expect: 'seconds (0 = none)' },
  serverConnectionDropTimeout: { role: 'c', default: 1, check: isNonNegNumber, expect: 'seconds (0 = none)' },
  tcpNoDelay: { role: 'sc', default: true, check: isBool, expect: 'a boolean' },
  // python-websockets' extension API: factories in negotiation order; and its compression
  // shorthand, on by default (null turns it off). See js/extensions/negotiation.mjs.
  extensions: { role: 'sc', default: [], check: isFactoryList, expect: 'an array of extension factories of this role' },
  compression: { role: 'sc', default: 'deflate', check: (v) => v === 'deflate' || v === null, expect: "'deflate' or null" },
  perMessageCompressionOffers: { role: 'c', default: [], check: (v) => Array.isArray(v) && v.every((o) => typeof o?.coreSpec === 'function'), expect: 'an array of PerMessageDeflateOffer / PerMessageBzip2Offer' },
  perMessageCompressionAccept: { role: 'sc', default: null, check: (v) => v === null || isFn(v), expect: 'a function or null' },
  autoPingInterval: { role: 'sc', default: 0, check: isNonNegNumber, expect: 'seconds (0 = no pings)' },
  autoPingTimeout: { role: 'sc', default: 0, check: isNonNegNumber, expect: 'seconds (0 = no timeout)' },
  autoPingSize: { role: 'sc', default: 4, check: (v) => Number.isInteger(v) && v >= 4 && v <= 125, expect: 'an integer from 4 to 125' },
  allowedOrigins: { role: 's', default: ['*'], check: (v) => Array.isArray(v) && v.every((o) => typeof o === 'string'), expect: 'an array of origin patterns (* wildcards)' },
  allowNullOrigin: { role: 's', default: true, check: isBool, expect: 'a boolean' },
  maxConnections: { role: 's', default: 0, check: isNonNegInt, expect: 'a count (0 = unlimited)' },
  trustXForwardedFor: { role: 's', default: 0, check: isNonNegInt, expect: 'a hop count (0 = do not trust)' },
  // Backpressure (not in autobahn): sendMessage returns false above this many buffered bytes.
  sendHighWaterMark: { role: 'sc', default: 1 * MiB, check: isNonNegInt, expect: 'a byte count' },
  // When replies to the peer's input leave more than sendHighWaterMark buffered, stop reading
  // from the peer (so a peer that sends without reading cannot make us queue without bound);
  // resume once it drained. Unprompted sends do not stop reading (no mutual wait).
  pauseOnBackpressure: { role: 'sc', default: true, check: isBool, expect: 'a boolean' },
  // A send made while above sendHighWaterMark that takes the unsent bytes past this fails the
  // connection with 1008 and releases its buffers (a pushing server vs a peer that never reads).
  maxBufferedAmount: { role: 'sc', default: 4 * MiB, check: isNonNegInt, expect: 'a byte count (0 = no cap)' },
  // Obsolete: Flash is gone. Accepted so autobahn code ports unchanged; has no effect.
  serveFlashSocketPolicy: { role: 's', default: false, check: isBool, expect: 'a boolean (obsolete, no effect)' },
  flashSocketPolicy: { role: 's', default: '', check: (v) => typeof v === 'string', expect: 'a string (obsolete, no effect)' },
};

// Exported as PROTOCOL_OPTIONS: frozen, so no caller can change a check or a default (array
// defaults included) for every factory made afterwards.
for (const spec of Object.values(OPTIONS)) {
  if (Array.isArray(spec.default)) Object.freeze(spec.default);
  Object.freeze(spec);
}
Object.freeze(OPTIONS);

/** The defaults of one role ('server' | 'client'). */
export function defaultOptions(role) {
  const letter = role === 'server' ? 's' : 'c';
  const out = {};
  for (const [name, spec] of Object.entries(OPTIONS)) {
    if (spec.role.includes(letter)) out[name] = structuredCloneDefault(spec.default);
  }
  return out;
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

/** The Rust core's Config for these options. Pings are answered from onPing, not the core. */
export function coreConfig(options) {
  // Replies to a batch's events precede a close or failure found behind them (strict order).
  const config = { autoPong: false, holdCloseBehindEvents: true };
  for (const [name, spec] of Object.entries(OPTIONS)) {
    if (spec.core && name in options) config[spec.core] = options[name];
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
