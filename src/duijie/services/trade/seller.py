"""The seller (BPP) side of Beckn: each request goes to the kind of trade it is about.

``search`` is answered from every listing the node hosts. ``select``/``init``/``confirm`` go to
the kind that owns the request's items, the order actions (status, track, cancel, update,
rating, support) to the kind that holds the order (see :class:`~duijie.services.trade.kinds.TradeKinds`).
Whatever the kind, one unit of work stores its state change and the callback (queued in the
outbox); a refusal is not a NACK: the request was ACKed and the callback carries a top-level
``error`` with the BECKN-005 code. Receipts hook in here, for every kind: ``on_order_confirmed``
after each confirm, ``on_receipt_countersigned`` for an update that brings the buyer's copy.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, cast

from duijie.domain.errors import DomainError
from duijie.domain.order_errors import OrderError
from duijie.protocol import mapping as m
from duijie.protocol.context import Action, callback_action
from duijie.protocol.errors import BecknErrorCode, error_body
from duijie.protocol.mapping.subjects import ITEM_ACTIONS, ORDER_ACTIONS, item_ids_of, order_ref, update_targets
from duijie.protocol.pipeline import Verified
from duijie.protocol.signing import DEFAULT_SKEW_SECONDS
from duijie.services.local_search import search_listings
from duijie.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from duijie.services.trade.jobs.ports import JobsUnitOfWork
from duijie.services.trade.jobs.search import with_job_postings
from duijie.services.trade.kinds import Message, Refused, TradeKinds
from duijie.services.trade.listings import named_listing
from duijie.services.trade.offer_listing import with_offers
from duijie.services.trade.order_callbacks import SellerNode, queue_callback
from duijie.services.trade.pool.ports import PoolUnitOfWork
from duijie.services.trade.pool.search import with_pools
from duijie.services.trade.reservation.ports import ReservationUnitOfWork
from duijie.services.trade.reservation.search import with_resources

log = logging.getLogger("duijie.seller")

Step = Callable[[UnitOfWork, Verified, datetime], Message]
Handler = Callable[[Verified], Awaitable[None]]
OrderConfirmedHook = Callable[[dict[str, Any], dict[str, Any], Any], None]
"""``(order, confirm context, uow)``: called inside the confirm's unit of work, may change ``order``."""
CountersignedHook = Callable[[Any, Any], str | None]
"""``(order.tags, uow)``: stores the buyer's countersigned receipt; None when stored, else why not."""


def _no_hook(order_doc: dict[str, Any], context: dict[str, Any], uow: Any) -> None:
    """Default ``on_order_confirmed``: nothing."""


def _no_receipts(order_tags: Any, uow: Any) -> str | None:
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


class SellerService:
    """The BPP: ``register`` puts its handlers on the node's Beckn inbox; ``kinds`` are what it trades.

    ``on_order_confirmed(order_doc, context, uow)`` runs after every confirm, in the same open unit
    of work, with the Beckn order that ``on_confirm`` carries (a retried confirm's too: the receipts
    feature hands back the receipt it stored then). Raising from it aborts the confirm: nothing is
    stored (a DomainError becomes an error callback; anything else fails the handling, which the
    journal logs: the request was ACKed when it was journaled, so no NACK can follow).
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, node: SellerNode, kinds: TradeKinds | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self.node = node
        self.kinds = kinds if kinds is not None else TradeKinds()
        self.on_order_confirmed: OrderConfirmedHook = _no_hook
        self.on_receipt_countersigned: CountersignedHook = _no_receipts

    def register(self, register: Callable[[Action, Handler], None]) -> None:
        """Handle ``search`` and every request about items or orders (``register`` is the inbox's)."""
        register(Action.SEARCH, self._handler(self._search))
        for action in (*sorted(ITEM_ACTIONS), *sorted(ORDER_ACTIONS)):
            register(action, self._handler(self._dispatch))

    def _handler(self, step: Step) -> Handler:
        async def handle(verified: Verified) -> None:
            await self._uow.run(self.handle, step, verified)

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
            # The rule travels in the text too (BECKN codes are coarser): the buyer says it in its language.
            said = f"{exc.message} (rule: {exc.rule.value})"
            error = error_body(m.error_code(exc.rule), said, m.error_paths(exc.rule))
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
    def _gateway_url(uow: UnitOfWork, verified: Verified) -> str | None:
        """A search multicast by a gateway is answered through that gateway, which relays it.

        Falls back to the BAP's own ``bap_uri`` when the gateway's URL is not known here.
        """
        gateway = verified.gateway_subscriber_id
        if gateway is None or verified.context.action is not Action.SEARCH:
            return None
        return uow.known_keys.url_of(gateway)

    # ---- the steps -----------------------------------------------------------------------------

    def _search(self, uow: UnitOfWork, v: Verified, now: datetime) -> Message:
        criteria = m.search_criteria(v.message.get("intent"))
        listings = []
        for summary in uow.listings.summaries():
            stored = uow.listings.get(summary.provider_id)
            if stored is not None:
                listings.append(stored.listing)
        providers = [m.provider_to_beckn(listing, items) for listing, items in search_listings(listings, criteria)]
        # The node's unit of work (SqlUnitOfWork) holds every kind's repositories, so each kind gets its own.
        jobs, pools, rooms = cast(JobsUnitOfWork, uow), cast(PoolUnitOfWork, uow), cast(ReservationUnitOfWork, uow)
        providers = with_job_postings(jobs, listings, criteria, providers)  # the job postings it asks for
        providers = with_pools(pools, listings, criteria, providers, now)  # open 云拼 pools organized here
        providers = with_resources(rooms, listings, v.message.get("intent"), criteria, providers, now)  # rooms
        providers = with_offers(uow, listings, criteria, providers, now, self.node.subscriber_id)  # producer offers
        return {"catalog": m.catalog_to_beckn(providers, self.node.subscriber_id)}

    def _dispatch(self, uow: UnitOfWork, v: Verified, now: datetime) -> Message:
        """Hand ``v`` to the kind it is about, by its items or by its order."""
        ctx = v.context
        action = ctx.action
        if action in ITEM_ACTIONS:
            order = v.message.get("order") or {}
            listing = named_listing(uow, m.provider_id_of(order))
            kind = self.kinds.for_items(uow, listing, item_ids_of(order), ctx.bap_id, ctx.transaction_id)
            if action is Action.SELECT:
                return kind.select(uow, v, listing, now)
            if action is Action.INIT:
                return kind.init(uow, v, listing, now)
            message = kind.confirm(uow, v, listing, now)
            self.on_order_confirmed(message["order"], ctx.to_dict(), uow)
            return message
        order_id = order_ref(action, v.message)
        kind = self.kinds.for_order(uow, order_id)
        if action is Action.STATUS:
            return kind.status(uow, v, order_id, now)
        if action is Action.TRACK:
            return kind.track(uow, v, order_id, now)
        if action is Action.CANCEL:
            return kind.cancel(uow, v, order_id, now)
        if action is Action.RATING:
            return kind.rating(uow, v, order_id, now)
        if action is Action.SUPPORT:
            return kind.support(uow, v, order_id, now)
        if "tags" in update_targets(v.message):  # the buyer's countersigned receipt, for any kind
            message = kind.status(uow, v, order_id, now)
            problem = self.on_receipt_countersigned((v.message.get("order") or {}).get("tags"), uow)
            if problem:
                raise Refused(BecknErrorCode.UPDATE_INCONSISTENCY, problem)
            return message
        return kind.update(uow, v, order_id, now)
