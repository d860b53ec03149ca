"""A toy kind of trade, for the tests only: guided tours, booked per person.

It shows what a new kind needs and nothing more: it owns the items whose id starts with
``tour-`` (they are not in the menu), keeps its quotes and bookings in its own dicts (a real kind
has a repository in the unit of work, and a migration), answers select/init/confirm/status, and
has a buyer side that writes the three orders. Registering it is one line:
``seller.kinds.register(TourKind())``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from duijie.domain.listing import Listing
from duijie.protocol.errors import BecknErrorCode
from duijie.protocol.pipeline import Verified
from duijie.services.ports import UnitOfWork
from duijie.services.trade.kinds import Message, Refused, SellerKind

PRICE_PER_PERSON = 12


@dataclass
class TourKind(SellerKind[UnitOfWork]):
    """Seller side: tours of any provider, 12 USD a person."""

    name = "guided tour"
    quotes: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def owns_item(self, listing: Listing, item_id: str) -> bool:
        return item_id.startswith("tour-")

    def holds_order(self, uow: UnitOfWork, order_id: str) -> bool:
        return order_id in self.bookings

    def _quote(self, request: Verified, listing: Listing) -> dict[str, Any]:
        items = request.message["order"]["items"]
        people = sum(int(i["quantity"]["selected"]["count"]) for i in items)
        order = {
            "provider": {"id": listing.id},
            "items": [{"id": i["id"], "quantity": i["quantity"]} for i in items],
            "quote": {"price": {"currency": "USD", "value": f"{PRICE_PER_PERSON * people}.00"}},
        }
        self.quotes[(request.context.bap_id, request.context.transaction_id)] = order
        return order

    def select(self, uow: UnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        return {"order": self._quote(request, listing)}

    def init(self, uow: UnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        order = self._quote(request, listing)
        return {"order": {**order, "billing": request.message["order"].get("billing", {})}}

    def confirm(self, uow: UnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        key = (request.context.bap_id, request.context.transaction_id)
        if key not in self.quotes:
            raise Refused(BecknErrorCode.INVALID_REQUEST, "select a tour first")
        booking = {**self.quotes[key], "id": f"T-{len(self.bookings) + 1}", "status": "ACTIVE"}
        self.bookings[booking["id"]] = booking
        return {"order": booking}

    def status(self, uow: UnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        return {"order": self.bookings[str(order_id)]}


@dataclass(frozen=True)
class TourRequest:
    """Buyer side: a tour for ``people`` at ``provider_id`` from the seller at ``bpp_uri``."""

    bpp_uri: str
    provider_id: str
    people: int
    bpp_id: str | None = None


class TourPurchase:
    """The buyer's side of the toy kind (a :class:`~duijie.services.trade.kinds.BuyerKind`)."""

    def select_order(self, request: TourRequest) -> dict[str, Any]:
        return {"provider": {"id": request.provider_id},
                "items": [{"id": "tour-morning", "quantity": {"selected": {"count": request.people}}}]}

    def init_order(self, request: TourRequest, selected: dict[str, Any], quoted: dict[str, Any]) -> dict[str, Any]:
        return {**selected, "billing": {"name": "Tour guest"}}

    def confirm_order(self, request: TourRequest, draft: dict[str, Any], terms: dict[str, Any]) -> dict[str, Any]:
        return {**draft, **terms}
