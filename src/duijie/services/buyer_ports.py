"""Ports of the buyer side (BAP): callbacks received, purchases, receipts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, Unpack

from duijie.services.ports import T, Ts, UnitOfWork


@dataclass(frozen=True, slots=True)
class StoredCallback:
    """One verified callback (``on_*``) this node received as a buyer, as the raw document."""

    id: int
    transaction_id: str
    message_id: str
    action: str
    bpp_id: str | None
    document: dict[str, Any]
    received_at: datetime


class CallbackRepository(Protocol):
    """Every callback received, per transaction, in arrival order."""

    def add(self, transaction_id: str, message_id: str, action: str, bpp_id: str | None,
            document: dict[str, Any], now: datetime, *, raw: bytes = b"") -> int:
        """Store a callback; ``raw``, when given, is its body as received (``document`` parsed from it)."""

    def for_transaction(self, transaction_id: str, after_id: int = 0) -> list[StoredCallback]: ...

    def by_message(self, message_id: str, action: str) -> list[StoredCallback]: ...


@dataclass(frozen=True, slots=True)
class Purchase:
    """An order this node placed, as last reported by the seller (``document`` is the Beckn order)."""

    order_id: str
    transaction_id: str
    bpp_id: str
    bpp_uri: str
    provider_id: str
    status: str
    document: dict[str, Any]
    updated_at: datetime


class PurchaseRepository(Protocol):
    """The buyer's orders."""

    def put(self, purchase: Purchase) -> None:
        """Insert or replace by order id."""
        ...

    def get(self, order_id: str) -> Purchase | None: ...

    def all(self) -> list[Purchase]: ...


class ReceiptRepository(Protocol):
    """Receipts held by this node (either side), one per order id."""

    def put(self, order_id: str, receipt: dict[str, Any], now: datetime) -> None:
        """Insert or replace the receipt of ``order_id``."""
        ...

    def get(self, order_id: str) -> dict[str, Any] | None: ...


class BuyerUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also holds the buyer-side repositories and receipts."""

    callbacks: CallbackRepository
    purchases: PurchaseRepository
    receipts: ReceiptRepository

    def __enter__(self) -> BuyerUnitOfWork: ...


class BuyerUnitOfWorkFactory(Protocol):
    """Opens a :class:`BuyerUnitOfWork`."""

    def __call__(self, *, read_only: bool = False) -> BuyerUnitOfWork: ...

    async def run(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        """Run ``func(*args)``, a short unit of database work, where the store runs it best."""
