"""The seller (BPP) side of Beckn: search, select, init, confirm, status, track, cancel, update,
rating and support for the providers this node hosts.

Every handler runs its synchronous work in a worker thread and, inside ONE unit of work, writes
its state change and the callback to the outbox, then ACKs. A business refusal is not a NACK: the
request is ACKed and the callback carries a top-level ``error`` with the BECKN-005 code.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from duijie.domain.cart import Cart, CartLine, price_cart
from duijie.domain.errors import DomainError
from duijie.domain.listing import Listing
from duijie.domain.order_errors import OrderError
from duijie.domain.orders import Draft, Order
from duijie.protocol import mapping as m
from duijie.protocol.context import Action, callback_action
from duijie.protocol.errors import BecknErrorCode, error_body
from duijie.protocol.pipeline import Verified
from duijie.protocol.signing import DEFAULT_SKEW_SECONDS
from duijie.services.beckn_inbox import BecknInbox, Nack
from duijie.services.local_search import search_listings
from duijie.services.order_callbacks import SellerNode, queue_callback
from duijie.services.ports import Clock
from duijie.services.seller_ports import SellerUnitOfWork, SellerUnitOfWorkFactory, StoredOrder

log = logging.getLogger("duijie.seller")

Step = Callable[[SellerUnitOfWork, Verified, datetime], dict[str, Any]]
OrderConfirmedHook = Callable[[dict[str, Any], SellerUnitOfWork], None]


class Refused(Exception):
    """A business refusal that is not an order rule (unknown order, provider, target...)."""

    def __init__(self, code: BecknErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _no_hook(order_doc: dict[str, Any], uow: SellerUnitOfWork) -> None:
    """Default ``on_order_confirmed``: nothing."""


def _no_receipts(order_tags: Any, uow: SellerUnitOfWork) -> str | None:
    """Default ``on_receipt_countersigned``: this node keeps no receipts."""
    return "this node does not keep receipts"


def _check_still_wanted(verified: Verified, now: datetime) -> None:
    """A request is acted on only within its ``ttl`` (plus clock skew).

    Under a long burst a journaled request can wait past it; by then the buyer has stopped
    waiting, and a confirm handled anyway would make an order nobody expects. The buyer gets an
    error callback instead.
    """
    until = verified.context.valid_until()
    if until is not None and now > until + timedelta(seconds=DEFAULT_SKEW_SECONDS):
        raise Refused(
            BecknErrorCode.INVALID_REQUEST,
            f"the request's ttl ({verified.context.ttl} from {verified.context.timestamp}) ran out before it "
            "could be handled; send it again",
        )


def _cart_of(draft: Draft) -> Cart:
    lines = tuple(CartLine(ln.item_id, ln.quantity, tuple(a.id for a in ln.add_ons)) for ln in draft.quote.lines)
    return Cart(draft.provider_id, lines)


class SellerService:
    """The BPP handlers; ``register`` puts them on a :class:`BecknInbox`.

    ``on_order_confirmed(order_doc, uow)`` is called once per new order, right after it is stored,
    inside the same open unit of work, with the Beckn order dict that ``on_confirm`` carries (the
    receipts feature sets it to sign and store the receipt atomically with the order). It is not
    called again when a repeated confirm returns the existing order. Raising from it aborts the
    confirm: nothing is stored (a DomainError becomes an error callback, anything else a NACK).
    """

    def __init__(
        self,
        uow: SellerUnitOfWorkFactory,
        clock: Clock,
        node: SellerNode,
        new_order_id: Callable[[], str] | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.node = node
        self._new_order_id = new_order_id or (lambda: f"O-{uuid.uuid4().hex[:16]}")
        self.on_order_confirmed: OrderConfirmedHook = _no_hook
        # Stores the buyer's countersigned receipt sent back in an `update` (target "tags");
        # returns None when stored, else why it was refused. Set by the receipts wiring.
        self.on_receipt_countersigned: Callable[[Any, SellerUnitOfWork], str | None] = _no_receipts

    def register(self, inbox: BecknInbox) -> None:
        """Handle the ten seller actions on ``inbox``."""
        steps: dict[Action, Step] = {
            Action.SEARCH: self._search,
            Action.SELECT: self._select,
            Action.INIT: self._init,
            Action.CONFIRM: self._confirm,
            Action.STATUS: self._status,
            Action.TRACK: self._track,
            Action.CANCEL: self._cancel,
            Action.UPDATE: self._update,
            Action.RATING: self._rating,
            Action.SUPPORT: self._support,
        }
        for action, step in steps.items():
            inbox.register(action, self._handler(step))

    def _handler(self, step: Step) -> Callable[[Verified], Awaitable[Nack | None]]:
        async def handle(verified: Verified) -> Nack | None:
            await self._uow.run(self.handle, step, verified)
            return None

        return handle

    def handle(self, step: Step, verified: Verified) -> dict[str, Any]:
        """Run ``step`` and queue its callback (or an error callback) durably; returns the queued body."""
        now = self._clock.now()
        action = callback_action(verified.context.action)
        try:
            _check_still_wanted(verified, now)
            with self._uow() as uow:
                message = step(uow, verified, now)
                via = self._gateway_url(uow, verified)
                body = queue_callback(uow, verified.context, self.node, now, action=action, message=message, via=via)
                uow.commit()
                return body
        except OrderError as exc:
            error = error_body(m.error_code(exc.rule), exc.message)
        except m.MappingError as exc:
            error = error_body(exc.code, exc.message, exc.paths)
        except Refused as exc:
            error = error_body(exc.code, exc.message)
        except DomainError as exc:
            error = error_body(BecknErrorCode.BUSINESS_ERROR, exc.message)
        log.info("%s %s refused: %s", verified.context.action.value, verified.context.transaction_id, error)
        with self._uow() as uow:  # the failed step's writes were rolled back; only the answer is stored
            via = self._gateway_url(uow, verified)
            body = queue_callback(uow, verified.context, self.node, now, action=action, error=error, via=via)
            uow.commit()
        return body

    @staticmethod
    def _gateway_url(uow: SellerUnitOfWork, verified: Verified) -> str | None:
        """A search multicast by a gateway is answered through that gateway, which relays it.

        Falls back to the BAP's own ``bap_uri`` when the gateway's URL is not known here.
        """
        gateway = verified.gateway_subscriber_id
        if gateway is None or verified.context.action is not Action.SEARCH:
            return None
        return uow.known_keys.url_of(gateway)

    # ---- lookups ---------------------------------------------------------------------------------

    @staticmethod
    def _listing(uow: SellerUnitOfWork, provider_id: str | None) -> Listing:
        if provider_id is None:
            summaries = uow.listings.summaries()
            if len(summaries) != 1:
                raise m.MappingError(
                    BecknErrorCode.PROVIDER_NOT_FOUND,
                    "name the provider (order.provider.id)",
                    "message.order.provider.id",
                )
            provider_id = summaries[0].provider_id
        stored = uow.listings.get(provider_id)
        if stored is None:
            raise Refused(BecknErrorCode.PROVIDER_NOT_FOUND, f"no provider {provider_id!r} on this node")
        return stored.listing

    @staticmethod
    def _own_order(uow: SellerUnitOfWork, verified: Verified, order_id: Any) -> StoredOrder:
        stored = uow.orders.get(order_id) if isinstance(order_id, str) else None
        # Another buyer's order is "not found": its existence is not theirs to learn.
        if stored is None or stored.order.bap_id != verified.context.bap_id:
            raise Refused(BecknErrorCode.ORDER_NOT_FOUND, f"no order {order_id!r} for {verified.context.bap_id}")
        return stored

    def _order_message(self, uow: SellerUnitOfWork, order: Order) -> dict[str, Any]:
        return {"order": m.order_to_beckn(order, self._listing(uow, order.provider_id))}

    def _draft(self, uow: SellerUnitOfWork, v: Verified, now: datetime, *, need_pickup: bool) -> tuple[Draft, Listing]:
        order = v.message.get("order") or {}
        listing = self._listing(uow, m.provider_id_of(order))
        previous = uow.drafts.get(v.context.bap_id, v.context.transaction_id)
        if previous is not None and previous.provider_id != listing.id:
            previous = None
        cart = m.cart_from_order(order, listing.id) if order.get("items") or previous is None else _cart_of(previous)
        pickup = m.pickup_from_order(order) or (previous.pickup if previous else None)
        if need_pickup and pickup is None:
            raise Refused(
                BecknErrorCode.FULFILLMENT_UNAVAILABLE,
                "choose a Self-Pickup fulfillment at one of the provider's locations",
            )
        billing = m.billing_from_order(order) or (previous.billing if previous else None)
        payment = (
            m.payment_from_order(order)
            if order.get("payments")
            else (previous.payment if previous else m.payment_from_order(order))
        )
        quote = price_cart(listing, cart, now=now, pickup=pickup)
        return Draft(listing.id, quote, pickup, billing, payment), listing

    # ---- the ten actions -----------------------------------------------------------------------

    def _search(self, uow: SellerUnitOfWork, v: Verified, now: datetime) -> dict[str, Any]:
        criteria = m.search_criteria(v.message.get("intent"))
        listings = []
        for summary in uow.listings.summaries():
            stored = uow.listings.get(summary.provider_id)
            if stored is not None:
                listings.append(stored.listing)
        providers = [m.provider_to_beckn(listing, items) for listing, items in search_listings(listings, criteria)]
        return {"catalog": m.catalog_to_beckn(providers, self.node.subscriber_id)}

    def _select(self, uow: SellerUnitOfWork, v: Verified, now: datetime) -> dict[str, Any]:
        draft, listing = self._draft(uow, v, now, need_pickup=False)
        uow.drafts.put(v.context.bap_id, v.context.transaction_id, draft, now)
        return {"order": m.draft_to_beckn(draft, listing, with_terms=False)}

    def _init(self, uow: SellerUnitOfWork, v: Verified, now: datetime) -> dict[str, Any]:
        draft, listing = self._draft(uow, v, now, need_pickup=True)
        uow.drafts.put(v.context.bap_id, v.context.transaction_id, draft, now)
        return {"order": m.draft_to_beckn(draft, listing, with_terms=True)}

    def _confirm(self, uow: SellerUnitOfWork, v: Verified, now: datetime) -> dict[str, Any]:
        ctx = v.context
        existing = uow.orders.for_transaction(ctx.bap_id, ctx.transaction_id)
        if existing is not None:  # a retried confirm: the same order again, never a second one
            return self._reconfirmed(uow, existing.order)
        draft, listing = self._draft(uow, v, now, need_pickup=True)
        order = Order.create(self._new_order_id(), ctx.bap_id, ctx.transaction_id, draft, now)
        if not uow.orders.add(order, ctx.bap_uri, ctx.to_dict()):
            raced = uow.orders.for_transaction(ctx.bap_id, ctx.transaction_id)
            assert raced is not None
            return self._reconfirmed(uow, raced.order)
        uow.drafts.delete(ctx.bap_id, ctx.transaction_id)
        doc = m.order_to_beckn(order, listing)
        self.on_order_confirmed(doc, uow)
        return {"order": doc}

    def _reconfirmed(self, uow: SellerUnitOfWork, order: Order) -> dict[str, Any]:
        """The on_confirm of a retried confirm: the stored order, with its receipt again.

        The buyer may be retrying because the first on_confirm never reached it, so the receipt
        travels again; the hook hands back the receipt already stored (countersigned, if the
        buyer's copy came back) rather than signing a second one.
        """
        message = self._order_message(uow, order)
        self.on_order_confirmed(message["order"], uow)
        return message

    def _status(self, uow: SellerUnitOfWork, v: Verified, now: datetime) -> dict[str, Any]:
        return self._order_message(uow, self._own_order(uow, v, v.message.get("order_id")).order)

    def _track(self, uow: SellerUnitOfWork, v: Verified, now: datetime) -> dict[str, Any]:
        order = self._own_order(uow, v, v.message.get("order_id")).order
        return {"tracking": m.tracking_to_beckn(order, self._listing(uow, order.provider_id))}

    def _cancel(self, uow: SellerUnitOfWork, v: Verified, now: datetime) -> dict[str, Any]:
        order = self._own_order(uow, v, v.message.get("order_id")).order
        reason = (v.message.get("descriptor") or {}).get("name") or v.message.get("cancellation_reason_id")
        cancelled = order.cancel(v.context.bap_id, now, str(reason) if reason else None)
        uow.orders.save(cancelled)
        return self._order_message(uow, cancelled)

    def _update(self, uow: SellerUnitOfWork, v: Verified, now: datetime) -> dict[str, Any]:
        new = v.message.get("order") or {}
        order = self._own_order(uow, v, new.get("id")).order
        targets = {t.strip() for t in str(v.message.get("update_target", "")).split(",")}
        if "tags" in targets:
            problem = self.on_receipt_countersigned(new.get("tags"), uow)
            if problem:
                raise Refused(BecknErrorCode.UPDATE_INCONSISTENCY, problem)
            return self._order_message(uow, order)
        if not targets & {"item", "items", "order.items"}:
            raise Refused(BecknErrorCode.INVALID_UPDATE_TARGET, "only items can be updated (update_target: item)")
        order.ensure_updatable(v.context.bap_id)
        listing = self._listing(uow, order.provider_id)
        quote = price_cart(listing, m.cart_from_order(new, listing.id), now=now, pickup=order.pickup)
        updated = order.update_quote(quote, v.context.bap_id, now)
        uow.orders.save(updated)
        return {"order": m.order_to_beckn(updated, listing)}

    def _rating(self, uow: SellerUnitOfWork, v: Verified, now: datetime) -> dict[str, Any]:
        target, value = m.rating_value(v.message.get("ratings"))
        stored = uow.orders.get(target)
        if stored is None:
            raise Refused(BecknErrorCode.ENTITY_TO_RATE_NOT_FOUND, f"no order {target!r} to rate")
        uow.orders.save(stored.order.rate(value, v.context.bap_id, now))
        return {"feedback_form": {"required": False}}

    def _support(self, uow: SellerUnitOfWork, v: Verified, now: datetime) -> dict[str, Any]:
        ref = (v.message.get("support") or {}).get("ref_id") or v.message.get("order_id")
        stored = uow.orders.get(ref) if isinstance(ref, str) else None
        if stored is not None and stored.order.bap_id == v.context.bap_id:
            order = stored.order
            listing = self._listing(uow, order.provider_id)
            return {"support": m.support_to_beckn(ref, listing, order.pickup.location_id)}
        summaries = uow.listings.summaries()
        if not summaries:
            raise Refused(BecknErrorCode.SUPPORT_UNAVAILABLE, "this node hosts no provider")
        listing = self._listing(uow, summaries[0].provider_id)
        return {"support": m.support_to_beckn(ref if isinstance(ref, str) else None, listing, None)}
