#!/usr/bin/python3
"""Autobahn|Python echo server for wsplug's client interop tests.

Run with Debian's interpreter (/usr/bin/python3, python3-autobahn and
python3-wsaccel installed). It listens on 127.0.0.1, prints
"LISTENING <port>" once it accepts connections, echoes every message (text
as text, binary as binary), picks the first subprotocol of --subprotocols
(in that order of preference) that the client offers, accepts the first
permessage-deflate offer with --deflate, and exits when its
standard input is closed or it is killed.

With --deflate, a request path /accept/<variant> chooses how the offers are
answered instead:
  13.1 .. 13.7  the Autobahn|Testsuite fuzzingserver's accept functions of
                cases 13.1 to 13.7 (case12_x_x.py accept1..accept7), with 9
                for their window of 8 bits, which this Autobahn|Python no
                longer lets a server request
  cmwb=N        the first offer that allows it, asking client_max_window_bits=N
  quiet         the first offer, the server compressing without context
                takeover and with a 9-bit window without saying so (RFC 7692
                lets a server do both on its own)
An unknown variant, or offers that do not allow it, get no compression.
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


def first(offers, no_context=False, max_bits=False):
    """The first permessage-deflate offer that allows what is asked of it."""
    for offer in offers:
        if not isinstance(offer, PerMessageDeflateOffer):
            continue
        if no_context and not offer.accept_no_context_takeover:
            continue
        if max_bits and not offer.accept_max_window_bits:
            continue
        return offer
    return None


def testsuite_accept(no_context, bits):
    """accept1..accept6 of the testsuite: (requestNoContextTakeover, requestMaxWindowBits)."""
    def accept(offers):
        offer = first(offers, no_context, bits != 0)
        if offer is None:
            return None
        return PerMessageDeflateOfferAccept(offer, request_no_context_takeover=no_context, request_max_window_bits=bits)
    return accept


def chain(*accepts):
    def accept(offers):
        for a in accepts:
            r = a(offers)
            if r is not None:
                return r
        return None
    return accept


def quiet_accept(offers):
    offer = first(offers)
    if offer is None:
        return None
    return PerMessageDeflateOfferAccept(offer, no_context_takeover=True, window_bits=9)


ACCEPT_VARIANTS = {
    "13.1": testsuite_accept(False, 0),
    "13.2": testsuite_accept(True, 0),
    "13.3": testsuite_accept(False, 9),
    "13.4": testsuite_accept(False, 15),
    "13.5": testsuite_accept(True, 9),
    "13.6": testsuite_accept(True, 15),
    "13.7": chain(testsuite_accept(True, 9), testsuite_accept(True, 0), testsuite_accept(False, 0)),
    "quiet": quiet_accept,
}
for _bits in range(9, 16):
    ACCEPT_VARIANTS["cmwb=%d" % _bits] = testsuite_accept(False, _bits)


class EchoProtocol(WebSocketServerProtocol):
    def onConnect(self, request):
        if self.factory.deflate and request.path.startswith("/accept/"):
            variant = ACCEPT_VARIANTS.get(request.path[len("/accept/"):])
            self.perMessageCompressionAccept = variant or (lambda offers: None)
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
    factory.deflate = args.deflate
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
