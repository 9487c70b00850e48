"""An autobahn (asyncio backend) echo server for the interop tests; see peer_common.py.

Echoes every message; a text message "!close CODE REASON" makes it close with that code and
reason instead. Reports what it received and the close of each connection, and exits after
--connections connections have ended.
"""

import asyncio

from autobahn.asyncio.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.compress import (PerMessageBzip2Offer, PerMessageBzip2OfferAccept, PerMessageDeflateOffer,
                                          PerMessageDeflateOfferAccept)

from peer_common import CLOSE_TIMEOUT, OPEN_TIMEOUT, autobahn_deflate, close_frame, digest, emit, parser


def deflate_accepter(no_context_takeover, max_window_bits):
    """Accepts the first permessage-deflate offer, requesting the client's parameters given."""
    def accept(offers):
        for offer in offers:
            if isinstance(offer, PerMessageDeflateOffer):
                return PerMessageDeflateOfferAccept(offer, request_no_context_takeover=no_context_takeover,
                                                    request_max_window_bits=max_window_bits)
        return None
    return accept


def accept_bzip2(offers):
    return next((PerMessageBzip2OfferAccept(o) for o in offers if isinstance(o, PerMessageBzip2Offer)), None)


async def main():
    args = parser(__doc__, "server").parse_args()
    loop = asyncio.get_running_loop()
    all_done = loop.create_future()
    ended = 0

    class EchoProtocol(WebSocketServerProtocol):
        def onConnect(self, request):
            self.offered = request.protocols
            self.path = request.path
            self.params = request.params
            return next((p for p in args.subprotocols if p in request.protocols), None)

        def onOpen(self):
            emit("open", path=self.path, params=self.params, subprotocol=self.websocket_protocol_in_use, offered=self.offered,
                 extensions=[e.EXTENSION_NAME for e in self.websocket_extensions_in_use],
                 deflate=autobahn_deflate(self.websocket_extensions_in_use))

        def onMessage(self, payload, isBinary):
            emit("message", **digest(isBinary, payload))
            if not isBinary and payload.startswith(b"!close "):
                code, _, reason = payload[len(b"!close "):].decode().partition(" ")
                self.sendClose(int(code), reason)
                return
            self.sendMessage(payload, isBinary)

        def onClose(self, wasClean, code, reason):
            nonlocal ended
            emit("close", wasClean=wasClean, why=self.wasNotCleanReason,
                 received=close_frame(self.remoteCloseCode, self.remoteCloseReason),
                 sent=close_frame(self.localCloseCode, self.localCloseReason))
            ended += 1
            if ended >= args.connections and not all_done.done():
                all_done.set_result(None)

    factory = WebSocketServerFactory(protocols=args.subprotocols)
    factory.protocol = EchoProtocol
    options = {"maxMessagePayloadSize": args.max_size, "maxFramePayloadSize": args.max_size,
               "openHandshakeTimeout": OPEN_TIMEOUT, "closeHandshakeTimeout": CLOSE_TIMEOUT}
    if args.compression == "deflate":
        options["perMessageCompressionAccept"] = deflate_accepter(args.no_context_takeover, args.max_window_bits)
    elif args.compression == "bzip2":
        options["perMessageCompressionAccept"] = accept_bzip2
    factory.setProtocolOptions(**options)
    server = await loop.create_server(factory, "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    emit("ready", url=f"ws://127.0.0.1:{port}")
    await all_done
    server.close()
    emit("done")


if __name__ == "__main__":
    asyncio.run(main())
