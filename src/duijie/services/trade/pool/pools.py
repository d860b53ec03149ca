"""The organizer's use cases: open a pool, take pledges, change and withdraw them, cancel.

Each runs in one unit of work (nothing half-written on a refusal; the rules inside one are
:mod:`duijie.services.trade.pool.steps`'); the pool's row is read for update, so on PostgreSQL
two pledges from two processes cannot both pass the maximum. Closing is
:mod:`duijie.services.trade.pool.closing`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from duijie.domain.pools import Pledge, Pool, PoolError, PoolRule, PoolState, PoolTerms
from duijie.interchange.pool_json import terms_out
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
from duijie.services.trade.pool.steps import (
    PledgeRequest,
    TermsNotices,
    consent_in,
    load,
    new_pool_id,
    pledge_in,
    withdraw_in,
)
from duijie.services.trade.pool.terms import TermsSigner, verified_terms

Release = Callable[[PoolUnitOfWork, Pool, list[Member]], None]
"""Queues, in the unit of work that cancels a pool, a signed word to each member (the Beckn glue)."""

BatchRows = list[dict[str, Any]]
"""The producer's batch orders as :meth:`PoolRepository.batch_orders` reads them."""


class PoolService:
    """The organizer's side, for the CLI and JSON API (the Beckn kind runs the same steps); and,
    with ``pledger`` (the node's buyer role), a pledger's answers to proposed terms."""

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
        (:func:`~duijie.services.trade.pool.steps.consent_in`). A new proposal replaces a pending
        one. Refused, naming the rule, when the pool is closed or the new terms are unsound or
        below what is pledged."""
        return await self._uow.run(self._propose, pool_id, terms)

    def _consent(self, pool_id: str, buyer_id: str, terms_version: int, accept: bool) -> tuple[Pool, bool]:
        with self._uow() as uow:
            out = consent_in(uow, pool_id, buyer_id, terms_version, accept, self._clock.now(), self.notices)
            uow.commit()
            return out

    async def consent(self, pool_id: str, buyer_id: str, terms_version: int, accept: bool) -> tuple[Pool, bool]:
        """A pledger's answer to a proposal, taken on this node (the Beckn kind runs the same step,
        :func:`~duijie.services.trade.pool.steps.consent_in`)."""
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
