"""The food order for pickup as a kind of trade: Beckn requests in, use cases run, callbacks out.

Reads each request with :mod:`duijie.protocol.mapping` into domain values, runs the use case of
:mod:`duijie.services.trade.food.orders`, and writes its result back as the callback's message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from duijie.domain.listing import Listing
from duijie.domain.orders import Order
from duijie.protocol import mapping as m
from duijie.protocol.errors import BecknErrorCode
from duijie.protocol.mapping.subjects import update_targets
from duijie.protocol.pipeline import Verified
from duijie.services.trade.food.orders import Buyer, DraftTerms, FoodOrders
from duijie.services.trade.food.ports import SellerUnitOfWork
from duijie.services.trade.kinds import Message, Refused, SellerKind
from duijie.services.trade.listings import listing_of

ITEM_TARGETS = frozenset({"item", "items", "order.items"})


def _buyer(request: Verified) -> Buyer:
    return Buyer(request.context.bap_id, request.context.transaction_id)


def _terms(request: Verified, listing: Listing) -> DraftTerms:
    order: dict[str, Any] = request.message.get("order") or {}
    return DraftTerms(
        cart=m.cart_from_order(order, listing.id) if order.get("items") else None,
        pickup=m.pickup_from_order(order),
        billing=m.billing_from_order(order),
        payment=m.payment_from_order(order) if order.get("payments") else None,
    )


class FoodKind(SellerKind[SellerUnitOfWork]):
    """Items of the menu (``listing.catalog``), ordered for pickup; orders live in ``uow.orders``."""

    name = "food order"

    def __init__(self, orders: FoodOrders | None = None) -> None:
        self.orders = orders or FoodOrders()

    def owns_item(self, listing: Listing, item_id: str) -> bool:
        return listing.catalog.item(item_id) is not None

    def holds_order(self, uow: SellerUnitOfWork, order_id: str) -> bool:
        return uow.orders.get(order_id) is not None

    def holds_transaction(self, uow: SellerUnitOfWork, bap_id: str, transaction_id: str) -> bool:
        return (uow.drafts.get(bap_id, transaction_id) is not None
                or uow.orders.for_transaction(bap_id, transaction_id) is not None)

    # ---- select, init, confirm --------------------------------------------------------------

    def select(self, uow: SellerUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        draft = self.orders.quote(uow, _buyer(request), listing, _terms(request, listing), now, need_pickup=False)
        return {"order": m.draft_to_beckn(draft, listing, with_terms=False)}

    def init(self, uow: SellerUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        draft = self.orders.quote(uow, _buyer(request), listing, _terms(request, listing), now, need_pickup=True)
        return {"order": m.draft_to_beckn(draft, listing, with_terms=True)}

    def confirm(self, uow: SellerUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        ctx = request.context
        order = self.orders.confirm(uow, _buyer(request), listing, _terms(request, listing), now,
                                    bap_uri=ctx.bap_uri, context=ctx.to_dict())
        return self._order_message(uow, order, listing)

    # ---- after confirm ----------------------------------------------------------------------

    @staticmethod
    def _order_message(uow: SellerUnitOfWork, order: Order, listing: Listing | None = None) -> Message:
        if listing is None or listing.id != order.provider_id:
            listing = listing_of(uow, order.provider_id)
        return {"order": m.order_to_beckn(order, listing)}

    def _own(self, uow: SellerUnitOfWork, request: Verified, order_id: str | None) -> Order:
        return self.orders.own_order(uow, request.context.bap_id, order_id).order

    def status(self, uow: SellerUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        return self._order_message(uow, self._own(uow, request, order_id))

    def track(self, uow: SellerUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        order = self._own(uow, request, order_id)
        return {"tracking": m.tracking_to_beckn(order, listing_of(uow, order.provider_id))}

    def cancel(self, uow: SellerUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        message = request.message
        reason = (message.get("descriptor") or {}).get("name") or message.get("cancellation_reason_id")
        cancelled = self.orders.cancel(uow, request.context.bap_id, order_id, str(reason) if reason else None, now)
        return self._order_message(uow, cancelled)

    def update(self, uow: SellerUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        order = self._own(uow, request, order_id)
        if not update_targets(request.message) & ITEM_TARGETS:
            raise Refused(BecknErrorCode.INVALID_UPDATE_TARGET, "only items can be updated (update_target: item)")
        order.ensure_updatable(request.context.bap_id)
        cart = m.cart_from_order(request.message.get("order") or {}, order.provider_id)
        updated, listing = self.orders.change_items(uow, request.context.bap_id, order, cart, now)
        return {"order": m.order_to_beckn(updated, listing)}

    def rating(self, uow: SellerUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        target, value = m.rating_value(request.message.get("ratings"))
        self.orders.rate(uow, request.context.bap_id, target, value, now)
        return {"feedback_form": {"required": False}}

    def support(self, uow: SellerUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        stored = uow.orders.get(order_id) if order_id is not None else None
        if stored is not None and stored.order.bap_id == request.context.bap_id:
            order = stored.order
            listing = listing_of(uow, order.provider_id)
            return {"support": m.support_to_beckn(order_id, listing, order.pickup.location_id)}
        summaries = uow.listings.summaries()
        if not summaries:
            raise Refused(BecknErrorCode.SUPPORT_UNAVAILABLE, "this node hosts no provider")
        listing = listing_of(uow, summaries[0].provider_id)
        return {"support": m.support_to_beckn(order_id, listing, None)}
