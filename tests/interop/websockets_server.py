"""A python-websockets (asyncio API) echo server for the interop tests; see peer_common.py.

Echoes every message; a text message "!close CODE REASON" makes it close with that code and
reason instead. Reports what it received and the close frames of each connection, and exits
after --connections connections have ended.
"""

import asyncio
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from peer_common import CLOSE_TIMEOUT, OPEN_TIMEOUT, digest, emit, parser, websockets_deflate


async def main():
    args = parser(__doc__, "server").parse_args()
    ended = 0
    all_done = asyncio.Event()

    async def handler(ws):
        nonlocal ended
        url = urlsplit(ws.request.path)
        emit("open", path=url.path, params=parse_qs(url.query), subprotocol=ws.subprotocol,
             offered=[p.strip() for h in ws.request.headers.get_all("Sec-WebSocket-Protocol") for p in h.split(",")],
             extensions=[e.name for e in ws.protocol.extensions],
             deflate=websockets_deflate(ws.protocol.extensions, is_server=True))
        try:
            async for message in ws:
                is_binary = isinstance(message, bytes)
                emit("message", **digest(is_binary, message))
                if not is_binary and message.startswith("!close "):
                    code, _, reason = message[len("!close "):].partition(" ")
                    await ws.close(int(code), reason)
                    break
                await ws.send(message)
        except ConnectionClosed:
            pass
        await ws.wait_closed()
        rcvd, sent = ws.protocol.close_rcvd, ws.protocol.close_sent
        emit("close", received=rcvd and {"code": rcvd.code, "reason": rcvd.reason},
             sent=sent and {"code": sent.code, "reason": sent.reason})
        ended += 1
        if ended >= args.connections:
            all_done.set()

    async with serve(handler, "127.0.0.1", args.port, subprotocols=args.subprotocols or None,
                     compression={"none": None, "deflate": "deflate"}[args.compression],  # no bzip2 in websockets
                     max_size=args.max_size, open_timeout=OPEN_TIMEOUT, close_timeout=CLOSE_TIMEOUT) as server:
        port = server.sockets[0].getsockname()[1]
        emit("ready", url=f"ws://127.0.0.1:{port}")
        await all_done.wait()
    emit("done")


if __name__ == "__main__":
    asyncio.run(main())
