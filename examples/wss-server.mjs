// An echo server over TLS (wss://) with a self-signed certificate made at start by the
// openssl CLI, valid one day for localhost and 127.0.0.1.
//   node examples/wss-server.mjs [--port 9443] [--host 127.0.0.1]
// Prints its wss:// URL and the certificate's path. Clients must trust that certificate, e.g.
//   node examples/echo-client.mjs wss://127.0.0.1:9443 --tls-insecure
// or, from Node, connectWS(factory, { tls: { ca: fs.readFileSync(certPath) } }).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocketServerFactory, WebSocketServerProtocol, listenWS } from '../pkg/node.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9443' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

// 1. A fresh key and self-signed certificate in a temporary directory.
const dir = mkdtempSync(path.join(tmpdir(), 'wasmsocket-wss-'));
const keyPath = path.join(dir, 'key.pem');
const certPath = path.join(dir, 'cert.pem');
try {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyPath, '-out', certPath,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (error) {
  rmSync(dir, { recursive: true, force: true });
  console.error(error.code === 'ENOENT'
    ? 'wss-server: the openssl command is missing; install it (Debian: apt-get install openssl) to generate the certificate'
    : `wss-server: openssl failed to make a certificate: ${error.stderr?.toString().trim() || error.message}`);
  process.exit(1);
}

// 2. The same echo protocol as examples/echo-server.mjs.
class EchoProtocol extends WebSocketServerProtocol {
  onMessage(payload, isBinary) {
    this.sendMessage(payload, isBinary);
  }
}

const factory = new WebSocketServerFactory(`wss://${values.host}:${values.port}`);
factory.protocol = EchoProtocol;

// 3. listenWS with `tls` takes tls.createServer options.
const listener = await listenWS(factory, {
  tls: { key: readFileSync(keyPath), cert: readFileSync(certPath) },
});
console.log(`wss echo server listening on ${listener.url} (self-signed certificate: ${certPath})`);

const stop = () => listener.close().then(() => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, stop);
