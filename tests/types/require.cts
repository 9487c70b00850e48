// CommonJS: require() of the package resolves the same Node entry and types.
import wasmsocket = require('wasmsocket');

const { WebSocketServerFactory, WebSocketServerProtocol, listenWS } = wasmsocket;

class Echo extends WebSocketServerProtocol {
  onMessage(payload: Buffer, isBinary: boolean): void {
    this.sendMessage(payload, isBinary);
  }
}

async function main(): Promise<void> {
  const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
  factory.protocol = Echo;
  const listener = await listenWS(factory);
  console.log(listener.url);
  await listener.close();
}
void main();
