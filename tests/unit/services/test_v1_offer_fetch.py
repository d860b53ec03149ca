"""The port that fetches a producer's signed offer: its URL beside the producer's Beckn endpoint,
what each answer of the producer's node means, and the aiohttp adapter against a real socket
(a closed port is unreachable; a tiny server's 200, 409 and oversize answers)."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web

from duijie.services.ports import TransportResponse
from duijie.services.trade.pool.offer_source import (
    MAX_OFFER_BYTES,
    OfferNotSigned,
    OfferUnreachable,
    signed_offer_url,
)
from duijie.transport.offer_fetch import HttpSignedOffers, signed_offer_in


def test_the_url_is_the_producers_api_beside_its_beckn_endpoint() -> None:
    assert signed_offer_url("http://farm.test:8010/beckn", "green valley", "apples") == \
        "http://farm.test:8010/api/providers/green%20valley/offers/apples/signed"
    assert signed_offer_url("https://x.example/node/beckn/", "p", "o") == "https://x.example/node/api/providers/p/offers/o/signed"
    with pytest.raises(OfferUnreachable):
        signed_offer_url("file:///etc/passwd", "p", "o")


@pytest.mark.parametrize(("status", "body", "error"), [
    (404, b"{}", OfferNotSigned), (409, b"{}", OfferNotSigned), (502, b"{}", OfferUnreachable),
    (200, b"not json", OfferUnreachable), (200, b"[1]", OfferUnreachable),
    (200, b" " * (MAX_OFFER_BYTES + 1), OfferUnreachable),
])
def test_each_answer_of_the_producers_node_means_one_thing(status: int, body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        signed_offer_in("http://farm.test/x", TransportResponse(status, body))
    assert signed_offer_in("u", TransportResponse(200, b'{"format": "duijie.offer/1"}')) == {"format": "duijie.offer/1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_aiohttp_adapter_gets_the_offer_and_tells_refusals_and_silence_apart() -> None:
    async def scenario() -> None:
        async def signed(request: web.Request) -> web.Response:
            if request.match_info["offer"] == "apples":
                return web.json_response({"format": "duijie.offer/1", "offer": "apples"})
            return web.json_response({"error": "no origin"}, status=409)

        app = web.Application()
        app.router.add_get("/api/providers/{provider}/offers/{offer}/signed", signed)
        runner = web.AppRunner(app)
        await runner.setup()
        port = _free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        fetch = HttpSignedOffers(timeout=2.0)
        try:
            got = await fetch.signed_offer(f"http://127.0.0.1:{port}/beckn", "farm", "apples")
            assert got == {"format": "duijie.offer/1", "offer": "apples"}
            with pytest.raises(OfferNotSigned):
                await fetch.signed_offer(f"http://127.0.0.1:{port}/beckn", "farm", "pears")
            with pytest.raises(OfferUnreachable):
                await fetch.signed_offer(f"http://127.0.0.1:{_free_port()}/beckn", "farm", "apples")
        finally:
            await fetch.aclose()
            await runner.cleanup()

    asyncio.run(scenario())
