"""Asking one peer: the ``/peers/...`` calls, bounded in size and time, over HTTP or directly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import quote

from duijie.services.discovery import MAX_PAGE
from duijie.services.ports import Transport


class PeerError(Exception):
    """A peer answered badly, too much, too late or not at all."""


@dataclass(frozen=True, slots=True)
class ExchangeLimits:
    """Bounds that keep a hostile or broken peer from costing more than a little."""

    page_limit: int = MAX_PAGE
    max_records_per_round: int = 1000
    max_body_bytes: int = 4_000_000
    timeout: float = 5.0
    fanout: int = 8
    max_catalogs_per_round: int = 50
    backoff: timedelta = timedelta(seconds=2)
    candidate_probes: int = 2  # candidates asked for their own record per round
    refusal_limit: int = 3  # forged or unbound records a peer may send before it is dropped
    operator_backoff: timedelta = timedelta(minutes=10)  # an operator peer past the limit waits this long


class PeerClient(Protocol):
    """How to ask one peer (HTTP in production; direct calls in the benchmark)."""

    async def records(self, peer_url: str, since: str | None, limit: int) -> dict[str, Any]: ...

    async def catalog(self, peer_url: str, subscriber_id: str, provider_id: str) -> dict[str, Any]: ...

    async def self_record(self, peer_url: str) -> dict[str, Any]:
        """The peer's own signed record (``/peers/self``): how a candidate answers for itself."""
        ...


class HttpPeerClient:
    """The ``/peers/...`` endpoints over the node's :class:`Transport` (POST with a JSON body)."""

    def __init__(self, transport: Transport, limits: ExchangeLimits, own_url: str | None = None) -> None:
        self._transport = transport
        self._limits = limits
        self._own_url = own_url
        self.bytes_received = 0

    async def _call(self, url: str, query: Mapping[str, Any]) -> dict[str, Any]:
        body = json.dumps(dict(query)).encode()
        try:
            resp = await asyncio.wait_for(
                self._transport.send(url, body, {"Content-Type": "application/json"}), self._limits.timeout
            )
        except TimeoutError as exc:
            raise PeerError(f"{url}: no answer in {self._limits.timeout}s") from exc
        except Exception as exc:  # noqa: BLE001 - any transport failure is the peer's failure
            raise PeerError(f"{url}: {exc}") from exc
        if len(resp.body) > self._limits.max_body_bytes:
            raise PeerError(f"{url}: answer of {len(resp.body)} bytes is over the limit")
        self.bytes_received += len(resp.body)
        if resp.status != 200:
            raise PeerError(f"{url}: HTTP {resp.status}")
        try:
            data = json.loads(resp.body)
        except ValueError as exc:
            raise PeerError(f"{url}: not JSON") from exc
        if not isinstance(data, dict):
            raise PeerError(f"{url}: not a JSON object")
        return data

    async def records(self, peer_url: str, since: str | None, limit: int) -> dict[str, Any]:
        # "from" lets a node that only pulls still be found: the peer will poll us back.
        query = {"since": since, "limit": limit, "from": self._own_url}
        return await self._call(f"{peer_url}/peers/records", query)

    async def catalog(self, peer_url: str, subscriber_id: str, provider_id: str) -> dict[str, Any]:
        url = f"{peer_url}/peers/catalogs/{quote(provider_id, safe='')}"
        return await self._call(url, {"subscriber_id": subscriber_id})

    async def self_record(self, peer_url: str) -> dict[str, Any]:
        return await self._call(f"{peer_url}/peers/self", {})
