"""A hostile peer for the memory tests: connects with a 4 KiB receive buffer (SO_RCVBUF),
opens a WebSocket (optionally with permessage-deflate, client_no_context_takeover), then sends
masked 64 KiB binary messages of random bytes and never reads. Prints one JSON line when
sending has stalled for 2 s (or everything went): {"sent": bytes}; then waits for stdin to
close and exits, closing the socket. Standard library only.

    python3 slow_reader.py PORT TOTAL_BYTES [--deflate]
"""
import base64
import json
import os
import select
import socket
import sys
import time
import zlib

MESSAGE = 64 * 1024
STALL_SECONDS = 2.0


def handshake(sock, port, deflate):
    key = base64.b64encode(os.urandom(16)).decode()
    extension = "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n" if deflate else ""
    request = (
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extension}\r\n"
    )
    sock.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise SystemExit("server closed during the handshake")
        head += chunk
    status = head.split(b"\r\n", 1)[0]
    if b" 101 " not in status:
        raise SystemExit(f"handshake refused: {status!r}")
    negotiated = b"permessage-deflate" in head.lower()
    if negotiated != deflate:
        raise SystemExit(f"permessage-deflate negotiated: {negotiated}, wanted {deflate}")


def frame(payload, deflate):
    first = 0x82  # FIN, binary
    if deflate:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        payload = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
        payload = payload[:-4]  # RFC 7692: drop the 00 00 ff ff tail
        first |= 0x40  # RSV1: compressed
    n = len(payload)
    if n < 126:
        length = bytes([0x80 | n])
    elif n < 65536:
        length = bytes([0x80 | 126]) + n.to_bytes(2, "big")
    else:
        length = bytes([0x80 | 127]) + n.to_bytes(8, "big")
    mask = os.urandom(4)
    key = (mask * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")
    return bytes([first]) + length + mask + masked


def main():
    port, total = int(sys.argv[1]), int(sys.argv[2])
    deflate = "--deflate" in sys.argv
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    handshake(sock, port, deflate)
    frames = [frame(os.urandom(MESSAGE), deflate) for _ in range(8)]
    sock.setblocking(False)
    sent = 0
    pending = b""
    index = 0
    last_progress = time.monotonic()
    while sent < total:
        if not pending:
            pending = frames[index % len(frames)]
            index += 1
        _, writable, _ = select.select([], [sock], [], 0.1)
        if not writable:
            if time.monotonic() - last_progress > STALL_SECONDS:
                break
            continue
        try:
            n = sock.send(pending)
        except BlockingIOError:
            continue
        pending = pending[n:]
        if not pending:
            sent += MESSAGE
        last_progress = time.monotonic()
    print(json.dumps({"sent": sent}), flush=True)
    sys.stdin.read()
    sock.close()


if __name__ == "__main__":
    main()
