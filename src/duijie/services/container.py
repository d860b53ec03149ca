"""The use cases a node offers, handed as one object to the entry points."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from duijie.services.beckn_inbox import BecknInbox
from duijie.services.outbox import OutboxSender
from duijie.services.ports import Clock
from duijie.services.registry import LookupService
from duijie.services.trade.catalog import CatalogService

if TYPE_CHECKING:  # only named here: each is imported where its feature is wired (bootstrap)
    from duijie.services.accounts import AccountService
    from duijie.services.buyer import BuyerService
    from duijie.services.held_listings import HeldListings
    from duijie.services.index import LocalIndex
    from duijie.services.live_search import LiveSearch
    from duijie.services.named_places import NamedPlaces
    from duijie.services.peer_exchange import PeerExchange
    from duijie.services.trade.jobs.desk import ApplicationDesk
    from duijie.services.trade.merchant import MerchantService
    from duijie.services.trade.offer_listing import SignedOffers
    from duijie.services.trade.offer_lookup import OfferLookup
    from duijie.services.trade.pool.closing import PoolCloser
    from duijie.services.trade.pool.pools import PoolService
    from duijie.services.trade.reservation.guest import RoomAvailability
    from duijie.services.trade.reservation.merchant import ReservationServices
    from duijie.services.trade.seller import SellerService


log = logging.getLogger(__name__)


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
    # Filled by the features that own them (see bootstrap); None where the node's roles leave them out.
    merchant: MerchantService | None = None
    applications: ApplicationDesk | None = None  # the employer's job applications
    pools: PoolService | None = None  # the 云拼 pools this node organizes
    pool_closer: PoolCloser | None = None  # closes due pools once
    signed_offers: SignedOffers | None = None  # the producer's signed offers
    offer_lookup: OfferLookup | None = None  # one offer for a page, judged with trusted keys
    reservations: ReservationServices | None = None  # bookings, availability, calendars
    seller: SellerService | None = None
    buyer: BuyerService | None = None
    room_availability: RoomAvailability | None = None  # free slots of other nodes' rooms, asked of them
    discovery: PeerExchange | None = None
    search: LocalIndex | None = None
    live_search: LiveSearch | None = None  # the network asked now, merged with ``search``
    accounts: AccountService | None = None  # who signs in to the merchant pages
    held: HeldListings | None = None  # the peers' signed catalogs as listings (the diner's provider pages)
    places: NamedPlaces | None = None  # places the held catalogs name (a search near "Rockville")
    background: list[Callable[[], Coroutine[object, object, None]]] = field(default_factory=list)
    shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


JOB_STOP_SECONDS = 5.0
"""How long a cancelled background job may take to end before it is named and cancelled again."""
HOOK_SECONDS = 40.0
"""How long one shutdown hook may take (a final WAL checkpoint may wait SQLite's 30 s busy timeout)."""


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel the jobs and wait for them: a job still running after :data:`JOB_STOP_SECONDS` is
    named in the log and cancelled again, and after a second wait left behind, so a stuck job
    can never hold up a node's shutdown for ever.

    ``asyncio.wait``, not ``suppress(CancelledError): await task``: that would also swallow a
    cancellation of the task running this, which would then carry on as if it had not been told.
    """
    pending = set(tasks)
    for attempt in (1, 2):
        if not pending:
            return
        for task in pending:
            task.cancel()
        _done, pending = await asyncio.wait(pending, timeout=JOB_STOP_SECONDS)
        for task in pending:
            log.warning("background job %s still running %.0f s after cancel %d: %s", task.get_name(),
                        JOB_STOP_SECONDS, attempt, "".join(_where(task)))
    if pending:
        log.error("left %d background job(s) running at shutdown", len(pending))


def _where(task: asyncio.Task[None]) -> list[str]:
    """Where a task waits (its innermost frames), for the log."""
    frames = task.get_stack(limit=8)
    return [f"{f.f_code.co_filename}:{f.f_lineno} {f.f_code.co_name}; " for f in frames]


@contextlib.asynccontextmanager
async def running(services: Services) -> AsyncIterator[list[asyncio.Task[None]]]:
    """Run the node's background jobs for the life of the block (the HTTP server's, or the back
    office's); then stop them and run the shutdown hooks; a failure or a hang of either is logged, never
    raised, and never holds up the rest."""
    tasks = [asyncio.create_task(job(), name=getattr(job, "__name__", "job")) for job in services.background]
    try:
        yield tasks
    finally:
        await _stop(tasks)
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                log.warning("background job %s ended with %r", task.get_name(), task.exception())
        for close in services.shutdown:
            try:
                await asyncio.wait_for(close(), HOOK_SECONDS)
            except TimeoutError:
                log.error("shutdown hook %s did not end within %.0f s", getattr(close, "__name__", close),
                          HOOK_SECONDS)
            except Exception:  # noqa: BLE001 - one failed hook must not keep the others from running
                log.exception("shutdown hook %s failed", getattr(close, "__name__", close))
