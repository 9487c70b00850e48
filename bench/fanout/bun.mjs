// Fan-out server for bench/fanout.mjs on Bun: Bun.serve's native topics, every message
// published to 'room' (the sender included). Prints "listening PORT".
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.argv[2] ?? 0),
  fetch(req, srv) {
    return srv.upgrade(req) ? undefined : new Response('upgrade required', { status: 426 });
  },
  websocket: {
    perMessageDeflate: false,
    open(ws) { ws.subscribe('room'); },
    message(ws, message) { server.publish('room', message); },
  },
});
console.log(`listening ${server.port}`);
