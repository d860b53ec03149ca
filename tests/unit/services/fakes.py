"""An in-memory unit of work (dict repositories), so a rule of the trade use cases is tested without
a database (the cosmicpython "fake UoW"). A unit of work that is left without ``commit`` puts
every repository back as it found it, as a rolled-back transaction would."""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar, TypeVarTuple, Unpack

from duijie.domain.listing import Listing
from duijie.domain.orders import Draft, Order, OrderState
from duijie.services.ports import (
    ListingSummary,
    OutboxMessage,
    OutboxOutcome,
    OutboxRepository,
    OutboxState,
    StoredListing,
)
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


class FakeOutbox:
    """The outbox port in a list: every method of ``OutboxRepository``, no SQL."""

    def __init__(self) -> None:
        self.rows: list[OutboxMessage] = []

    def add(self, url: str, action: str, body: bytes, now: datetime, expires_at: datetime) -> int:
        self.rows.append(OutboxMessage(len(self.rows) + 1, url, action, body, OutboxState.PENDING, 0, now,
                                       expires_at, None))
        return len(self.rows)

    def due(self, now: datetime, limit: int, exclude: Collection[int] = ()) -> list[OutboxMessage]:
        due = [m for m in self.rows if m.state is OutboxState.PENDING and m.next_attempt_at <= now
               and m.id not in exclude]
        return due[:limit]

    def mark(self, message_id: int, state: OutboxState, *, attempts: int, next_attempt_at: datetime,
             error: str | None) -> None:
        self.mark_many([(message_id, state, attempts, next_attempt_at, error)])

    def mark_many(self, outcomes: Sequence[OutboxOutcome]) -> None:
        for message_id, state, attempts, next_at, error in outcomes:
            self.rows[message_id - 1] = replace(self.rows[message_id - 1], state=state, attempts=attempts,
                                                next_attempt_at=next_at, last_error=error)

    def get(self, message_id: int) -> OutboxMessage | None:
        return self.rows[message_id - 1] if 0 < message_id <= len(self.rows) else None

    def count_unsent(self) -> dict[str, int]:
        unsent = (OutboxState.PENDING, OutboxState.REFUSED, OutboxState.EXPIRED)
        return {state.value: sum(m.state is state for m in self.rows) for state in unsent}

    def prune_finished(self, before: datetime, limit: int) -> int:
        return 0  # ids are list positions here: finished messages stay, which no test of a rule minds


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

    def __call__(self, *, read_only: bool = False, wait: bool = True) -> FakeUnitOfWork:
        return self.uow

    async def run(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        return func(*args)

    async def run_without_waiting(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        return func(*args)


_OUTBOX_IS_THE_PORT: OutboxRepository = FakeOutbox()  # mypy checks the fake against the port
