// autobahn.websocket.util's createWsUrl/parseWsUrl, named createUrl/parseUrl here.

/**
 * Builds a WebSocket URL. `params` is an object of query parameters (values may be arrays).
 * A hostname starting with "unix:" names a Unix socket: ws://unix:/path/to.sock.
 */
export function createUrl(hostname, port = null, isSecure = false, path = null, params = null) {
  const scheme = isSecure ? 'wss' : 'ws';
  let netloc;
  if (hostname.startsWith('unix:')) {
    netloc = hostname;
  } else {
    const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
    const defaultPort = isSecure ? 443 : 80;
    netloc = port !== null && port !== undefined && Number(port) !== defaultPort ? `${host}:${port}` : host;
  }
  let url = `${scheme}://${netloc}${path ? (path.startsWith('/') ? path : `/${path}`) : '/'}`;
  if (params && Object.keys(params).length) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) q.append(k, String(one));
    url += `?${q}`;
  }
  return url;
}

/**
 * Parses a WebSocket URL into [isSecure, host, port, resource, path, params], as autobahn does.
 * For ws://unix:/path/to.sock the host is "unix:/path/to.sock", the port null and the
 * resource "/" (a path inside the socket may follow ":" as in ws://unix:/tmp/x.sock:/chat).
 */
export function parseUrl(url) {
  const match = /^(wss?):\/\/(.*)$/i.exec(url);
  if (!match) throw new TypeError(`invalid WebSocket URL ${JSON.stringify(url)}: scheme must be ws or wss`);
  const isSecure = match[1].toLowerCase() === 'wss';
  if (url.includes('#')) throw new TypeError(`invalid WebSocket URL ${JSON.stringify(url)}: fragments are not allowed`);
  const rest = match[2];
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
  return { path: path || '/', params };
}
