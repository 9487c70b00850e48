"""What the Python interop peers share: arguments, test messages, and the JSON-lines report.

Every peer writes one JSON object per line on stdout (flushed at once), so the Node tests
(tests/node/interop-python.test.mjs) can follow it: servers start with
{"event": "ready", "url": ...}; both sides report "open", "message" (servers, for what they
received), "close" and a last "done". A peer that sees a mismatch writes to stderr and exits 1.
"""

import argparse
import hashlib
import json
import random
import sys

MiB = 1024 * 1024
# Room for a loaded machine: the tests check the wire, not timers (autobahn's close timeouts
# default to 1 s). OPEN_TIMEOUT bounds the opening handshake, CLOSE_TIMEOUT the closing one.
OPEN_TIMEOUT = 10
CLOSE_TIMEOUT = 5
SIZES = [0, 1, 125, 126, 65535, 65536, MiB, 16 * MiB]
# 1-, 2-, 3- and 4-byte UTF-8 sequences: 10 bytes a unit.
UNIT = "aκ€𝄞"
assert len(UNIT.encode()) == 10


def text_payload(size):
    """A str of exactly `size` UTF-8 bytes, mostly multi-byte characters."""
    units = size // 10
    return UNIT * units + "x" * (size - units * 10)


def binary_payload(size):
    return random.Random(size).randbytes(size)


def messages(sizes, kinds):
    """[(is_binary, payload)] for every size, in the order of `kinds` per size."""
    out = []
    for size in sizes:
        for kind in kinds:
            out.append((True, binary_payload(size)) if kind == "binary" else (False, text_payload(size)))
    return out


def digest(is_binary, payload):
    data = payload if isinstance(payload, (bytes, bytearray)) else payload.encode()
    return {"binary": is_binary, "length": len(data), "sha256": hashlib.sha256(data).hexdigest()}


# A ping payload with bytes that are not UTF-8, to show it travels as bytes.
PING_PAYLOAD = b"ping\x00\xff\xfe-" + bytes(range(32))


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}, ensure_ascii=False), flush=True)


def fail(message):
    print(f"MISMATCH: {message}", file=sys.stderr, flush=True)
    emit("failed", message=message)
    sys.exit(1)


def websockets_deflate(extensions, is_server):
    """python-websockets' negotiated permessage-deflate as server_/client_ parameters, or None."""
    for e in extensions:
        if e.name == "permessage-deflate":
            local, remote = ("server", "client") if is_server else ("client", "server")
            return {f"{local}_no_context_takeover": e.local_no_context_takeover,
                    f"{remote}_no_context_takeover": e.remote_no_context_takeover,
                    f"{local}_max_window_bits": e.local_max_window_bits,
                    f"{remote}_max_window_bits": e.remote_max_window_bits}
    return None


def autobahn_deflate(extensions):
    """autobahn's negotiated permessage-deflate (websocket_extensions_in_use), or None."""
    for e in extensions:
        if e.EXTENSION_NAME == "permessage-deflate":
            return {name: getattr(e, name) for name in (
                "server_no_context_takeover", "client_no_context_takeover", "server_max_window_bits", "client_max_window_bits")}
    return None


def close_frame(code, reason):
    """{"code", "reason"} of a close frame, None when there was none (autobahn keeps the
    reason it sent as UTF-8 bytes, the one it received as str)."""
    if code is None:
        return None
    if isinstance(reason, (bytes, bytearray)):
        reason = reason.decode()
    return {"code": code, "reason": reason or ""}


def code_reason(text):
    """'4000:some reason' -> (4000, 'some reason')."""
    code, _, reason = text.partition(":")
    return int(code), reason


def csv(text):
    return [p for p in text.split(",") if p] if text else []


def parser(description, role):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--compression", choices=["none", "deflate", "bzip2"], default="none",
                   help="offer (client) / accept (server) permessage-deflate or (autobahn only) permessage-bzip2")
    p.add_argument("--subprotocols", type=csv, default=[],
                   help="comma-separated: offered (client) or supported in preference order (server)")
    p.add_argument("--max-size", type=int, default=16 * MiB, help="largest incoming message")
    p.add_argument("--no-context-takeover", action="store_true",
                   help="autobahn: request the peer's no_context_takeover (client: server_, server: client_)")
    p.add_argument("--max-window-bits", type=int, default=0,
                   help="autobahn: request the peer's max_window_bits (client: server_, server: client_)")
    if role == "server":
        p.add_argument("--port", type=int, default=0)
        p.add_argument("--connections", type=int, default=1, help="exit after this many connections ended")
    else:
        p.add_argument("--url", required=True)
        p.add_argument("--sizes", type=lambda s: [int(x) for x in csv(s)], default=SIZES)
        p.add_argument("--kinds", type=csv, default=["binary", "text"])
        p.add_argument("--expect-subprotocol", default=None, help="'none' for no subprotocol")
        p.add_argument("--expect-extensions", type=csv, default=[],
                       help="comma-separated names of the extensions that must be negotiated")
        group = p.add_mutually_exclusive_group()
        group.add_argument("--close", type=code_reason, default=(1000, ""),
                           help="CODE:REASON the client closes with after the echoes")
        group.add_argument("--server-close", type=code_reason, default=None,
                           help="ask the server ('!close CODE REASON') to close with CODE:REASON instead")
        p.add_argument("--expect-close", type=code_reason, default=None,
                       help="CODE:REASON of the close frame the client must receive")
        p.add_argument("--fragment", type=int, default=0,
                       help="send each message in frames of this many bytes (text split inside characters)")
        p.add_argument("--ping", action="store_true",
                       help="ping before the messages and require the pong with the same payload")
    return p
