"""The organizer's use cases: open a pool, take pledges, change and withdraw them, cancel.

Each runs in one unit of work (nothing half-written on a refusal); the pool's row is read for
update, so on PostgreSQL two pledges from two processes cannot both pass the maximum. Closing is
:mod:`duijie.services.trade.pool.closing`'s.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from duijie.domain.pools import Pledge, Pool, PoolError, PoolRule, PoolState, PoolTerms
from duijie.services.ports import Clock
from duijie.services.trade.offer_listing import TrustedKeys, verified_offer
from duijie.services.trade.pool.ports import Member, PoolUnitOfWork, PoolUnitOfWorkFactory, StoredPool

Release = Callable[[PoolUnitOfWork, Pool, list[Member]], None]
"""Queues, in the unit of work that cancels a pool, a signed word to each member (the Beckn glue)."""


class PoolNotFound(PoolError):
    """No pool by that id on this node."""

    def __init__(self, pool_id: str) -> None:
        super().__init__(PoolRule.POOL_NOT_FOUND, f"no pool {pool_id!r} on this node")
        self.pool_id = pool_id


def new_pool_id() -> str:
    """A fresh pool id: ``pool-`` and 12 hex digits."""
    return f"pool-{uuid.uuid4().hex[:12]}"


def new_pledge_id() -> str:
    """A fresh pledge id: ``PL-`` and 16 hex digits."""
    return f"PL-{uuid.uuid4().hex[:16]}"


@dataclass(frozen=True, slots=True)
class PledgeRequest:
    """A buyer's pledge, as its node made it: who (authenticated), where to answer, which transaction."""

    buyer_id: str
    buyer_uri: str
    transaction_id: str
    quantity: Decimal


def load(uow: PoolUnitOfWork, pool_id: str, *, for_update: bool = False) -> StoredPool:
    """The stored pool, or :class:`PoolNotFound`."""
    stored = uow.pools.get(pool_id, for_update=for_update)
    if stored is None:
        raise PoolNotFound(pool_id)
    return stored


def load_for_pledge(uow: PoolUnitOfWork, pool_id: str, pledge_id: str | None) -> StoredPool:
    """The pool read for one pledge's sake (see :meth:`PoolRepository.get_for_pledge`)."""
    stored = uow.pools.get_for_pledge(pool_id, pledge_id)
    if stored is None:
        raise PoolNotFound(pool_id)
    return stored


def pledge_in(uow: PoolUnitOfWork, pool_id: str, request: PledgeRequest, now: datetime,
              new_id: Callable[[], str] = new_pledge_id) -> tuple[Pool, Pledge]:
    """Take a pledge (in the caller's unit of work). A retried confirm of the same buyer and
    transaction gets the pledge it already made, not a second one."""
    known = uow.pools.pledge_for_transaction(request.buyer_id, request.transaction_id)
    stored = load_for_pledge(uow, known[0] if known else pool_id, known[1] if known else None)
    if known is not None:
        return stored.pool, stored.pool.pledges[0]
    pool = stored.pool.pledge(new_id(), request.buyer_id, request.quantity, now)
    pledge = pool.pledges[-1]
    uow.pools.add_pledge(pool.id, pledge, request.buyer_uri, request.transaction_id)
    uow.pools.save(pool, now)  # its close time moves to now when the maximum is reached
    return pool, pledge


def change_in(uow: PoolUnitOfWork, pool_id: str, pledge_id: str, buyer_id: str, quantity: Decimal,
              now: datetime) -> Pool:
    """Change a pledge's quantity: only its own buyer, only while the pool is open."""
    pool = load_for_pledge(uow, pool_id, pledge_id).pool.change(pledge_id, buyer_id, quantity, now)
    uow.pools.change_pledge(next(p for p in pool.pledges if p.id == pledge_id), now)
    uow.pools.save(pool, now)
    return pool


def withdraw_in(uow: PoolUnitOfWork, pool_id: str, pledge_id: str, buyer_id: str, now: datetime) -> Pool:
    """Withdraw a pledge: only its own buyer, only while the pool is open."""
    pool = load_for_pledge(uow, pool_id, pledge_id).pool.withdraw(pledge_id, buyer_id, now)
    uow.pools.remove_pledge(pledge_id)
    uow.pools.save(pool, now)
    return pool


class PoolService:
    """The organizer's side, for the CLI and JSON API (and the Beckn kind, through the ``*_in`` functions)."""

    def __init__(self, uow: PoolUnitOfWorkFactory, clock: Clock, organizer_id: str,
                 release: Release | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self.organizer_id = organizer_id
        self.release = release

    def _open(self, terms: PoolTerms, producer_uri: str, pool_id: str | None, listed_under: str | None,
              signed_offer: dict[str, Any] | None) -> Pool:
        now = self._clock.now()
        with self._uow() as uow:
            if signed_offer is not None:
                # Rule: a pool embeds the producer's signed offer only when it verifies back to the
                # producer with a key this node trusts; its tiers and minimum are then the pool's.
                offer = verified_offer(signed_offer, terms.producer_id, [TrustedKeys(uow.known_keys, now)])
                terms = replace(terms, offer=offer)
            pool = Pool.open(pool_id or new_pool_id(), self.organizer_id, terms, now)
            if listed_under is None:  # the node's only provider lists it
                summaries = uow.listings.summaries()
                listed_under = summaries[0].provider_id if len(summaries) == 1 else ""
            if not listed_under or uow.listings.get(listed_under) is None:
                raise PoolError(PoolRule.INVALID_TERMS, "name a provider hosted on this node to list the pool under "
                                f"(got {listed_under!r})")
            try:
                uow.pools.add(pool, producer_uri, now, listed_under, signed_offer)
            except KeyError:
                raise PoolError(PoolRule.INVALID_TERMS, f"a pool {pool.id!r} already exists") from None
            uow.commit()
        return pool

    async def open(self, terms: PoolTerms, producer_uri: str, pool_id: str | None = None,
                   listed_under: str | None = None, signed_offer: dict[str, Any] | None = None) -> Pool:
        """Open a pool on sound terms (refused naming the rule otherwise), listed in the catalog of
        ``listed_under``, a provider this node hosts (default: its only one). With the producer's
        ``signed_offer`` (``duijie.offer/1``) the pool embeds it, and is refused (``offer_not_verified``)
        unless it verifies back to the producer."""
        return await self._uow.run(self._open, terms, producer_uri, pool_id, listed_under, signed_offer)

    def _get(self, pool_id: str) -> StoredPool:
        with self._uow(read_only=True) as uow:
            return load(uow, pool_id)

    async def get(self, pool_id: str) -> StoredPool:
        """One pool with its pledges (:class:`PoolNotFound` when unknown)."""
        return await self._uow.run(self._get, pool_id)

    def _list(self, states: tuple[PoolState, ...]) -> list[StoredPool]:
        with self._uow(read_only=True) as uow:
            return uow.pools.recent(states)

    async def list(self, states: tuple[PoolState, ...] = ()) -> list[StoredPool]:
        """Pools organized here, newest first."""
        return await self._uow.run(self._list, states)

    def _pledge(self, pool_id: str, request: PledgeRequest) -> tuple[Pool, Pledge]:
        with self._uow() as uow:
            out = pledge_in(uow, pool_id, request, self._clock.now())
            uow.commit()
            return out

    async def pledge(self, pool_id: str, request: PledgeRequest) -> tuple[Pool, Pledge]:
        """Take a pledge made on this node (or relayed by the Beckn kind)."""
        return await self._uow.run(self._pledge, pool_id, request)

    def _withdraw(self, pool_id: str, pledge_id: str, buyer_id: str) -> Pool:
        with self._uow() as uow:
            pool = withdraw_in(uow, pool_id, pledge_id, buyer_id, self._clock.now())
            uow.commit()
            return pool

    async def withdraw(self, pool_id: str, pledge_id: str, buyer_id: str) -> Pool:
        """Withdraw a pledge made on this node."""
        return await self._uow.run(self._withdraw, pool_id, pledge_id, buyer_id)

    def _amend(self, pool_id: str, terms: PoolTerms, consents: frozenset[str]) -> Pool:
        now = self._clock.now()
        with self._uow() as uow:
            pool = load(uow, pool_id, for_update=True).pool.amend(terms, consents, now)
            uow.pools.save(pool, now)
            uow.commit()
            return pool

    async def amend(self, pool_id: str, terms: PoolTerms, consents: frozenset[str] = frozenset()) -> Pool:
        """Change the terms: refused after the first pledge unless every pledger consented."""
        return await self._uow.run(self._amend, pool_id, terms, consents)

    def _cancel(self, pool_id: str) -> Pool:
        now = self._clock.now()
        with self._uow() as uow:
            pool = load(uow, pool_id, for_update=True).pool.cancel()
            uow.pools.save(pool, now)
            if self.release is not None:
                self.release(uow, pool, uow.pools.members(pool_id))
            uow.commit()
            return pool

    async def cancel(self, pool_id: str) -> Pool:
        """Cancel an open pool: every pledge is released (and each buyer told, over Beckn)."""
        return await self._uow.run(self._cancel, pool_id)
