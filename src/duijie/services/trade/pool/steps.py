"""The pool rules applied inside a caller's unit of work: take, change and withdraw a pledge,
answer proposed terms and apply them once agreed. The organizer's service
(:class:`~duijie.services.trade.pool.pools.PoolService`) and the Beckn kind
(:class:`~duijie.services.trade.pool.kind.PoolKind`) both run them, so a pledge made on this node
and one made over Beckn obey the same rules in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from duijie.domain.pools import Pledge, Pool, PoolError, PoolRule, PoolState
from duijie.interchange.pool_json import terms_in
from duijie.services.trade.pool.ports import Member, PoolUnitOfWork, StoredPool

ACCEPTED = "accepted"
DECLINED = "declined"


class TermsNotices(Protocol):
    """Queues, in the unit of work that proposes or applies a change of terms, a signed word to
    each member (the Beckn glue: :class:`~duijie.services.trade.pool.notices.PoolNotices`)."""

    def proposed(self, uow: PoolUnitOfWork, pool: Pool, members: list[Member], proposal: dict[str, Any]) -> None: ...

    def amended(self, uow: PoolUnitOfWork, pool: Pool, members: list[Member], signed_terms: dict[str, Any]) -> None:
        ...


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


def withdraw_in(uow: PoolUnitOfWork, pool_id: str, pledge_id: str, buyer_id: str, now: datetime,
                notices: TermsNotices | None = None) -> Pool:
    """Withdraw a pledge: only its own buyer, only while the pool is open. A pending change of
    terms that every remaining pledger has accepted then takes effect (a decliner may leave)."""
    stored = load_for_pledge(uow, pool_id, pledge_id)
    pool = stored.pool.withdraw(pledge_id, buyer_id, now)
    uow.pools.remove_pledge(pledge_id)
    uow.pools.save(pool, now)
    if stored.proposal is not None:
        return apply_if_agreed(uow, load(uow, pool_id), now, notices) or pool
    return pool


def apply_if_agreed(uow: PoolUnitOfWork, stored: StoredPool, now: datetime,
                    notices: TermsNotices | None = None) -> Pool | None:
    """Rule: the pending change of terms takes effect once every pledger has accepted it; the
    pool then carries the signed terms made when it was proposed. None while some have not."""
    proposal = stored.proposal
    if proposal is None:
        return None
    version = int(proposal["terms_version"])
    accepted = frozenset(b for b, a in uow.pools.consents(stored.pool.id, version).items() if a == ACCEPTED)
    if not stored.pool.consented(accepted):
        return None
    pool = stored.pool.amend(terms_in(proposal["terms"], "$.proposal.terms"), accepted, now)
    uow.pools.save(pool, now)
    signed = proposal.get("signed_terms")
    if signed is not None:
        uow.pools.set_signed_terms(pool.id, signed)
    uow.pools.set_proposal(pool.id, None)
    if notices is not None and signed is not None:
        notices.amended(uow, pool, uow.pools.members(pool.id), signed)
    return pool


def consent_in(uow: PoolUnitOfWork, pool_id: str, buyer_id: str, terms_version: int, accept: bool, now: datetime,
               notices: TermsNotices | None = None) -> tuple[Pool, bool]:
    """A pledger's answer to the proposed terms of ``terms_version``: ``(pool, applied)``. Only a
    pledger answers, only while the pool is open, only to the pending proposal."""
    stored = load(uow, pool_id, for_update=True)
    pool = stored.pool
    if pool.state is not PoolState.OPEN:
        raise PoolError(PoolRule.POOL_CLOSED, f"pool {pool_id} is closed ({pool.state.value})")
    if buyer_id not in pool.pledgers:
        raise PoolError(PoolRule.NOT_THE_PLEDGER, f"you hold no pledge in pool {pool_id}")
    if stored.proposal is None or int(stored.proposal["terms_version"]) != terms_version:
        raise PoolError(PoolRule.NO_PROPOSAL, f"pool {pool_id} has no proposed terms version {terms_version}")
    uow.pools.record_consent(pool_id, terms_version, buyer_id, ACCEPTED if accept else DECLINED, now)
    applied = apply_if_agreed(uow, stored, now, notices) if accept else None
    return (applied or pool), applied is not None
