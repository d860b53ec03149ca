"""The node's aiohttp transport never keeps an idle connection longer than a peer's server does."""

from __future__ import annotations

import asyncio

import uvicorn

from duijie.transport.http import KEEPALIVE_SECONDS, HttpTransport


def test_idle_connections_are_dropped_before_the_peer_closes_them() -> None:
    peer_closes_after = uvicorn.Config(app=None).timeout_keep_alive  # `duijie serve` keeps uvicorn's default
    assert KEEPALIVE_SECONDS < peer_closes_after

    async def connector_keepalive() -> float:
        transport = HttpTransport()
        try:
            session = transport._client()
            return float(session.connector._keepalive_timeout)  # type: ignore[union-attr]
        finally:
            await transport.aclose()

    assert asyncio.run(connector_keepalive()) == KEEPALIVE_SECONDS
