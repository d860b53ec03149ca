"""Ports of the food order, seller side: its orders and the drafts between select/init and confirm."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, Unpack

from duijie.services.ports import T, Ts, UnitOfWork

if TYPE_CHECKING:
    from duijie.domain.orders import Draft, Order, OrderState


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """A seller order with the buyer's callback base and the Beckn context of its confirm."""

    order: Order
    bap_uri: str
    context: dict[str, Any]


class OrderRepository(Protocol):
    """The seller's orders; one per (bap_id, transaction_id)."""

    def add(self, order: Order, bap_uri: str, context: dict[str, Any]) -> bool:
        """Insert; False (nothing written) when the transaction already has an order."""
        ...

    def save(self, order: Order) -> None: ...

    def get(self, order_id: str) -> StoredOrder | None: ...

    def for_transaction(self, bap_id: str, transaction_id: str) -> StoredOrder | None: ...

    def list(self, state: OrderState | None = None, limit: int = 500) -> list[StoredOrder]: ...


class DraftRepository(Protocol):
    """Drafts between select/init and confirm, per (bap_id, transaction_id)."""

    def get(self, bap_id: str, transaction_id: str) -> Draft | None: ...

    def put(self, bap_id: str, transaction_id: str, draft: Draft, now: datetime) -> None: ...

    def delete(self, bap_id: str, transaction_id: str) -> None: ...


class SellerUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also holds the seller's orders and drafts."""

    orders: OrderRepository
    drafts: DraftRepository

    def __enter__(self) -> SellerUnitOfWork: ...


class SellerUnitOfWorkFactory(Protocol):
    """Opens a :class:`SellerUnitOfWork`."""

    def __call__(self, *, read_only: bool = False) -> SellerUnitOfWork: ...

    async def run(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        """Run ``func(*args)``, a short unit of database work, where the store runs it best."""
