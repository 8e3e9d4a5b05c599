"""Autobahn|Python permessage-deflate client used by wsplug's compression tests.

Connects to the WebSocket server given on the command line with one
PerMessageDeflateOffer, sends the messages of a JSON plan one at a time,
checks that each comes back unchanged, closes with 1000 and prints one JSON
line: the echo count, errors, how the connection closed, the server's
Sec-WebSocket-Extensions, the parameters Autobahn negotiated, and its traffic
counters (application vs. wire octets, to see compression at work).

Autobahn inflates the server's messages with zlib at the server_max_window_bits
it negotiated, so a server that refers further back than its window fails here
("invalid distance too far back").

Usage: /usr/bin/python3 autobahn_deflate_client.py ws://127.0.0.1:PORT/ PLAN_JSON

PLAN_JSON: {"offer": {"accept_no_context_takeover": true, ...},   # PerMessageDeflateOffer kwargs
            "messages": [{"size": 1024, "kind": "text" | "random" | "binary"}, ...],
            "timeout": 60}
"""
import asyncio
import json
import random
import sys
from urllib.parse import urlparse

import txaio

txaio.use_asyncio()

from autobahn.asyncio.websocket import WebSocketClientFactory, WebSocketClientProtocol  # noqa: E402
from autobahn.websocket.compress import (  # noqa: E402
    PerMessageDeflateOffer,
    PerMessageDeflateResponse,
    PerMessageDeflateResponseAccept,
)

WORDS = ["deflate", "window", "takeover", "server", "client", "message", "frame",
         "compress", "wsplug", "autobahn", "{\"id\":", "\"name\":", "true", "null"]


def payload(kind, size, seed):
    """Deterministic payloads: compressible text, compressible binary, or noise."""
    rnd = random.Random(seed)
    if kind == "random":
        return rnd.randbytes(size)
    if kind == "binary":
        out = bytearray()
        while len(out) < size:
            out += bytes([rnd.randrange(8)]) * rnd.randrange(1, 20)
        return bytes(out[:size])
    out = []
    n = 0
    while n < size:
        w = rnd.choice(WORDS) + " "
        out.append(w)
        n += len(w)
    return "".join(out).encode("ascii")[:size]


class Client(WebSocketClientProtocol):
    def onOpen(self):
        self.plan = self.factory.plan
        self.index = 0
        self.errors = []
        self.extensions = self.http_headers.get("sec-websocket-extensions", "")
        pmc = self._perMessageCompress
        self.negotiated = pmc.__json__() if pmc is not None else None
        self.send_next()

    def send_next(self):
        if self.index == len(self.plan["messages"]):
            self.sendClose(1000)
            return
        m = self.plan["messages"][self.index]
        binary = m["kind"] != "text"
        self.expected = (payload(m["kind"], m["size"], m.get("seed", self.index)), binary)
        self.sendMessage(self.expected[0], isBinary=binary)

    def onMessage(self, data, isBinary):
        want, want_binary = self.expected
        if data != want or isBinary != want_binary:
            self.errors.append("message %d differs (%d bytes back, %d sent)" % (self.index, len(data), len(want)))
            self.sendClose(1000)
            return
        self.index += 1
        self.send_next()

    def onClose(self, wasClean, code, reason):
        ts = self.trafficStats
        result = {
            "echoed": getattr(self, "index", 0),
            "errors": getattr(self, "errors", []),
            "clean": wasClean,
            "code": code,
            "reason": reason,
            "extensions": getattr(self, "extensions", ""),
            "negotiated": getattr(self, "negotiated", None),
            "in_app": ts.incomingOctetsAppLevel,
            "in_ws": ts.incomingOctetsWebSocketLevel,
            "out_app": ts.outgoingOctetsAppLevel,
            "out_ws": ts.outgoingOctetsWebSocketLevel,
        }
        if not self.factory.done.done():
            self.factory.done.set_result(result)


async def main(url, plan):
    loop = asyncio.get_running_loop()
    factory = WebSocketClientFactory(url, loop=loop)
    factory.protocol = Client
    factory.plan = plan
    factory.done = loop.create_future()

    def accept(response):
        if isinstance(response, PerMessageDeflateResponse):
            return PerMessageDeflateResponseAccept(response)
        return None

    factory.setProtocolOptions(
        failByDrop=False,
        perMessageCompressionOffers=[PerMessageDeflateOffer(**plan["offer"])],
        perMessageCompressionAccept=accept,
    )
    u = urlparse(url)
    await loop.create_connection(factory, u.hostname, u.port)
    result = await asyncio.wait_for(factory.done, timeout=float(plan.get("timeout", 60)))
    print(json.dumps(result), flush=True)
    return 0 if not result["errors"] and result["clean"] else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]))))
