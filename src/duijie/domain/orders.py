"""The seller's Order aggregate and its state machine.

States::

    CREATED ──accept──▶ ACCEPTED ──ready──▶ READY ──complete──▶ COMPLETED
       │  └──decline (merchant)──▶ DECLINED
       └──cancel (buyer, also from ACCEPTED)──▶ CANCELLED

Rules, enforced here (an illegal step raises ``OrderError``):

- only the merchant accepts, declines, marks ready and completes; declining is possible only
  while CREATED (once accepted, the merchant has committed);
- cancellation terms: the buyer may cancel free of charge while CREATED or ACCEPTED; once the
  food is READY (or the order is over) cancellation is refused (CANCELLATION_NOT_POSSIBLE);
- the buyer may change items and quantities (``update``) only while CREATED, i.e. before the
  merchant accepted (UPDATE_NOT_POSSIBLE);
- only the buyer of the order (its ``bap_id``) may rate it, only once it is COMPLETED, with a
  value from 1 to 5;
- every state change is appended to ``history`` as (state, at, by).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from duijie.domain.cart import Pickup, Quote
from duijie.domain.order_errors import OrderError, OrderRule


class OrderState(StrEnum):
    """Where an order is; Beckn's coarse ``Order.status`` is derived by protocol.mapping."""

    CREATED = "CREATED"
    ACCEPTED = "ACCEPTED"
    READY = "READY"
    COMPLETED = "COMPLETED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"

    @property
    def is_final(self) -> bool:
        """No further transition is possible."""
        return self in (OrderState.COMPLETED, OrderState.DECLINED, OrderState.CANCELLED)


class PaymentTerms(StrEnum):
    """How the buyer pays: at pickup, or in full before the order is prepared."""

    ON_FULFILLMENT = "ON-FULFILLMENT"
    PRE_ORDER = "PRE-ORDER"


MERCHANT = "merchant"

# Merchant transitions: target → the one state it may come from.
_MERCHANT_STEPS: dict[OrderState, OrderState] = {
    OrderState.ACCEPTED: OrderState.CREATED,
    OrderState.DECLINED: OrderState.CREATED,
    OrderState.READY: OrderState.ACCEPTED,
    OrderState.COMPLETED: OrderState.READY,
}

CANCELLABLE = frozenset({OrderState.CREATED, OrderState.ACCEPTED})
"""Cancellation terms: free while CREATED or ACCEPTED, refused from READY on."""

UPDATABLE = frozenset({OrderState.CREATED})
"""Items may change only before the merchant accepts."""


@dataclass(frozen=True, slots=True)
class Billing:
    """Who pays, as the buyer gave it (all optional: a pickup needs only a name or phone)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One state change: the new state, when, and who (``merchant`` or the buyer's bap_id)."""

    state: OrderState
    at: datetime
    by: str


@dataclass(frozen=True, slots=True)
class Draft:
    """What select/init agreed so far for one transaction, before confirm."""

    provider_id: str
    quote: Quote
    pickup: Pickup | None = None
    billing: Billing | None = None
    payment: PaymentTerms = PaymentTerms.ON_FULFILLMENT


@dataclass(frozen=True, slots=True)
class Order:
    """A confirmed order at this seller. Immutable: every step returns a new ``Order``."""

    id: str
    provider_id: str
    bap_id: str
    transaction_id: str
    quote: Quote
    pickup: Pickup
    billing: Billing | None
    payment: PaymentTerms
    state: OrderState
    history: tuple[HistoryEntry, ...]
    created_at: datetime
    updated_at: datetime
    rating: int | None = None
    reason: str | None = None  # why it was declined or cancelled

    @classmethod
    def create(cls, order_id: str, bap_id: str, transaction_id: str, draft: Draft, now: datetime) -> Order:
        """A new CREATED order from a draft that has a pickup (confirmed, awaiting the merchant)."""
        if draft.pickup is None:
            raise OrderError(OrderRule.FULFILLMENT_UNAVAILABLE, "choose a pickup location before confirming")
        return cls(
            order_id,
            draft.provider_id,
            bap_id,
            transaction_id,
            draft.quote,
            draft.pickup,
            draft.billing,
            draft.payment,
            OrderState.CREATED,
            (HistoryEntry(OrderState.CREATED, now, bap_id),),
            now,
            now,
        )

    def _to(self, state: OrderState, now: datetime, by: str, reason: str | None = None) -> Order:
        return replace(
            self,
            state=state,
            updated_at=now,
            history=(*self.history, HistoryEntry(state, now, by)),
            reason=reason if reason is not None else self.reason,
        )

    def _merchant_step(self, target: OrderState, now: datetime, reason: str | None = None) -> Order:
        source = _MERCHANT_STEPS[target]
        if self.state is not source:
            raise OrderError(
                OrderRule.ILLEGAL_TRANSITION,
                f"order {self.id} is {self.state.value}; {target.value} is possible only from {source.value}",
            )
        return self._to(target, now, MERCHANT, reason)

    def accept(self, now: datetime) -> Order:
        """The merchant takes the order (CREATED → ACCEPTED)."""
        return self._merchant_step(OrderState.ACCEPTED, now)

    def decline(self, reason: str, now: datetime) -> Order:
        """The merchant refuses the order (CREATED → DECLINED), saying why."""
        return self._merchant_step(OrderState.DECLINED, now, reason or "declined by the merchant")

    def mark_ready(self, now: datetime) -> Order:
        """The food is ready for pickup (ACCEPTED → READY)."""
        return self._merchant_step(OrderState.READY, now)

    def complete(self, now: datetime) -> Order:
        """The buyer picked it up (READY → COMPLETED)."""
        return self._merchant_step(OrderState.COMPLETED, now)

    def cancel(self, by: str, now: datetime, reason: str | None = None) -> Order:
        """The buyer cancels, per the cancellation terms (free while CREATED or ACCEPTED)."""
        if by != self.bap_id:
            raise OrderError(OrderRule.CANCELLATION_NOT_POSSIBLE, f"only the buyer of order {self.id} may cancel it")
        if self.state not in CANCELLABLE:
            raise OrderError(
                OrderRule.CANCELLATION_NOT_POSSIBLE,
                f"order {self.id} is {self.state.value}; it can be cancelled only while CREATED or ACCEPTED",
            )
        return self._to(OrderState.CANCELLED, now, by, reason or "cancelled by the buyer")

    def ensure_updatable(self, by: str) -> None:
        """Refuse (UPDATE_NOT_POSSIBLE) unless ``by`` is the buyer and the merchant has not accepted yet."""
        if by != self.bap_id:
            raise OrderError(OrderRule.UPDATE_NOT_POSSIBLE, f"only the buyer of order {self.id} may change it")
        if self.state not in UPDATABLE:
            raise OrderError(
                OrderRule.UPDATE_NOT_POSSIBLE,
                f"order {self.id} is {self.state.value}; items can change only before the merchant accepts",
            )

    def update_quote(self, quote: Quote, by: str, now: datetime) -> Order:
        """The buyer changes items or quantities, before the merchant accepted."""
        self.ensure_updatable(by)
        if quote.provider_id != self.provider_id:
            raise OrderError(OrderRule.UPDATE_NOT_POSSIBLE, "an order cannot move to another provider")
        return replace(self, quote=quote, updated_at=now)

    def rate(self, value: int, by: str, now: datetime) -> Order:
        """The buyer rates the completed order, 1 (worst) to 5 (best)."""
        if by != self.bap_id:
            raise OrderError(OrderRule.RATING_NOT_ALLOWED, f"only the buyer of order {self.id} may rate it")
        if self.state is not OrderState.COMPLETED:
            raise OrderError(
                OrderRule.RATING_NOT_ALLOWED,
                f"order {self.id} is {self.state.value}; only a completed order can be rated",
            )
        if not 1 <= value <= 5:
            raise OrderError(OrderRule.INVALID_RATING, f"a rating is 1 to 5, got {value}")
        return replace(self, rating=value, updated_at=now)
