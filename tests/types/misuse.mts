// Misuse the types must reject (each line below must be an error).
import {
  ConnectionAccept,
  WebSocketClientFactory,
  WebSocketServerFactory,
  WebSocketServerProtocol,
  createUrl,
  listenWS,
} from 'wasmsocket';

const server = new WebSocketServerFactory('ws://127.0.0.1:9001');
const client = new WebSocketClientFactory('ws://127.0.0.1:9001');

// @ts-expect-error wrong option name (autobahn spells it maxMessagePayloadSize)
server.setProtocolOptions({ maxMessageSize: 1024 });
// @ts-expect-error wrong option type: a boolean option given a string
server.setProtocolOptions({ webStatus: 'yes' });
// @ts-expect-error a string where a number is needed
server.setProtocolOptions({ maxFramePayloadSize: '16MiB' });
// @ts-expect-error a client-only option on a server factory
server.setProtocolOptions({ maskClientFrames: false });
// @ts-expect-error a server-only option on a client factory
client.setProtocolOptions({ maxConnections: 10 });
// @ts-expect-error only version 13 exists
client.setProtocolOptions({ version: 8 });
// @ts-expect-error a string where a number is needed (close code)
client.buildProtocol().sendClose('1000');
// @ts-expect-error a string where a number is needed (port)
await listenWS(server, { port: '9001' });
// @ts-expect-error a client factory cannot listen
await listenWS(client);
// @ts-expect-error the URL comes first, options second
new WebSocketServerFactory({ protocols: ['chat'] });
// @ts-expect-error unknown constructor option
new WebSocketClientFactory('ws://x', { userAgent: 'camelCase is not autobahn' });
// @ts-expect-error isSecure is a boolean
createUrl('localhost', 80, 'yes');

class Bad extends WebSocketServerProtocol {
  // @ts-expect-error onMessage's payload is a Buffer, not a string
  onMessage(payload: string): void {
    console.log(payload);
  }
}
// @ts-expect-error a protocol class must construct without arguments
server.protocol = class extends WebSocketServerProtocol { constructor(_x: number) { super(); } };
// @ts-expect-error a server protocol is not a client factory's protocol
client.protocol = Bad;
// @ts-expect-error ConnectionAccept's headers are an object, not a list
new ConnectionAccept('chat', [['X-A', 'b']]);

class ReadOnly extends WebSocketServerProtocol {
  onOpen(): void {
    // @ts-expect-error state is the library's to change (sendClose, dropConnection)
    this.state = 3;
    // @ts-expect-error peer is read-only
    this.peer = 'me';
  }
}
console.log(ReadOnly);
