"""Autobahn|Python client used by wsplug's interop tests.

Connects to the WebSocket server given on the command line, sends the messages
described in a JSON plan (text or binary, with sizes), checks that each comes
back unchanged, closes with 1000 and prints one JSON line with the result.

Usage: /usr/bin/python3 autobahn_client.py ws://127.0.0.1:PORT/ PLAN_JSON

PLAN_JSON: {"messages": [{"size": 1024, "binary": false}, ...],
            "deflate": null | {"accept_no_context_takeover": true, ...}}
"""
import asyncio
import json
import os
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


def payload(size, binary, seed):
    if binary:
        return os.urandom(size)
    text = "wsplug κόσμε interop %d " % seed
    data = (text * (size // len(text.encode()) + 1)).encode("utf8")
    # cut at a character boundary
    data = data[:size]
    while True:
        try:
            data.decode("utf8")
            return data
        except UnicodeDecodeError:
            data = data[:-1] + b"x"


class Client(WebSocketClientProtocol):
    def onOpen(self):
        self.plan = self.factory.plan
        self.index = 0
        self.errors = []
        self.extensions = self.http_headers.get("sec-websocket-extensions", "")
        self.send_next()

    def send_next(self):
        if self.index == len(self.plan["messages"]):
            self.sendClose(1000)
            return
        m = self.plan["messages"][self.index]
        self.expected = (payload(m["size"], m["binary"], self.index), m["binary"])
        self.sendMessage(self.expected[0], isBinary=m["binary"])

    def onMessage(self, data, isBinary):
        want, want_binary = self.expected
        if data != want or isBinary != want_binary:
            self.errors.append("message %d differs (%d bytes back, %d sent)" % (self.index, len(data), len(want)))
        self.index += 1
        self.send_next()

    def onClose(self, wasClean, code, reason):
        result = {
            "echoed": self.index if hasattr(self, "index") else 0,
            "errors": getattr(self, "errors", []),
            "clean": wasClean,
            "code": code,
            "extensions": getattr(self, "extensions", ""),
        }
        if not self.factory.done.done():
            self.factory.done.set_result(result)


async def main(url, plan):
    loop = asyncio.get_running_loop()
    factory = WebSocketClientFactory(url, loop=loop)
    factory.protocol = Client
    factory.plan = plan
    factory.done = loop.create_future()
    options = {"failByDrop": False}
    if plan.get("deflate") is not None:
        offer = PerMessageDeflateOffer(**plan["deflate"])
        options["perMessageCompressionOffers"] = [offer]

        def accept(response):
            if isinstance(response, PerMessageDeflateResponse):
                return PerMessageDeflateResponseAccept(response)
            return None

        options["perMessageCompressionAccept"] = accept
    factory.setProtocolOptions(**options)
    u = urlparse(url)
    await loop.create_connection(factory, u.hostname, u.port)
    result = await asyncio.wait_for(factory.done, timeout=float(plan.get("timeout", 60)))
    print(json.dumps(result), flush=True)
    return 0 if not result["errors"] and result["clean"] else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]))))
