#!/usr/bin/python3
"""Autobahn|Python echo server for wsplug's client interop tests.

Run with Debian's interpreter (/usr/bin/python3, python3-autobahn and
python3-wsaccel installed). It listens on 127.0.0.1, prints
"LISTENING <port>" once it accepts connections, echoes every message (text
as text, binary as binary), picks the first subprotocol of --subprotocols
(in that order of preference) that the client offers, accepts the first
permessage-deflate offer with --deflate, and exits when its
standard input is closed or it is killed.
"""
import argparse
import asyncio
import sys

from autobahn.asyncio.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept


def accept_deflate(offers):
    """Accept the first permessage-deflate offer, as Autobahn's testee does."""
    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer):
            return PerMessageDeflateOfferAccept(offer)
    return None


class EchoProtocol(WebSocketServerProtocol):
    def onConnect(self, request):
        for p in self.factory.preferred:
            if p in request.protocols:
                return p
        return None

    def onMessage(self, payload, isBinary):
        self.sendMessage(payload, isBinary)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--subprotocols", default="", help="comma-separated, in order of preference")
    ap.add_argument("--deflate", action="store_true", help="accept permessage-deflate offers")
    args = ap.parse_args()

    loop = asyncio.get_running_loop()
    factory = WebSocketServerFactory(loop=loop)
    factory.protocol = EchoProtocol
    factory.preferred = [p for p in args.subprotocols.split(",") if p]
    # failByDrop=False: a protocol violation is answered with a close frame,
    # as RFC 6455 wants; no payload limits (the tests send 16 MiB).
    options = dict(failByDrop=False, maxMessagePayloadSize=0, maxFramePayloadSize=0)
    if args.deflate:
        options["perMessageCompressionAccept"] = accept_deflate
    factory.setProtocolOptions(**options)

    server = await loop.create_server(factory, "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    print("LISTENING %d" % port, flush=True)

    # Stop when the parent closes our stdin (or kills us).
    await loop.run_in_executor(None, sys.stdin.buffer.read)
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
