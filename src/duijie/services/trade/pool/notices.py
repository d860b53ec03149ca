"""What a pool's members are told, signed, by unsolicited callbacks to their own nodes.

Queued in the unit of work that closes (or cancels) the pool, so the notices and the close are
one transaction: each member's node gets an ``on_status`` to its ``bap_uri`` in the pledge's
transaction. A successful close sends the allocation (the pledge at the pool's one unit price,
``status`` COMPLETE) with the organizer's signed allocation receipt in its tags; a release (the
minimum missed, or the pool cancelled) sends the pledge with ``status`` CANCELLED and the reason.
The outbox signs each message and retries until the member's node ACKs.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from duijie.domain.pools import CloseOutcome, Pool, PoolState
from duijie.interchange.pool_json import terms_out
from duijie.protocol.context import Action, Context, format_timestamp
from duijie.protocol.mapping import pools as pm
from duijie.protocol.receipts import with_receipt_tag
from duijie.services.buyer_ports import BuyerUnitOfWork
from duijie.services.ports import Clock
from duijie.services.trade.order_callbacks import SellerNode, queue_callback
from duijie.services.trade.pool.ports import Member, PoolUnitOfWork
from duijie.services.trade.receipts import ReceiptIssuer

DOMAIN = "nic2004:55204"  # the domain the buyer's pledge transaction used (services.buyer.DOMAIN)


class PoolNotices:
    """Queues the members' allocation or release callbacks."""

    def __init__(self, node: SellerNode, issuer: ReceiptIssuer, clock: Clock) -> None:
        self._node = node
        self._issuer = issuer
        self._clock = clock

    def _context(self, member: Member, now: datetime) -> Context:
        return Context(domain=DOMAIN, action=Action.STATUS, bap_id=member.buyer_id, bap_uri=member.buyer_uri,
                       transaction_id=member.transaction_id, message_id=str(uuid.uuid4()),
                       timestamp=format_timestamp(now), bpp_id=self._node.subscriber_id,
                       bpp_uri=self._node.subscriber_url)

    def _send(self, uow: PoolUnitOfWork, member: Member, order: dict[str, object], now: datetime) -> None:
        ctx = self._context(member, now)
        queue_callback(uow, ctx, self._node, now, action=Action.ON_STATUS, message={"order": order},
                       message_id=ctx.message_id)

    def _listed_under(self, uow: PoolUnitOfWork, pool: Pool) -> str:
        stored = uow.pools.get(pool.id)
        return stored.listed_under if stored is not None else ""

    def closed(self, uow: PoolUnitOfWork, pool: Pool, outcome: CloseOutcome, members: list[Member]) -> None:
        """Every member's allocation (with its signed receipt), or every member's release."""
        if outcome.state is not PoolState.SUCCEEDED:
            refused = pool.state is PoolState.SUCCEEDED  # the minimum was met: the producer said no
            self.release(uow, pool, members, "the producer refused the batch" if refused else None)
            return
        now = self._clock.now()
        provider = self._listed_under(uow, pool)
        shares = {a.pledge_id: a for a in outcome.allocations}
        for member in members:
            share = shares[member.pledge_id]
            order = pm.allocation_order(pool, provider, member.pledge_id, share.quantity, share.unit_price,
                                        share.total)
            parties = {"bap_id": member.buyer_id, "bpp_id": self._node.subscriber_id,
                       "transaction_id": member.transaction_id, "domain": DOMAIN}
            # The node's one unit of work also holds its receipts (SqlUnitOfWork implements both ports).
            receipt = self._issuer.seller_receipt({"order": order, "context": parties}, cast(BuyerUnitOfWork, uow))
            self._send(uow, member, with_receipt_tag(order, receipt), now)

    def _quantities(self, uow: PoolUnitOfWork, pool: Pool) -> dict[str, Decimal]:
        stored = uow.pools.get(pool.id)
        return {p.id: p.quantity for p in (stored.pool if stored is not None else pool).pledges}

    def proposed(self, uow: PoolUnitOfWork, pool: Pool, members: list[Member], proposal: dict[str, Any]) -> None:
        """Tell every member of proposed terms (signed), which it accepts or declines by ``update``."""
        self._terms_notice(uow, pool, members, proposal, "proposed")

    def amended(self, uow: PoolUnitOfWork, pool: Pool, members: list[Member], signed_terms: dict[str, Any]) -> None:
        """Tell every member that the terms it accepted are in effect."""
        proposal = {"terms_version": pool.terms_version, "terms": terms_out(pool.terms), "signed_terms": signed_terms}
        self._terms_notice(uow, pool, members, proposal, "in_effect")

    def _terms_notice(self, uow: PoolUnitOfWork, pool: Pool, members: list[Member], proposal: dict[str, Any],
                      state: str) -> None:
        now = self._clock.now()
        provider = self._listed_under(uow, pool)
        quantities = self._quantities(uow, pool)
        for member in members:
            quantity = quantities.get(member.pledge_id)
            if quantity is not None:
                order = pm.proposal_order(pool, provider, member.pledge_id, quantity, proposal, state)
                self._send(uow, member, order, now)

    def release(self, uow: PoolUnitOfWork, pool: Pool, members: list[Member], reason: str | None = None) -> None:
        """Tell every member its pledge is released (the pool failed or was cancelled)."""
        now = self._clock.now()
        provider = self._listed_under(uow, pool)
        quantities = {p.id: p.quantity for p in pool.pledges}
        for member in members:
            order = pm.release_order(pool, provider, member.pledge_id, quantities[member.pledge_id], reason)
            self._send(uow, member, order, now)
