"""Ports of the pool kind: the pools this node organizes, their pledges and the close schedule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, Unpack

from duijie.services.ports import T, Ts, UnitOfWork

if TYPE_CHECKING:
    from duijie.domain.pools import Pledge, Pool, PoolState


@dataclass(frozen=True, slots=True)
class Member:
    """Where a pledge's buyer is told of the close: its node's ``bap_uri`` and its transaction."""

    pledge_id: str
    buyer_id: str
    buyer_uri: str
    transaction_id: str


@dataclass(frozen=True, slots=True)
class StoredPool:
    """A pool with the producer's endpoint, and after a close its outcome (plain JSON) and the
    batch order's state (``pending`` until the producer confirmed it, then ``confirmed``)."""

    pool: Pool
    producer_uri: str
    outcome: dict[str, Any] | None = None
    batch_state: str | None = None
    listed_under: str = ""  # the organizer's provider whose catalog lists the pool
    signed_offer: dict[str, Any] | None = None  # the producer's signed offer the pool embeds, if given
    signed_terms: dict[str, Any] | None = None  # the organizer's signed terms (duijie.pool/1)
    proposal: dict[str, Any] | None = None  # changed terms awaiting consent: {"terms_version", "signed_terms", ...}


class PoolRepository(Protocol):
    """Pools organized on this node and their pledges."""

    def add(self, pool: Pool, producer_uri: str, now: datetime, listed_under: str = "",
            signed_offer: dict[str, Any] | None = None, signed_terms: dict[str, Any] | None = None) -> None:
        """Insert a new pool with the organizer's signed terms (raises KeyError when its id is taken)."""
        ...

    def get(self, pool_id: str, *, for_update: bool = False) -> StoredPool | None:
        """The pool with its pledges; ``for_update`` locks its row until the unit of work ends
        (PostgreSQL; SQLite's writers are serialized anyway), so two pledges cannot both pass
        the maximum."""
        ...

    def get_for_pledge(self, pool_id: str, pledge_id: str | None) -> StoredPool | None:
        """The pool, its row locked, carrying only pledge ``pledge_id`` (none for a new pledge)
        and the others' sum as ``prior``: what a pledge, change or withdrawal needs, whatever the
        number of pledges."""
        ...

    def recent(self, states: tuple[PoolState, ...] = (), limit: int = 500) -> list[StoredPool]:
        """Newest first, optionally only in ``states``."""
        ...

    def save(self, pool: Pool, now: datetime) -> None:
        """Store a pool's state, terms and close time (its pledges are written one by one)."""
        ...

    def add_pledge(self, pool_id: str, pledge: Pledge, buyer_uri: str, transaction_id: str) -> None: ...

    def change_pledge(self, pledge: Pledge, now: datetime) -> None: ...

    def remove_pledge(self, pledge_id: str) -> None: ...

    def pledge_for_transaction(self, buyer_id: str, transaction_id: str) -> tuple[str, str] | None:
        """``(pool_id, pledge_id)`` of the pledge a buyer made in ``transaction_id``."""
        ...

    def owner_of(self, pledge_id: str) -> tuple[str, str] | None:
        """``(pool_id, buyer_id)`` of a pledge."""
        ...

    def members(self, pool_id: str) -> list[Member]: ...

    def due(self, now: datetime, limit: int = 100) -> list[str]:
        """Ids of open pools whose close time has come (the persisted close schedule)."""
        ...

    def claim(self, pool_id: str, now: datetime) -> bool:
        """OPEN -> CLOSING if still open and due, by one conditional UPDATE: True for the one
        closer that wins; every other (another process, a repeat) gets False."""
        ...

    def finish(self, pool_id: str, state: PoolState, outcome: dict[str, Any], batch_state: str | None,
               now: datetime) -> None:
        """Record a claimed pool's close."""
        ...

    def set_batch_state(self, pool_id: str, batch_state: str, now: datetime) -> None: ...

    def claim_batch(self, pool_id: str, now: datetime, stale_before: datetime) -> bool:
        """``pending`` (or a ``placing`` claimed before ``stale_before``: its placer died) ->
        ``placing`` by one conditional UPDATE: True for the one process that places the batch order."""
        ...

    def add_batch_order(self, order_id: str, organizer_id: str, organizer_uri: str, pool_id: str | None,
                        order: dict[str, Any], now: datetime) -> None:
        """The producer's side: keep a confirmed batch order (``order``: as confirmed, with its
        ``ref_order_ids``) in its inbox; the same order id again changes nothing."""
        ...

    def batch_orders(self, limit: int = 200) -> list[dict[str, Any]]:
        """The producer's inbox, newest first: each ``{"order_id", "organizer_id", "organizer_uri",
        "pool_id", "received_at", "order"}``."""
        ...

    def set_signed_terms(self, pool_id: str, signed_terms: dict[str, Any]) -> None:
        """Store the organizer's signed terms of the pool's current version."""
        ...

    def set_proposal(self, pool_id: str, proposal: dict[str, Any] | None) -> None:
        """Store (or, with None, drop) the change of terms awaiting consent; the answers to an
        earlier proposal are forgotten."""
        ...

    def record_consent(self, pool_id: str, terms_version: int, buyer_id: str, answer: str, now: datetime) -> None:
        """A pledger's answer (``accepted``/``declined``) to the proposal of ``terms_version``; the
        last answer counts."""
        ...

    def consents(self, pool_id: str, terms_version: int) -> dict[str, str]:
        """Buyer id -> answer, for the proposal of ``terms_version``."""
        ...


class PoolUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also holds the pools."""

    pools: PoolRepository

    def __enter__(self) -> PoolUnitOfWork: ...


class PoolUnitOfWorkFactory(Protocol):
    """Opens a :class:`PoolUnitOfWork`."""

    def __call__(self, *, read_only: bool = False) -> PoolUnitOfWork: ...

    async def run(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        """Run ``func(*args)``, a short unit of database work, where the store runs it best."""
        ...
