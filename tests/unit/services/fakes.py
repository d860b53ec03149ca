"""An in-memory unit of work (dict repositories), so a rule of the trade use cases is tested without
a database (the cosmicpython "fake UoW"). A unit of work that is left without ``commit`` puts
every repository back as it found it, as a rolled-back transaction would."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar, TypeVarTuple, Unpack

from duijie.domain.listing import Listing
from duijie.domain.orders import Draft, Order, OrderState
from duijie.services.ports import ListingSummary, StoredListing
from duijie.services.trade.food.ports import StoredOrder

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class FakeListings:
    def __init__(self, *listings: Listing) -> None:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        self.rows = {li.id: StoredListing(li, 1, f"d-{li.id}", "{}", now) for li in listings}

    def get(self, provider_id: str) -> StoredListing | None:
        return self.rows.get(provider_id)

    def summaries(self) -> list[ListingSummary]:
        return [ListingSummary(s.listing.id, s.version, s.digest, s.updated_at) for s in self.rows.values()]


class FakeOrders:
    def __init__(self) -> None:
        self.rows: dict[str, StoredOrder] = {}

    def add(self, order: Order, bap_uri: str, context: dict[str, Any]) -> bool:
        if self.for_transaction(order.bap_id, order.transaction_id) is not None:
            return False
        self.rows[order.id] = StoredOrder(order, bap_uri, context)
        return True

    def save(self, order: Order) -> None:
        current = self.rows[order.id]
        self.rows[order.id] = StoredOrder(order, current.bap_uri, current.context)

    def get(self, order_id: str) -> StoredOrder | None:
        return self.rows.get(order_id)

    def for_transaction(self, bap_id: str, transaction_id: str) -> StoredOrder | None:
        return next((s for s in self.rows.values()
                     if (s.order.bap_id, s.order.transaction_id) == (bap_id, transaction_id)), None)

    def list(self, state: OrderState | None = None, limit: int = 500) -> list[StoredOrder]:
        return [s for s in self.rows.values() if state is None or s.order.state is state][:limit]


class FakeDrafts:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Draft] = {}

    def get(self, bap_id: str, transaction_id: str) -> Draft | None:
        return self.rows.get((bap_id, transaction_id))

    def put(self, bap_id: str, transaction_id: str, draft: Draft, now: datetime) -> None:
        self.rows[(bap_id, transaction_id)] = draft

    def delete(self, bap_id: str, transaction_id: str) -> None:
        self.rows.pop((bap_id, transaction_id), None)


@dataclass
class Queued:
    url: str
    action: str
    body: bytes


class FakeOutbox:
    def __init__(self) -> None:
        self.rows: list[Queued] = []

    def add(self, url: str, action: str, body: bytes, now: datetime, expires_at: datetime) -> int:
        self.rows.append(Queued(url, action, body))
        return len(self.rows)


class FakeKnownKeys:
    def url_of(self, subscriber_id: str) -> str | None:
        return None


@dataclass
class FakeUnitOfWork:
    """The repositories the seller side uses, as dicts; ``commits`` counts committed units."""

    listings: FakeListings
    orders: FakeOrders = field(default_factory=FakeOrders)
    drafts: FakeDrafts = field(default_factory=FakeDrafts)
    outbox: FakeOutbox = field(default_factory=FakeOutbox)
    known_keys: FakeKnownKeys = field(default_factory=FakeKnownKeys)
    commits: int = 0
    _saved: dict[str, Any] | None = None
    _committed: bool = False

    _STATE = ("orders", "drafts", "outbox")  # what a rollback puts back

    def __enter__(self) -> FakeUnitOfWork:
        self._saved = {name: copy.copy(getattr(self, name).rows) for name in self._STATE}
        self._committed = False
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if not self._committed:
            self.rollback()

    def commit(self) -> None:
        self._committed = True
        self.commits += 1

    def rollback(self) -> None:
        if self._saved is not None:
            for name, rows in self._saved.items():
                getattr(self, name).rows = copy.copy(rows)


class FakeUnitOfWorkFactory:
    """Hands out the one :class:`FakeUnitOfWork`; ``run`` runs the work at once."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, *, read_only: bool = False, nowait: bool = False) -> FakeUnitOfWork:
        return self.uow

    async def run(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        return func(*args)

    async def run_nowait(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        return func(*args)
