"""A python-websockets (asyncio API) client for the interop tests; see peer_common.py.

Sends every message (each size as binary and as text), checks each echo byte for byte, then
closes (--close) or asks the server to (--server-close), and reports the close frames.
"""

import asyncio

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from peer_common import CLOSE_TIMEOUT, OPEN_TIMEOUT, PING_PAYLOAD, digest, emit, fail, messages, parser, websockets_deflate


async def main():
    args = parser(__doc__, "client").parse_args()
    async with connect(args.url, subprotocols=args.subprotocols or None,
                       compression={"none": None, "deflate": "deflate"}[args.compression],  # no bzip2 in websockets
                       max_size=args.max_size, open_timeout=OPEN_TIMEOUT, close_timeout=CLOSE_TIMEOUT) as ws:
        extensions = [e.name for e in ws.protocol.extensions]
        emit("open", subprotocol=ws.subprotocol, extensions=extensions,
             deflate=websockets_deflate(ws.protocol.extensions, is_server=False))
        if args.expect_subprotocol is not None:
            expected = None if args.expect_subprotocol == "none" else args.expect_subprotocol
            if ws.subprotocol != expected:
                fail(f"subprotocol {ws.subprotocol!r}, expected {expected!r}")
        if extensions != args.expect_extensions:
            fail(f"extensions {extensions} negotiated, expected {args.expect_extensions}")

        if args.ping:
            pong = await ws.ping(PING_PAYLOAD)  # resolves when the pong with this payload arrives
            latency = await asyncio.wait_for(pong, 5)
            emit("pong", latency=latency)

        sent = messages(args.sizes, args.kinds)
        # Everything goes out first, then the echoes are read back: both directions stream.
        async def send_all():
            for is_binary, payload in sent:
                if args.fragment and payload:
                    data = payload if is_binary else payload.encode()
                    frames = [data[i:i + args.fragment] for i in range(0, len(data), args.fragment)]
                    await ws.send(frames, text=not is_binary)
                else:
                    await ws.send(payload)
        sender = asyncio.create_task(send_all())
        for i, (is_binary, payload) in enumerate(sent):
            echo = await ws.recv()
            if isinstance(echo, bytes) != is_binary:
                fail(f"message {i}: echo kind {'binary' if isinstance(echo, bytes) else 'text'}")
            if echo != payload:
                fail(f"message {i} ({len(payload)}): echo differs (length {len(echo)})")
        await sender
        emit("echoed", messages=[digest(b, p) for b, p in sent])

        if args.server_close:
            code, reason = args.server_close
            await ws.send(f"!close {code} {reason}")
            try:
                extra = await ws.recv()
                fail(f"a message instead of the close: {extra!r:.80}")
            except ConnectionClosed:
                pass
        else:
            await ws.close(*args.close)
        await ws.wait_closed()

    rcvd, sent_close = ws.protocol.close_rcvd, ws.protocol.close_sent
    emit("close", received=rcvd and {"code": rcvd.code, "reason": rcvd.reason},
         sent=sent_close and {"code": sent_close.code, "reason": sent_close.reason})
    if args.expect_close is not None:
        got = rcvd and (rcvd.code, rcvd.reason)
        if got != args.expect_close:
            fail(f"received close {got}, expected {args.expect_close}")
    emit("done")


if __name__ == "__main__":
    asyncio.run(main())
