// Fan-out server for bench/fanout.mjs: wasmsocket topics, every message published to 'room'
// (the sender included). `--workers N` runs N processes (listenWS's workers); `--redis URL`
// joins the other servers on that Redis. Prints "listening PORT" (the primary, with workers).
import { parseArgs } from 'node:util';
import { WebSocketServerFactory, WebSocketServerProtocol, listenWS, RedisBroker } from '../../pkg/node.mjs';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, workers: { type: 'string' }, redis: { type: 'string' }, deflate: { type: 'boolean', default: false } } });
const factory = new WebSocketServerFactory(`ws://127.0.0.1:${values.port}`);
if (!values.deflate) factory.setProtocolOptions({ compression: null });
// How often a published message was framed (and, with deflate, compressed): shared framings
// (one per kind of connection) and connections that framed it for themselves. Printed on SIGTERM.
const stats = { messages: 0, framings: 0, ownFramings: 0 };
factory.protocol = class extends WebSocketServerProtocol {
  onOpen() { this.subscribe('room'); }
  onMessage(payload, isBinary) {
    const prepared = this.factory.prepareMessage(payload, isBinary);
    this.factory.publish('room', prepared);
    stats.messages++;
    stats.framings += prepared.framings;
    stats.ownFramings += prepared.ownFramings;
  }
};
process.once('SIGTERM', () => {
  console.log(`stats ${JSON.stringify(stats)}`);
  process.exit(0);
});
if (values.redis) {
  const broker = new RedisBroker({ url: values.redis });
  await broker.ready();
  factory.setBroker(broker);
}
const handle = await listenWS(factory, values.workers ? { workers: Number(values.workers) } : {});
if (!values.workers || typeof handle.workers === 'function') console.log(`listening ${handle.port}`);
process.once('SIGINT', () => process.exit(0)); // lets --cpu-prof write its profile
