// autobahn.websocket.util's createWsUrl/parseWsUrl, named createUrl/parseUrl here.

/** Python's urllib.parse.quote(path): percent-encodes all but letters, digits, `_.-~` and `/`. */
function quotePath(path) {
  return path.split('/').map((part) => encodeURIComponent(part).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
}

/** Python's urllib.parse.unquote: decodes valid %XX runs, leaves anything malformed as it is. */
export function unquote(text) {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * Builds a WebSocket URL. `path` is percent-encoded and `params` (an object, values may be
 * arrays) form-encoded, as autobahn's create_url does. A hostname starting with "unix:" names
 * a Unix socket: ws://unix:/path/to.sock, with a path inside it after ":" (ws://unix:/x.sock:/chat).
 */
export function createUrl(hostname, port = null, isSecure = false, path = null, params = null) {
  // autobahn's form for a Unix socket: hostname "unix", the socket's path as the port.
  if (hostname === 'unix' && typeof port === 'string' && port.startsWith('/')) [hostname, port] = [`unix:${port}`, null];
  const scheme = isSecure ? 'wss' : 'ws';
  let netloc;
  const unix = hostname.startsWith('unix:');
  if (unix) {
    netloc = hostname;
  } else {
    const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
    const defaultPort = isSecure ? 443 : 80;
    netloc = port !== null && port !== undefined && Number(port) !== defaultPort ? `${host}:${port}` : host;
  }
  const hasParams = Boolean(params && Object.keys(params).length);
  const resource = path ? quotePath(path.startsWith('/') ? path : `/${path}`) : '/';
  // A Unix socket URL names a resource only after ":" (else it would extend the socket path).
  let url = unix
    ? `${scheme}://${netloc}${resource !== '/' || hasParams ? `:${resource}` : ''}`
    : `${scheme}://${netloc}${resource}`;
  if (hasParams) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) q.append(k, String(one));
    url += `?${q}`;
  }
  return url;
}

/** The URL a listener is reachable at: a Unix socket path, or host and port. */
export function listenerUrl(socketPath, host, port, isSecure) {
  return socketPath ? `${isSecure ? 'wss' : 'ws'}://unix:${socketPath}` : createUrl(host, port, isSecure);
}

/**
 * Parses a WebSocket URL into [isSecure, host, port, resource, path, params], as autobahn does:
 * the resource as sent (path + query), the path percent-decoded, params as lists of values.
 * For ws://unix:/path/to.sock the host is "unix:/path/to.sock", the port null and the
 * resource "/" (a path inside the socket may follow ":" as in ws://unix:/tmp/x.sock:/chat).
 */
export function parseUrl(url) {
  const match = /^(wss?):\/\/(.*)$/i.exec(url);
  if (!match) throw new TypeError(`invalid WebSocket URL ${JSON.stringify(url)}: scheme must be ws or wss`);
  const isSecure = match[1].toLowerCase() === 'wss';
  const hash = url.indexOf('#');
  // autobahn refuses a non-empty fragment; an empty one ("...#") is ignored.
  if (hash >= 0 && hash < url.length - 1) throw new TypeError(`invalid WebSocket URL ${JSON.stringify(url)}: fragments are not allowed`);
  const rest = hash >= 0 ? match[2].slice(0, -1) : match[2];
  if (rest.toLowerCase().startsWith('unix:')) {
    const [, socketPath, resource = '/'] = /^unix:([^:?]+)(?::(\/.*))?$/i.exec(rest) ?? [];
    if (!socketPath) throw new TypeError(`invalid Unix socket URL ${JSON.stringify(url)}`);
    const parsed = splitResource(resource);
    return [isSecure, `unix:${socketPath}`, null, resource, parsed.path, parsed.params];
  }
  let parsed;
  try {
    parsed = new URL(`http${isSecure ? 's' : ''}://${rest}`);
  } catch {
    throw new TypeError(`invalid WebSocket URL ${JSON.stringify(url)}`);
  }
  if (!parsed.hostname) throw new TypeError(`invalid WebSocket URL ${JSON.stringify(url)}: no host`);
  const port = parsed.port ? Number(parsed.port) : isSecure ? 443 : 80;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const resource = `${parsed.pathname || '/'}${parsed.search}`;
  const { path, params } = splitResource(resource);
  return [isSecure, host, port, resource, path, params];
}

function splitResource(resource) {
  const q = resource.indexOf('?');
  const path = q < 0 ? resource : resource.slice(0, q);
  const params = {};
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(resource.slice(q + 1))) (params[k] ??= []).push(v);
  }
  return { path: unquote(path || '/'), params };
}
