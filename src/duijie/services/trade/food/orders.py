"""The food order for pickup, seller side: the use cases behind select, init, confirm and after.

They take domain values (a cart, a pickup, billing, payment terms) and return domain results
(a :class:`Draft`, an :class:`Order`, the :class:`Listing` it is priced against); reading the
request and writing the callback are :mod:`duijie.services.trade.food.kind`'s job. Every rule
needs only a unit of work with ``listings``, ``orders`` and ``drafts``, so each can be tested
against dict repositories (``tests/unit/services/fakes.py``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from duijie.domain.cart import Cart, CartLine, Pickup, price_cart
from duijie.domain.listing import Listing
from duijie.domain.order_errors import OrderError, OrderRule
from duijie.domain.orders import Billing, Draft, Order, PaymentTerms
from duijie.protocol.errors import BecknErrorCode
from duijie.services.trade.food.ports import SellerUnitOfWork, StoredOrder
from duijie.services.trade.kinds import Refused
from duijie.services.trade.listings import listing_of

log = logging.getLogger("duijie.seller")


@dataclass(frozen=True, slots=True)
class Buyer:
    """Who asks, and in which Beckn transaction (an order is unique per buyer and transaction)."""

    bap_id: str
    transaction_id: str


@dataclass(frozen=True, slots=True)
class DraftTerms:
    """What a select/init/confirm asks for; None keeps what the transaction's draft already says."""

    cart: Cart | None = None
    pickup: Pickup | None = None
    billing: Billing | None = None
    payment: PaymentTerms | None = None


def pickup_zone(order: Order, listing: Listing) -> str | None:
    """The time zone of the order's pickup location (None when the listing no longer has it)."""
    location = listing.provider.location(order.pickup.location_id)
    return location.time_zone if location is not None else None


def pickup_local_time(order: Order, listing: Listing) -> str:
    """The pickup time as the wall clock at the location shows it, or "as soon as possible"."""
    if order.pickup.at is None:
        return "as soon as possible"
    zone = pickup_zone(order, listing)
    at = order.pickup.at.astimezone(ZoneInfo(zone)) if zone else order.pickup.at
    return at.strftime("%Y-%m-%d %H:%M %Z").strip()


def _cart_of(draft: Draft) -> Cart:
    lines = tuple(CartLine(ln.item_id, ln.quantity, tuple(a.id for a in ln.add_ons)) for ln in draft.quote.lines)
    return Cart(draft.provider_id, lines)


def new_order_id() -> str:
    """A fresh order id: ``O-`` and 16 hex digits."""
    return f"O-{uuid.uuid4().hex[:16]}"


class FoodOrders:
    """Drafts and orders of food for pickup at one of the provider's locations."""

    def __init__(self, new_id: Callable[[], str] = new_order_id) -> None:
        self._new_id = new_id

    def draft(self, uow: SellerUnitOfWork, buyer: Buyer, listing: Listing, terms: DraftTerms, now: datetime,
              *, need_pickup: bool) -> Draft:
        """The transaction's draft with ``terms`` applied and priced at ``now`` (not stored).

        A select may name no pickup yet; init and confirm must (``need_pickup``). A draft made
        for another provider is not carried over.
        """
        previous = uow.drafts.get(buyer.bap_id, buyer.transaction_id)
        if previous is not None and previous.provider_id != listing.id:
            previous = None
        if terms.cart is not None:
            cart = terms.cart
        elif previous is not None:
            cart = _cart_of(previous)
        else:
            raise OrderError(OrderRule.EMPTY_CART, "order.items is empty")
        pickup = terms.pickup or (previous.pickup if previous else None)
        if need_pickup and pickup is None:
            raise Refused(
                BecknErrorCode.FULFILLMENT_UNAVAILABLE,
                "choose a Self-Pickup fulfillment at one of the provider's locations",
            )
        billing = terms.billing or (previous.billing if previous else None)
        payment = terms.payment or (previous.payment if previous else PaymentTerms.ON_FULFILLMENT)
        quote = price_cart(listing, cart, now=now, pickup=pickup)
        return Draft(listing.id, quote, pickup, billing, payment)

    def quote(self, uow: SellerUnitOfWork, buyer: Buyer, listing: Listing, terms: DraftTerms, now: datetime,
              *, need_pickup: bool) -> Draft:
        """select (``need_pickup`` False) and init: price the draft and keep it for the confirm."""
        draft = self.draft(uow, buyer, listing, terms, now, need_pickup=need_pickup)
        uow.drafts.put(buyer.bap_id, buyer.transaction_id, draft, now)
        return draft

    def confirm(self, uow: SellerUnitOfWork, buyer: Buyer, listing: Listing, terms: DraftTerms, now: datetime,
                *, bap_uri: str, context: dict[str, Any]) -> Order:
        """The transaction's order: a new CREATED one, or the one a retried confirm already made.

        ``context`` (the confirm's Beckn context) is kept with the order as the template of the
        callbacks the merchant's later changes send to ``bap_uri``.
        """
        existing = uow.orders.for_transaction(buyer.bap_id, buyer.transaction_id)
        if existing is not None:  # a retried confirm: the same order again, never a second one
            return existing.order
        draft = self.draft(uow, buyer, listing, terms, now, need_pickup=True)
        order = Order.create(self._new_id(), buyer.bap_id, buyer.transaction_id, draft, now)
        if not uow.orders.add(order, bap_uri, context):  # a concurrent twin won the insert
            raced = uow.orders.for_transaction(buyer.bap_id, buyer.transaction_id)
            assert raced is not None
            return raced.order
        uow.drafts.delete(buyer.bap_id, buyer.transaction_id)
        # The merchant's console says a new order came in; the buyer's name and phone stay out of
        # the log (privacy): `duijie orders show` has them.
        log.info("new order %s: %d item(s), total %s, pickup at %s %s", order.id,
                 sum(ln.quantity for ln in order.quote.lines), order.quote.total, order.pickup.location_id,
                 pickup_local_time(order, listing))
        return order

    @staticmethod
    def own_order(uow: SellerUnitOfWork, bap_id: str, order_id: str | None) -> StoredOrder:
        """The order ``order_id`` of buyer ``bap_id``; ORDER_NOT_FOUND otherwise."""
        stored = uow.orders.get(order_id) if order_id is not None else None
        # Another buyer's order is "not found": its existence is not theirs to learn.
        if stored is None or stored.order.bap_id != bap_id:
            raise Refused(BecknErrorCode.ORDER_NOT_FOUND, f"no order {order_id!r} for {bap_id}")
        return stored

    def cancel(self, uow: SellerUnitOfWork, bap_id: str, order_id: str | None, reason: str | None,
               now: datetime) -> Order:
        """The buyer cancels, within the cancellation terms."""
        cancelled = self.own_order(uow, bap_id, order_id).order.cancel(bap_id, now, reason)
        uow.orders.save(cancelled)
        return cancelled

    def change_items(self, uow: SellerUnitOfWork, bap_id: str, order: Order, cart: Cart,
                     now: datetime) -> tuple[Order, Listing]:
        """The buyer changes items or quantities before the merchant accepted; re-priced at ``now``."""
        order.ensure_updatable(bap_id)
        listing = listing_of(uow, order.provider_id)
        quote = price_cart(listing, cart, now=now, pickup=order.pickup)
        updated = order.update_quote(quote, bap_id, now)
        uow.orders.save(updated)
        return updated, listing

    @staticmethod
    def rate(uow: SellerUnitOfWork, bap_id: str, order_id: str, value: int, now: datetime) -> Order:
        """The buyer rates a completed order."""
        stored = uow.orders.get(order_id)
        if stored is None:
            raise Refused(BecknErrorCode.ENTITY_TO_RATE_NOT_FOUND, f"no order {order_id!r} to rate")
        rated = stored.order.rate(value, bap_id, now)
        uow.orders.save(rated)
        return rated

