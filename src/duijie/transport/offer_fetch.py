"""Adapters of :class:`~duijie.services.trade.pool.offer_source.SignedOfferSource`: a GET of the
producer's signed offer over aiohttp (the node's Beckn transport only POSTs), and an in-process
sibling that asks the producer node's app through a :class:`~duijie.transport.mock.MockTransport`."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from duijie.services.ports import TransportResponse
from duijie.services.trade.pool.offer_source import (
    MAX_OFFER_BYTES,
    OfferNotSigned,
    OfferUnreachable,
    signed_offer_url,
)
from duijie.transport.http import TransportError
from duijie.transport.mock import MockTransport, asgi_request


def signed_offer_in(url: str, resp: TransportResponse) -> dict[str, Any]:
    """The signed offer a producer's node answered, or the error its answer means."""
    if resp.status in (404, 409):  # the producer signs no such offer (unknown, or no origin stated)
        raise OfferNotSigned(f"{url}: the producer signs no such offer (HTTP {resp.status})")
    if resp.status != 200 or len(resp.body) > MAX_OFFER_BYTES:
        raise OfferUnreachable(f"{url}: HTTP {resp.status}, {len(resp.body)} bytes")
    try:
        doc = json.loads(resp.body)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise OfferUnreachable(f"{url}: the answer is not a JSON object")
    return doc


class HttpSignedOffers:
    """``GET`` over its own small aiohttp session, opened on first use (fetching an offer is rare)."""

    def __init__(self, timeout: float = 5.0) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def signed_offer(self, producer_uri: str, provider_id: str, offer_id: str) -> dict[str, Any]:
        url = signed_offer_url(producer_uri, provider_id, offer_id)
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.get(url, headers={"Accept": "application/json"}) as resp:
                body = await resp.content.read(MAX_OFFER_BYTES + 1)
                answer = TransportResponse(resp.status, body)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise OfferUnreachable(f"{url}: {type(exc).__name__}: {exc}") from exc
        return signed_offer_in(url, answer)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class MockSignedOffers:
    """The same ``GET``, answered in-process by the app the transport routes the producer's URL to."""

    def __init__(self, transport: MockTransport) -> None:
        self._transport = transport

    async def signed_offer(self, producer_uri: str, provider_id: str, offer_id: str) -> dict[str, Any]:
        url = signed_offer_url(producer_uri, provider_id, offer_id)
        try:
            answer = await asgi_request(self._transport.app_for(url), url, b"", {"accept": "application/json"}, "GET")
        except TransportError as exc:
            raise OfferUnreachable(str(exc)) from exc
        return signed_offer_in(url, answer)
