// The shared cases (tests/shared/cases.mjs) on Deno: the package's Deno entry plus raw
// Deno.connect streams, a certificate from the openssl CLI (when --allow-run grants it) and the
// Unix socket path scripts/test.sh grants (WASMSOCKET_UNIX_SOCKET).
import * as wasmsocket from '../../pkg/deno.mjs';
import { cases, skipReason } from '../shared/cases.mjs';
import { runCase } from '../shared/harness.mjs';
import { skipUnlessCI } from '../shared/missing.mjs';

/** A raw TCP stream: read() takes one chunk from the socket when asked. */
async function rawConnect(port: number) {
  const conn = await Deno.connect({ hostname: '127.0.0.1', port });
  const buf = new Uint8Array(64 * 1024);
  return {
    async read(): Promise<Uint8Array | null> {
      try {
        const n = await conn.read(buf);
        return n === null ? null : buf.slice(0, n);
      } catch {
        return null;
      }
    },
    async write(bytes: Uint8Array) {
      for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
    },
    close() {
      try { conn.close(); } catch { /* closed */ }
    },
  };
}

/** A one-day self-signed certificate for 127.0.0.1 (key and cert on openssl's stdout). */
async function selfSigned(): Promise<{ cert: string; key: string } | null> {
  try {
    const out = await new Deno.Command('openssl', {
      args: ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
        '-addext', 'basicConstraints=critical,CA:FALSE', '-keyout', '/dev/stdout', '-out', '/dev/stdout'],
      stdout: 'piped', stderr: 'null',
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(text)?.[0];
    const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(text)?.[0];
    return key && cert ? { key, cert } : null;
  } catch {
    return null;
  }
}

function unixSocketPath(): string | null {
  try {
    return Deno.env.get('WASMSOCKET_UNIX_SOCKET') ?? null;
  } catch {
    return null; // no --allow-env
  }
}

const api = { ...wasmsocket, rawConnect, tlsPair: await selfSigned(), unixSocketPath: unixSocketPath() };

for (const testCase of cases) {
  const ignore = Boolean(skipUnlessCI(skipReason(testCase, api)));
  Deno.test({
    name: `shared: ${testCase.name}`,
    ignore,
    fn: async () => {
      if (testCase.needs === 'unix') await Deno.remove(api.unixSocketPath!).catch(() => {});
      await runCase(testCase, api);
    },
  });
}
