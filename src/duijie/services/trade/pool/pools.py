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
from typing import Any, Protocol

from duijie.domain.pools import Pledge, Pool, PoolError, PoolRule, PoolState, PoolTerms
from duijie.interchange.pool_json import terms_in, terms_out
from duijie.protocol.context import format_timestamp
from duijie.protocol.pool_terms import TermsCheck
from duijie.protocol.receipts import StaticKeySource
from duijie.services.errors import NotFound
from duijie.services.ports import Clock, Signer
from duijie.services.trade.offer_listing import TrustedKeys, verified_offer
from duijie.services.trade.pool.answers import Answer, PledgerBuyer, answer_proposal
from duijie.services.trade.pool.buying import PoolPledge
from duijie.services.trade.pool.offer_source import OfferUnreachable, SignedOfferSource
from duijie.services.trade.pool.ports import Member, PoolUnitOfWork, PoolUnitOfWorkFactory, StoredPool
from duijie.services.trade.pool.terms import TermsSigner, verified_terms

Release = Callable[[PoolUnitOfWork, Pool, list[Member]], None]
"""Queues, in the unit of work that cancels a pool, a signed word to each member (the Beckn glue)."""

BatchRows = list[dict[str, Any]]
"""The producer's batch orders as :meth:`PoolRepository.batch_orders` reads them."""

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


class PoolService:
    """The organizer's side, for the CLI and JSON API (and the Beckn kind, through the ``*_in``
    functions); and, with ``pledger`` (the node's buyer role), a pledger's answers to proposed terms."""

    def __init__(self, uow: PoolUnitOfWorkFactory, clock: Clock, organizer_id: str,
                 release: Release | None = None, signer: Signer | None = None,
                 notices: TermsNotices | None = None, pledger: PledgerBuyer | None = None,
                 offers: SignedOfferSource | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self.organizer_id = organizer_id
        self.release = release
        # Without a signer (unit tests of the rules) pools carry no signed terms.
        self._terms = TermsSigner(signer) if signer is not None else None
        self._signer = signer
        self.notices = notices
        self.pledger = pledger  # this node's buyer role: its pledges' answers to proposed terms
        self.offers = offers  # where producers' signed offers are fetched from (their nodes)

    def _own_key(self, now: datetime) -> list[StaticKeySource]:
        """This node's current key, for an offer it signed itself (a co-op both producer and
        organizer): its own key is in no key table. The signer shows its public key only with a
        signature, so one is made over a fixed label."""
        if self._signer is None:
            return []
        sig = self._signer.sign_detached(b"duijie: own key", now)
        own = {(sig.subscriber_id, sig.unique_key_id): sig.signing_public_key}
        return [StaticKeySource("this node's own key", own)]

    def _sign(self, uow: PoolUnitOfWork, pool: Pool, signed_offer: dict[str, Any] | None, now: datetime) -> None:
        if self._terms is not None:
            uow.pools.set_signed_terms(pool.id, self._terms.sign(pool, signed_offer, now))

    def _open(self, terms: PoolTerms, producer_uri: str, pool_id: str | None, listed_under: str | None,
              signed_offer: dict[str, Any] | None) -> Pool:
        now = self._clock.now()
        with self._uow() as uow:
            if signed_offer is not None:
                # Rule: a pool embeds the producer's signed offer only when it verifies back to the
                # producer with a key this node trusts; its tiers and minimum are then the pool's.
                offer = verified_offer(signed_offer, terms.producer_id, [TrustedKeys(uow.known_keys, now),
                                                                         *self._own_key(now)])
                terms = replace(terms, offer=offer)
            pool = Pool.open(pool_id or new_pool_id(), self.organizer_id, terms, now)
            if listed_under is None:  # the node's only provider lists it
                summaries = uow.listings.summaries()
                listed_under = summaries[0].provider_id if len(summaries) == 1 else ""
            if not listed_under or uow.listings.get(listed_under) is None:
                raise PoolError(PoolRule.INVALID_TERMS, "name a provider hosted on this node to list the pool under "
                                f"(got {listed_under!r})")
            signed = self._terms.sign(pool, signed_offer, now) if self._terms is not None else None
            try:
                uow.pools.add(pool, producer_uri, now, listed_under, signed_offer, signed)
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

    async def open_with_producer_offer(self, terms: PoolTerms, producer_uri: str, provider_id: str, offer_id: str,
                                       listed_under: str | None = None) -> Pool:
        """:meth:`open`, embedding the producer's signed offer fetched from its node (what ``pool
        open --signed`` does): :class:`OfferUnreachable` or :class:`OfferNotSigned` when it cannot
        be had, ``offer_not_verified`` when it does not verify back to the producer; nothing is
        opened then."""
        if self.offers is None:
            raise OfferUnreachable("this node fetches no signed offers from producers")
        signed = await self.offers.signed_offer(producer_uri, provider_id, offer_id)
        return await self.open(terms, producer_uri, listed_under=listed_under, signed_offer=signed)

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
            stored = load(uow, pool_id, for_update=True)
            pool = stored.pool.amend(terms, consents, now)
            uow.pools.save(pool, now)
            self._sign(uow, pool, stored.signed_offer, now)
            uow.commit()
            return pool

    async def amend(self, pool_id: str, terms: PoolTerms, consents: frozenset[str] = frozenset()) -> Pool:
        """Change the terms: refused after the first pledge unless every pledger consented."""
        return await self._uow.run(self._amend, pool_id, terms, consents)

    def _propose(self, pool_id: str, terms: PoolTerms) -> StoredPool:
        now = self._clock.now()
        with self._uow() as uow:
            stored = load(uow, pool_id, for_update=True)
            pool = stored.pool
            pool.amend(terms, pool.pledgers, now)  # the rules of a change (open, sound, holds the pledges)
            if not pool.pledges:  # nobody to ask: the change takes effect now
                amended = pool.amend(terms, frozenset(), now)
                uow.pools.save(amended, now)
                self._sign(uow, amended, stored.signed_offer, now)
            else:
                version = pool.terms_version + 1
                proposal: dict[str, Any] = {"terms_version": version, "terms": terms_out(terms),
                                            "proposed_at": format_timestamp(now)}
                if self._terms is not None:
                    proposal["signed_terms"] = self._terms.sign(pool, stored.signed_offer, now, terms, version)
                uow.pools.set_proposal(pool_id, proposal)
                if self.notices is not None:
                    self.notices.proposed(uow, pool, uow.pools.members(pool_id), proposal)
            out = load(uow, pool_id)
            uow.commit()
            return out

    async def propose(self, pool_id: str, terms: PoolTerms) -> StoredPool:
        """Change the terms (tiers, minimum, maximum, deadline, pickup points). Before the first
        pledge it takes effect at once; after it, it becomes a proposal that each pledger is told
        of (signed) and takes effect only when every pledger has accepted it over Beckn
        (:func:`consent_in`). A new proposal replaces a pending one. Refused, naming the rule,
        when the pool is closed or the new terms are unsound or below what is pledged."""
        return await self._uow.run(self._propose, pool_id, terms)

    def _consent(self, pool_id: str, buyer_id: str, terms_version: int, accept: bool) -> tuple[Pool, bool]:
        with self._uow() as uow:
            out = consent_in(uow, pool_id, buyer_id, terms_version, accept, self._clock.now(), self.notices)
            uow.commit()
            return out

    async def consent(self, pool_id: str, buyer_id: str, terms_version: int, accept: bool) -> tuple[Pool, bool]:
        """A pledger's answer to a proposal, taken on this node (the Beckn kind calls :func:`consent_in`)."""
        return await self._uow.run(self._consent, pool_id, buyer_id, terms_version, accept)

    def _verify_terms(self, doc: Any, pool_id: str, organizer_id: str | None) -> TermsCheck:
        now = self._clock.now()
        with self._uow(read_only=True) as uow:
            return verified_terms(doc, pool_id, [TrustedKeys(uow.known_keys, now)], organizer_id)

    def verify_terms(self, doc: Any, pool_id: str, organizer_id: str | None = None) -> TermsCheck:
        """A pledger's check of a pool's signed terms with the keys this node trusts (see
        :func:`~duijie.services.trade.pool.terms.verified_terms`); raises ``terms_not_verified``."""
        return self._verify_terms(doc, pool_id, organizer_id)

    def pledge_kind(self) -> PoolPledge:
        """The buyer kind of a pledge from this node, checking each pool's signed terms with the
        keys this node trusts and that the node answering is the pool's organizer."""
        return PoolPledge(self.verify_terms)

    async def answer_proposal(self, order_id: str, accept: bool) -> Answer:
        """The pledger's side of re-consent: accept or decline the proposed terms pending on this
        node's pledge ``order_id`` (see :func:`~duijie.services.trade.pool.answers.answer_proposal`:
        refused ``no_proposal`` or ``terms_not_verified``; the organizer may refuse it too)."""
        if self.pledger is None:
            raise NotFound("this node does not run the buyer role")
        return await answer_proposal(self.pledger, self.verify_terms, order_id, accept)

    def _batch_orders(self, limit: int) -> BatchRows:
        with self._uow(read_only=True) as uow:
            return uow.pools.batch_orders(limit)

    async def batch_orders(self, limit: int = 200) -> BatchRows:
        """The producer's side: the batch orders organizers confirmed for its offers, newest first,
        each with its member pledges (``order.ref_order_ids``) and pool."""
        return await self._uow.run(self._batch_orders, limit)

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
