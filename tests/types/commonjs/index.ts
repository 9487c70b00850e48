// An ordinary .ts file of a CommonJS project: `import` here becomes require('wasmsocket').
import { WebSocketServerFactory, WebSocketServerProtocol, listenWS } from 'wasmsocket';

class Echo extends WebSocketServerProtocol {
  override onMessage(payload: Buffer, isBinary: boolean): void {
    this.sendMessage(payload, isBinary);
  }
}

export async function serve(): Promise<string> {
  const factory = new WebSocketServerFactory('ws://127.0.0.1:0');
  factory.protocol = Echo;
  const listener = await listenWS(factory);
  await listener.close();
  return listener.url;
}
