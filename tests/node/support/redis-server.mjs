// A real redis-server (Debian's, installed by scripts/setup.sh) on a free port of 127.0.0.1,
// from tests/redis/redis.conf, for the broker tests; stop() ends it. `restart()` starts it again
// on the same port (the outage tests).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const CONFIG = fileURLToPath(new URL('../../redis/redis.conf', import.meta.url));

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listening(port, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port} in ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startRedis(port = undefined) {
  port ??= await freePort();
  const child = spawn('redis-server', [CONFIG, '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // A missing redis-server fails the test (scripts/setup.sh installs it).
  const failed = new Promise((_, reject) => child.once('error', (error) => reject(new Error(`redis-server could not start: ${error.message}`))));
  await Promise.race([listening(port, 5000), failed]);
  return {
    port,
    pid: child.pid,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    restart: () => startRedis(port),
  };
}
