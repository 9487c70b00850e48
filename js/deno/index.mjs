// The Deno API: the shared protocol/factory API plus Deno transports (Deno.Conn). No node:
// imports anywhere on this path (checked by tests/deno/api.test.ts).
export * from '../index.mjs';
export { listenWS, connectWS, serveConn } from './listen.mjs';
export { DenoTransport } from './transport.mjs';
export { isWorker, startWorkers, joinWorkers } from './workers.mjs';
export { WorkerBroker } from './worker-broker.mjs';
