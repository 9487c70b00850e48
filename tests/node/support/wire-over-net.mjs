// A minimal test driver: the wasm core (through pkg's Wire) over node:net sockets, with no
// timers or API sugar. The product's Node layer (js/) replaces this for applications.
import net from 'node:net';
import { Wire, Status } from '../../../pkg/node.mjs';

function flush(wire, socket) {
  const out = wire.takeOutput();
  if (out) socket.write(out);
  if (wire.status & Status.CLOSE_TRANSPORT) socket.end();
}

/** An echo server: accepts every upgrade (first offered subprotocol), echoes messages. */
export function startEchoServer(options = {}) {
  const closes = [];
  const server = net.createServer((socket) => {
    const wire = new Wire('server', options, { alloc: (n) => Buffer.allocUnsafe(n) });
    const handle = (events) => {
      for (const event of events) {
        if (event.type === 'request') handle(wire.accept({ subprotocol: event.request.protocols[0] }));
        else if (event.type === 'text' || event.type === 'binary') {
          flush(wire, socket); // keep order: anything queued before goes first
          for (const chunk of wire.sendMessage(event.data, event.type === 'binary')) socket.write(chunk);
        } else if (event.type === 'close') closes.push(event);
      }
      flush(wire, socket);
    };
    socket.on('data', (chunk) => handle(wire.receive(chunk)));
    socket.on('end', () => { wire.receiveEof(); socket.end(); });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port, closes })));
}

/** A client connection; resolves with helpers once the socket is connected and the request sent. */
export function connectClient(port, request = {}, options = {}) {
  const wire = new Wire('client', options);
  const socket = net.connect(port, '127.0.0.1');
  const events = [];
  const waiters = [];
  const settle = () => {
    for (const w of [...waiters]) {
      const found = events.find(w.match);
      if (found) { waiters.splice(waiters.indexOf(w), 1); w.resolve(found); }
    }
  };
  socket.on('data', (chunk) => { events.push(...wire.receive(chunk)); flush(wire, socket); settle(); });
  socket.on('end', () => { events.push(...wire.receiveEof(), { type: 'eof' }); socket.end(); settle(); });
  socket.on('error', (err) => { events.push({ type: 'error', err }); settle(); });
  wire.connect({ host: '127.0.0.1', port, resource: '/', ...request });
  flush(wire, socket);
  return {
    wire, socket, events,
    next: (match) => new Promise((resolve) => { waiters.push({ match, resolve }); settle(); }),
    send(payload, isBinary) { for (const chunk of wire.sendMessage(payload, isBinary)) socket.write(chunk); },
    close(code, reason) { wire.sendClose(code, reason); flush(wire, socket); },
  };
}
