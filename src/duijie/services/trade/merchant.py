"""The merchant's inbox of orders: list, read, accept, decline, mark ready, complete.

Each change commits the new state and an unsolicited ``on_status`` to the buyer (new
message_id, same transaction_id) in one unit of work, so the buyer is told whatever happens next.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from duijie.domain.listing import Listing
from duijie.domain.order_errors import OrderError
from duijie.domain.orders import Order, OrderState
from duijie.domain.text import LocalText
from duijie.interchange.order_json import order_document
from duijie.protocol import mapping as m
from duijie.protocol.context import Action, Context
from duijie.services.errors import Conflict, NotFound, ServiceError
from duijie.services.ports import Clock
from duijie.services.trade.food.orders import pickup_zone
from duijie.services.trade.food.ports import SellerUnitOfWorkFactory
from duijie.services.trade.order_callbacks import SellerNode, queue_callback

Transition = Callable[[Order, Any], Order]
log = logging.getLogger("duijie.seller")


def order_view(order: Order, listing: Listing | None = None) -> dict[str, Any]:
    """The JSON the merchant API and CLI show for one order: its stored document, plus the
    Beckn status and a summary of the lines (display names, totals) for a list; with the listing,
    ``pickup.time_zone`` is the pickup location's, so the pickup time is shown as its clock reads."""
    doc = order_document(order)
    quote = doc.pop("quote")
    zone = pickup_zone(order, listing) if listing is not None else None
    if zone and doc.get("pickup"):
        doc["pickup"]["time_zone"] = zone
    return {
        **doc,
        "beckn_status": m.beckn_status(order.state),
        "lines": [
            {
                "item_id": ln["item_id"],
                "name": LocalText(**ln["name"]).both(),
                "quantity": ln["quantity"],
                "add_ons": [a["id"] for a in ln["add_ons"]],
                "total": ln["total"]["amount"],
            }
            for ln in quote["lines"]
        ],
        "total": quote["total"],
    }


def parse_state(raw: str | None) -> OrderState | None:
    """An ``OrderState`` from a query parameter (any case); ServiceError naming the field otherwise."""
    if raw is None or raw == "":
        return None
    try:
        return OrderState(raw.upper())
    except ValueError:
        choices = ", ".join(s.value for s in OrderState)
        raise ServiceError(f"state must be one of {choices}, not {raw!r}", field="state") from None


class MerchantService:
    """Use cases of the merchant's order inbox; the async methods run their database work through
    ``uow.run`` (inline on SQLite, in a worker thread on PostgreSQL)."""

    def __init__(self, uow: SellerUnitOfWorkFactory, clock: Clock, node: SellerNode) -> None:
        self._uow = uow
        self._clock = clock
        self._node = node

    async def list_orders(self, state: str | None = None) -> list[dict[str, Any]]:
        """Every order (newest first), or only those in ``state``."""
        wanted = parse_state(state)
        return await self._uow.run(self._list, wanted)

    async def get_order(self, order_id: str) -> dict[str, Any]:
        return await self._uow.run(self._get, order_id)

    async def accept(self, order_id: str) -> dict[str, Any]:
        return await self._change(order_id, lambda o, now: o.accept(now))

    async def decline(self, order_id: str, reason: str | None) -> dict[str, Any]:
        return await self._change(order_id, lambda o, now: o.decline(reason or "", now))

    async def mark_ready(self, order_id: str) -> dict[str, Any]:
        return await self._change(order_id, lambda o, now: o.mark_ready(now))

    async def complete(self, order_id: str) -> dict[str, Any]:
        return await self._change(order_id, lambda o, now: o.complete(now))

    async def _change(self, order_id: str, step: Transition) -> dict[str, Any]:
        # The commit hands the on_status to the outbox sender, which sends it at once.
        return await self._uow.run(self._transition, order_id, step)

    def _list(self, state: OrderState | None) -> list[dict[str, Any]]:
        with self._uow(read_only=True) as uow:
            listings: dict[str, Listing | None] = {}
            out = []
            for s in uow.orders.list(state):
                pid = s.order.provider_id
                if pid not in listings:  # one read per provider, not per order
                    found = uow.listings.get(pid)
                    listings[pid] = found.listing if found is not None else None
                out.append(order_view(s.order, listings[pid]))
            return out

    def _get(self, order_id: str) -> dict[str, Any]:
        with self._uow(read_only=True) as uow:
            stored = uow.orders.get(order_id)
            if stored is None:
                raise NotFound(f"no order {order_id!r}", field="order_id")
            found = uow.listings.get(stored.order.provider_id)
        return order_view(stored.order, found.listing if found is not None else None)

    def _transition(self, order_id: str, step: Transition) -> dict[str, Any]:
        now = self._clock.now()
        with self._uow() as uow:
            stored = uow.orders.get(order_id)
            if stored is None:
                raise NotFound(f"no order {order_id!r}", field="order_id")
            try:
                changed = step(stored.order, now)
            except OrderError as exc:
                raise Conflict(f"{exc.message} (state: {stored.order.state.value})", field="state") from exc
            uow.orders.save(changed)
            listing = uow.listings.get(changed.provider_id)
            if listing is not None:
                queue_callback(
                    uow,
                    Context.from_dict(stored.context),
                    self._node,
                    now,
                    action=Action.ON_STATUS,
                    message={"order": m.order_to_beckn(changed, listing.listing)},
                    message_id=str(uuid.uuid4()),
                )
            uow.commit()
        log.info("order %s %s by the merchant", changed.id, changed.state.value.lower())
        return order_view(changed, listing.listing if listing is not None else None)
