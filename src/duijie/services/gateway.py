"""The gateway (BG) role: multicast a BAP's ``search`` to the BPPs this node knows.

A ``search`` without ``bpp_id`` reaching a gateway is forwarded, byte for byte with the BAP's
own ``Authorization``, to every known BPP whose record matches the domain (and area, when the
search names a city or gives a point), with the gateway's ``X-Gateway-Authorization`` added;
each BPP verifies both signatures. A BPP answers a search that came through a gateway back
through that gateway, which relays the ``on_search`` to the BAP's ``bap_uri`` unchanged, with
its own signature added (BECKN-006 steps 6-9). The gateway never signs a catalog in the BPP's
name, so it cannot alter one unnoticed; catalogs in the local index are merchant-signed anyway.

Every seller's ``on_search`` answers the one search under its ``message_id``; the replay guard
tells them apart by sender, so each is relayed. A gateway that hosts no provider of its own adds
no answer of its own: an empty catalog in its name would only look like a seller with nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from duijie.protocol.keys import NodeKeys
from duijie.protocol.outbound import add_gateway_signature
from duijie.protocol.pipeline import Verified
from duijie.protocol.records import SignedRecord
from duijie.services.beckn_inbox import Handler, Nack
from duijie.services.outbox import peer_error
from duijie.services.ports import Clock, Transport

log = logging.getLogger("duijie.gateway")

_FORWARDED = ("authorization", "content-type")


def _live_request(verified: Verified) -> tuple[bytes, dict[str, str]] | None:
    """The sender's exact bytes and signature headers, which a forward must carry; None when the
    message is not the live request (a gateway only relays what it can pass on unchanged)."""
    forward = {k: v for k, v in verified.headers.items() if k.lower() in _FORWARDED}
    if not verified.raw_body or not any(k.lower() == "authorization" for k in forward):
        return None
    return verified.raw_body, forward


def _domain_matches(record_domains: Sequence[str], domain: str) -> bool:
    return not domain or "*" in record_domains or domain in record_domains


def _near(record: SignedRecord, point: tuple[float, float] | None, km: float) -> bool:
    loc = record.record.location
    if point is None or loc is None:
        return True
    # Records carry a rough location (0.1°), so compare generously: about 1° ≈ 111 km.
    return abs(loc[0] - point[0]) * 111 <= km + 15 and abs(loc[1] - point[1]) * 85 <= km + 15


def _search_point(message: dict[str, Any]) -> tuple[tuple[float, float] | None, float]:
    try:
        circle = message["intent"]["fulfillment"]["stops"][0]["location"]["circle"]
        lat, lon = (float(x) for x in str(circle["gps"]).split(","))
        radius = float(circle.get("radius", {}).get("value", 10))
        return (lat, lon), radius
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return None, 0.0


@dataclass
class GatewayStats:
    forwarded: int = 0
    relayed: int = 0
    failed: int = 0


class GatewayService:
    """Multicasts ``search``; other actions and targeted searches go to the local handler."""

    def __init__(
        self,
        own_subscriber_id: str,
        records: Callable[[], list[SignedRecord]],
        keys: Callable[[], NodeKeys],
        transport: Transport,
        clock: Clock,
        local: Handler | None = None,
        timeout: float = 5.0,
        local_on_search: Handler | None = None,
        hosts_providers: Callable[[], bool] = lambda: False,
    ) -> None:
        self._own = own_subscriber_id
        self._records = records
        self._keys = keys
        self._transport = transport
        self._clock = clock
        self._local = local
        self._local_on_search = local_on_search
        self._hosts_providers = hosts_providers
        self._timeout = timeout
        self.stats = GatewayStats()
        self._tasks: set[asyncio.Task[None]] = set()

    def targets(self, verified: Verified) -> list[SignedRecord]:
        """Known BPPs matching the search's domain and area (never the BAP or this node)."""
        ctx = verified.context
        point, radius = _search_point(verified.message)
        return [
            r for r in self._records()
            if "BPP" in r.record.roles and r.record.providers
            and r.record.subscriber_id not in (self._own, ctx.bap_id)
            and _domain_matches(r.record.domains, ctx.domain)
            and _near(r, point, radius)
        ]

    async def handle_search(self, verified: Verified) -> Nack | None:
        """The inbox handler for ``search``."""
        raw = _live_request(verified)
        if verified.context.bpp_id or raw is None:
            return await self._delegate(verified)
        targets, hosting = await asyncio.to_thread(self._fan_out, verified)
        task = asyncio.create_task(self._multicast(raw[0], raw[1], targets))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if self._local is not None and hosting:
            await self._local(verified)  # this node's own providers answer too
        return None

    def _fan_out(self, verified: Verified) -> tuple[list[SignedRecord], bool]:
        """Who gets the search, and whether this node has providers of its own to answer with."""
        return self.targets(verified), self._hosts_providers()

    async def _delegate(self, verified: Verified) -> Nack | None:
        if self._local is not None:
            return await self._local(verified)
        return None

    async def _multicast(self, body: bytes, forward: Mapping[str, str], targets: list[SignedRecord]) -> None:
        signed = add_gateway_signature(body, forward, self._keys(), self._clock.now())

        async def one(record: SignedRecord) -> None:
            url = record.record.url.rstrip("/") + "/search"
            try:
                resp = await asyncio.wait_for(self._transport.send(url, body, signed), self._timeout)
                if resp.status == 200:
                    self.stats.forwarded += 1
                    return
                log.info("BPP %s refused the search: %s", record.record.subscriber_id, resp.status)
            except Exception as exc:  # noqa: BLE001 - a BPP that fails just gives no answer
                log.info("BPP %s unreachable: %s", record.record.subscriber_id, exc)
            self.stats.failed += 1

        await asyncio.gather(*(one(r) for r in targets))

    async def handle_on_search(self, verified: Verified) -> Nack | None:
        """The inbox handler for ``on_search``: relay a BPP's answer to the BAP that searched.

        The BPP's body and ``Authorization`` travel unchanged, with this gateway's
        ``X-Gateway-Authorization`` added (BECKN-006 steps 6-9); the BAP verifies both, so a
        gateway can drop an answer but cannot alter one. Answers to this node's own searches go
        to its own buyer inbox.
        """
        raw = _live_request(verified)
        if verified.context.bap_id == self._own or raw is None:
            return await self._local_on_search(verified) if self._local_on_search else None
        url = verified.context.bap_uri.rstrip("/") + "/on_search"
        task = asyncio.create_task(self._relay(raw[0], raw[1], url, verified.context.bpp_id or "?"))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return None

    async def _relay(self, body: bytes, forward: Mapping[str, str], url: str, bpp_id: str) -> None:
        signed = add_gateway_signature(body, forward, self._keys(), self._clock.now())
        try:
            resp = await asyncio.wait_for(self._transport.send(url, body, signed), self._timeout)
            if resp.status == 200:
                self.stats.relayed += 1
                return
            log.warning("BAP at %s refused the on_search from %s: %s", url, bpp_id, peer_error(resp.status, resp.body))
        except Exception as exc:  # noqa: BLE001 - a BAP that is gone just misses this answer
            log.info("BAP at %s unreachable for on_search from %s: %s", url, bpp_id, exc)
        self.stats.failed += 1

    async def drain(self) -> None:
        """Wait for multicasts in flight (tests, shutdown)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
