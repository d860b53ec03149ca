"""The use cases a node offers, handed as one object to the entry points."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from duijie.services.beckn_inbox import BecknInbox
from duijie.services.outbox import OutboxSender
from duijie.services.ports import Clock
from duijie.services.registry import LookupService
from duijie.services.trade.catalog import CatalogService


@dataclass
class NodeIdentity:
    """Public facts about this node that responses and headers need."""

    subscriber_id: str
    subscriber_url: str


@dataclass
class Services:
    """Everything the api and cli layers may call; built by ``duijie.bootstrap``."""

    identity: NodeIdentity
    clock: Clock
    catalog: CatalogService
    admin_token_check: Callable[[str], bool]
    beckn: BecknInbox | None = None
    registry: LookupService | None = None
    outbox: OutboxSender | None = None  # its counts go to /healthz
    peer_rate: float = 50.0  # requests per second one client may make to the discovery routes (Settings)
    # Filled by the features that own them (see bootstrap): typed there.
    merchant: Any = None
    applications: Any = None  # services.trade.jobs.desk.ApplicationDesk: the employer's job applications
    pools: Any = None  # services.trade.pool.pools.PoolService: the 云拼 pools this node organizes
    pool_closer: Any = None  # services.trade.pool.closing.PoolCloser: closes due pools once
    # services.trade.reservation.merchant.ReservationServices: bookings, availability, calendars
    reservations: Any = None
    seller: Any = None
    buyer: Any = None
    discovery: Any = None
    search: Any = None
    live_search: Any = None  # services.live_search.LiveSearch: the network asked now, merged with `search`
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


@contextlib.asynccontextmanager
async def running(services: Services) -> AsyncIterator[list[asyncio.Task[None]]]:
    """Run the node's background jobs for the life of the block (the HTTP server's, or the back
    office's); then cancel them and run the shutdown hooks, each failure swallowed."""
    tasks = [asyncio.create_task(job(), name=getattr(job, "__name__", "job")) for job in services.background]
    try:
        yield tasks
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for close in services.shutdown:
            with contextlib.suppress(Exception):
                await close()
