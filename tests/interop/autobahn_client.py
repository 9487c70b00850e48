"""An autobahn (asyncio backend) client for the interop tests; see peer_common.py.

Sends every message (each size as binary and as text), checks each echo byte for byte, then
closes (--close) or asks the server to (--server-close), and reports the close frames.
"""

import asyncio
from urllib.parse import urlparse

from autobahn.asyncio.websocket import WebSocketClientFactory, WebSocketClientProtocol
from autobahn.websocket.compress import (PerMessageBzip2Offer, PerMessageBzip2ResponseAccept, PerMessageDeflateOffer,
                                          PerMessageDeflateResponseAccept)

from peer_common import CLOSE_TIMEOUT, OPEN_TIMEOUT, PING_PAYLOAD, autobahn_deflate, close_frame, digest, emit, messages, parser

failures = []


def check(ok, message):
    if not ok and not failures:
        failures.append(message)


async def main():
    args = parser(__doc__, "client").parse_args()
    loop = asyncio.get_running_loop()
    closed = loop.create_future()
    sent = messages(args.sizes, args.kinds)
    wire = [(b, p if b else p.encode()) for b, p in sent]

    class Client(WebSocketClientProtocol):
        received = 0

        def onOpen(self):
            extensions = [e.EXTENSION_NAME for e in self.websocket_extensions_in_use]
            emit("open", subprotocol=self.websocket_protocol_in_use, extensions=extensions,
                 deflate=autobahn_deflate(self.websocket_extensions_in_use))
            if args.expect_subprotocol is not None:
                expected = None if args.expect_subprotocol == "none" else args.expect_subprotocol
                check(self.websocket_protocol_in_use == expected,
                      f"subprotocol {self.websocket_protocol_in_use!r}, expected {expected!r}")
            check(extensions == args.expect_extensions, f"extensions {extensions} negotiated, expected {args.expect_extensions}")
            if args.ping:
                self.sendPing(PING_PAYLOAD)  # the messages follow the pong
            else:
                self.send_all()

        def onPong(self, payload):
            check(payload == PING_PAYLOAD, f"pong payload {payload!r}")
            emit("pong")
            self.send_all()

        def send_all(self):
            for is_binary, payload in wire:
                self.sendMessage(payload, isBinary=is_binary, fragmentSize=args.fragment or None)
            if not wire:
                self.finish()

        def onMessage(self, payload, isBinary):
            i = self.received
            self.received += 1
            if i >= len(wire):
                check(False, f"an extra message: {payload[:80]!r}")
                return
            check(isBinary == wire[i][0], f"message {i}: echo kind {'binary' if isBinary else 'text'}")
            check(payload == wire[i][1], f"message {i} ({len(wire[i][1])}): echo differs (length {len(payload)})")
            if self.received == len(wire):
                self.finish()

        def finish(self):
            emit("echoed", messages=[digest(b, p) for b, p in sent])
            if args.server_close:
                code, reason = args.server_close
                self.sendMessage(f"!close {code} {reason}".encode(), isBinary=False)
            else:
                code, reason = args.close
                self.sendClose(code, reason or None)

        def onClose(self, wasClean, code, reason):
            try:
                check(wasClean, f"unclean close: {code} {reason}")
                check(self.received == len(wire), f"{self.received} of {len(wire)} echoes before the close")
                received = close_frame(self.remoteCloseCode, self.remoteCloseReason)
                emit("close", wasClean=wasClean, why=self.wasNotCleanReason, received=received,
                     sent=close_frame(self.localCloseCode, self.localCloseReason))
                if args.expect_close is not None:
                    got = received and (received["code"], received["reason"])
                    check(got == args.expect_close, f"received close {got}, expected {args.expect_close}")
            except Exception as error:  # noqa: BLE001 - reported as a failure below
                check(False, f"onClose: {error!r}")
            finally:
                if not closed.done():
                    closed.set_result(None)

    url = urlparse(args.url)
    factory = WebSocketClientFactory(args.url, protocols=args.subprotocols)
    factory.protocol = Client
    options = {"maxMessagePayloadSize": args.max_size, "maxFramePayloadSize": args.max_size,
               "openHandshakeTimeout": OPEN_TIMEOUT, "closeHandshakeTimeout": CLOSE_TIMEOUT,
               "serverConnectionDropTimeout": CLOSE_TIMEOUT}
    if args.compression == "deflate":
        options["perMessageCompressionOffers"] = [PerMessageDeflateOffer(
            request_no_context_takeover=args.no_context_takeover, request_max_window_bits=args.max_window_bits)]
        options["perMessageCompressionAccept"] = lambda response: PerMessageDeflateResponseAccept(response)
    elif args.compression == "bzip2":
        options["perMessageCompressionOffers"] = [PerMessageBzip2Offer()]
        options["perMessageCompressionAccept"] = lambda response: PerMessageBzip2ResponseAccept(response)
    factory.setProtocolOptions(**options)
    await loop.create_connection(factory, url.hostname, url.port)
    await asyncio.wait_for(closed, 60)
    if failures:
        emit("failed", message=failures[0])
        raise SystemExit(f"MISMATCH: {failures[0]}")
    emit("done")


if __name__ == "__main__":
    asyncio.run(main())
