"""The pool as a kind of trade on the organizer's node: pledges over Beckn.

A pledge is select → init → confirm on the pool's item (``pool-…``) with a quantity; the
confirm stores the pledge (the seller dispatch then signs the pledge receipt, as for any kind),
``status`` reads it, ``update`` changes its quantity and ``cancel`` withdraws it, each only for
the buyer that made it (the authenticated ``bap_id``) and only while the pool is open. The wire
is :mod:`duijie.protocol.mapping.pools`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from duijie.domain.listing import Listing
from duijie.domain.pools import PoolError, PoolRule
from duijie.interchange.pool_json import terms_out
from duijie.protocol.errors import BecknErrorCode
from duijie.protocol.mapping import pools as pm
from duijie.protocol.mapping.subjects import update_targets
from duijie.protocol.pipeline import Verified
from duijie.services.trade.kinds import Message, Refused, SellerKind
from duijie.services.trade.pool.ports import PoolUnitOfWork, StoredPool
from duijie.services.trade.pool.steps import (
    ACCEPTED,
    DECLINED,
    PledgeRequest,
    PoolNotFound,
    TermsNotices,
    change_in,
    consent_in,
    load_for_pledge,
    pledge_in,
    withdraw_in,
)


def _refused(exc: PoolError) -> Refused:
    """A pool rule's refusal as the BECKN-005 code a buyer's node understands (the message names the rule)."""
    codes = {PoolRule.POOL_NOT_FOUND: BecknErrorCode.ITEM_NOT_FOUND,
             PoolRule.PLEDGE_NOT_FOUND: BecknErrorCode.ORDER_NOT_FOUND,
             PoolRule.BEYOND_MAXIMUM: BecknErrorCode.ITEM_QUANTITY_UNAVAILABLE,
             PoolRule.NOT_THE_PLEDGER: BecknErrorCode.ORDER_NOT_FOUND,
             PoolRule.NO_PROPOSAL: BecknErrorCode.UPDATE_INCONSISTENCY,
             PoolRule.POOL_CLOSED: BecknErrorCode.ACTION_NOT_APPLICABLE}
    return Refused(codes.get(exc.rule, BecknErrorCode.INVALID_REQUEST), exc.message)


class PoolKind(SellerKind[PoolUnitOfWork]):
    """Seller side of pledges into the pools this node organizes."""

    name = "pool pledge"

    def __init__(self, notices: TermsNotices | None = None) -> None:
        self.notices = notices  # tells the members when a change of terms takes effect

    def owns_item(self, listing: Listing, item_id: str) -> bool:
        return item_id.startswith(pm.POOL_ITEM_PREFIX)

    def holds_order(self, uow: PoolUnitOfWork, order_id: str) -> bool:
        return order_id.startswith(pm.PLEDGE_PREFIX)

    def _quote(self, uow: PoolUnitOfWork, request: Verified, now: datetime) -> Message:
        pool_id, quantity = pm.pledge_subject(request.message.get("order"))
        try:
            stored = load_for_pledge(uow, pool_id, None)
            stored.pool.pledge("draft", request.context.bap_id, quantity, now)  # the rules, nothing stored
        except PoolError as exc:
            raise _refused(exc) from exc
        return {"order": pm.pledge_order(stored.pool, stored.listed_under, quantity,
                                         signed_terms=stored.signed_terms)}

    def select(self, uow: PoolUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        return self._quote(uow, request, now)

    def init(self, uow: PoolUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        message = self._quote(uow, request, now)
        billing = (request.message.get("order") or {}).get("billing")
        if isinstance(billing, dict):
            message["order"]["billing"] = billing
        return message

    def confirm(self, uow: PoolUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        ctx = request.context
        pool_id, quantity = pm.pledge_subject(request.message.get("order"))
        try:
            pool, pledge = pledge_in(uow, pool_id, PledgeRequest(ctx.bap_id, ctx.bap_uri, ctx.transaction_id,
                                                                 quantity), now)
        except PoolError as exc:
            raise _refused(exc) from exc
        stored = load_for_pledge(uow, pool.id, None)
        order = pm.pledge_order(pool, stored.listed_under, pledge.quantity, pledge)
        if stored.proposal is not None:  # a pledger joining while new terms are proposed is asked too
            order["tags"] = pm.proposal_order(pool, stored.listed_under, pledge.id, pledge.quantity,
                                              stored.proposal)["tags"]
        billing = (request.message.get("order") or {}).get("billing")
        if isinstance(billing, dict):
            order["billing"] = billing
        return {"order": order}

    def _own(self, uow: PoolUnitOfWork, request: Verified, order_id: str | None) -> StoredPool:
        """The pool of the requester's own pledge ``order_id``; another buyer's is not found."""
        found = uow.pools.owner_of(order_id) if order_id is not None else None
        if found is None or found[1] != request.context.bap_id:  # another buyer's pledge is not found
            raise Refused(BecknErrorCode.ORDER_NOT_FOUND, f"no pledge {order_id!r} of yours here")
        try:
            return load_for_pledge(uow, found[0], order_id)
        except PoolNotFound as exc:
            raise _refused(exc) from exc

    def _pledge_message(self, stored: StoredPool, order_id: str, status: str = "ACTIVE") -> Message:
        pledge = next(p for p in stored.pool.pledges if p.id == order_id)
        return {"order": pm.pledge_order(stored.pool, stored.listed_under, pledge.quantity, pledge, status)}

    def status(self, uow: PoolUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        stored = self._own(uow, request, order_id)
        assert order_id is not None
        return self._pledge_message(stored, order_id)

    def update(self, uow: PoolUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        stored = self._own(uow, request, order_id)
        assert order_id is not None
        if pm.CONSENT_TARGET in update_targets(request.message):
            return self._consent(uow, request, stored, order_id, now)
        _, quantity = pm.pledge_subject(request.message.get("order"))
        try:
            pool = change_in(uow, stored.pool.id, order_id, request.context.bap_id, quantity, now)
        except PoolError as exc:
            raise _refused(exc) from exc
        return self._pledge_message(StoredPool(pool, stored.producer_uri, listed_under=stored.listed_under), order_id)

    def _consent(self, uow: PoolUnitOfWork, request: Verified, stored: StoredPool, order_id: str,
                 now: datetime) -> Message:
        """A pledger accepts or declines the proposed terms (its own pledge's pool only)."""
        pool_id, version, accept = pm.consent_subject(request.message.get("order"))
        if pool_id != stored.pool.id:
            raise Refused(BecknErrorCode.UPDATE_INCONSISTENCY, f"pledge {order_id} is not in pool {pool_id}")
        try:
            _pool, applied = consent_in(uow, pool_id, request.context.bap_id, version, accept, now, self.notices)
        except PoolError as exc:
            raise _refused(exc) from exc
        stored = load_for_pledge(uow, pool_id, order_id)
        message = self._pledge_message(stored, order_id)
        # The pledger's record of its answer: the proposal group, now in the state the answer put it
        # (accepted or declined while others have not answered; in_effect once this one applied it).
        if applied:
            proposal: dict[str, Any] | None = {"terms_version": stored.pool.terms_version,
                                               "terms": terms_out(stored.pool.terms),
                                               "signed_terms": stored.signed_terms}
        else:
            proposal = stored.proposal
        if proposal is not None:
            state = "in_effect" if applied else (ACCEPTED if accept else DECLINED)
            pledge = next(p for p in stored.pool.pledges if p.id == order_id)
            message["order"]["tags"] = pm.proposal_order(stored.pool, stored.listed_under, order_id,
                                                         pledge.quantity, proposal, state)["tags"]
        return message

    def cancel(self, uow: PoolUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        stored = self._own(uow, request, order_id)
        assert order_id is not None
        message = self._pledge_message(stored, order_id, "CANCELLED")
        try:
            withdraw_in(uow, stored.pool.id, order_id, request.context.bap_id, now, self.notices)
        except PoolError as exc:
            raise _refused(exc) from exc
        return message
