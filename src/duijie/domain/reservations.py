"""The Booking aggregate: a party's claim on a room, hall or KTV room for a time range.

States::

    HELD ──────────────┬──▶ CONFIRMED ──┬──▶ COMPLETED
      │                │        ▲       ├──▶ NO_SHOW
      │                ▼        │       └──▶ CANCELLED
      │        PENDING_APPROVAL ┴──▶ DECLINED
      └──▶ CANCELLED (hold released)  └──▶ CANCELLED

- HELD: a slot kept for one guest for a limited time (``hold_until``), e.g. the first guest of a
  waitlist after a cancellation; it becomes a request when the guest confirms.
- A request becomes CONFIRMED at once when the resource's approval is instant, else
  PENDING_APPROVAL until the merchant accepts (CONFIRMED) or declines (DECLINED).
- HELD, PENDING_APPROVAL and CONFIRMED occupy the slot (:attr:`BookingState.occupies`): no two
  such bookings of one resource overlap (checked here by the rules, enforced by the database).
- Only the guest who booked (its ``bap_id``) cancels or changes a booking; the merchant accepts,
  declines, marks a no-show or completes. NO_SHOW and COMPLETED are possible once the slot began.
- Every state change is appended to ``history`` as (state, at, by).

The rules a request must pass are in :mod:`duijie.domain.reservation_rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from duijie.domain.money import Money
from duijie.domain.reservation_rules import ReservationError, ReservationRule, RuleViolation, Slot
from duijie.domain.resources import ApprovalMode, BookableResource

MERCHANT = "merchant"


class BookingState(StrEnum):
    """Where a booking is."""

    HELD = "HELD"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    CONFIRMED = "CONFIRMED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"
    COMPLETED = "COMPLETED"

    @property
    def occupies(self) -> bool:
        """The booking keeps its slot from everyone else."""
        return self in OCCUPYING

    @property
    def is_final(self) -> bool:
        """No further transition is possible."""
        return not TRANSITIONS.get(self)


OCCUPYING = frozenset({BookingState.HELD, BookingState.PENDING_APPROVAL, BookingState.CONFIRMED})
"""States whose booking claims its slot."""

TRANSITIONS: dict[BookingState, frozenset[BookingState]] = {
    BookingState.HELD: frozenset({BookingState.PENDING_APPROVAL, BookingState.CONFIRMED, BookingState.CANCELLED}),
    BookingState.PENDING_APPROVAL: frozenset({BookingState.CONFIRMED, BookingState.DECLINED, BookingState.CANCELLED}),
    BookingState.CONFIRMED: frozenset({BookingState.CANCELLED, BookingState.NO_SHOW, BookingState.COMPLETED}),
}
"""Allowed transitions: state → the states it may move to (final states have none)."""


@dataclass(frozen=True, slots=True)
class Guest:
    """Who the booking is for, as the guest gave it (all optional but a name or phone is expected)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    requests: str | None = None  # special requests ("a birthday cake", "wheelchair access")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One state change: the new state, when, and who (``merchant`` or the guest's bap_id)."""

    state: BookingState
    at: datetime
    by: str


def initial_state(resource: BookableResource) -> BookingState:
    """What a request becomes: CONFIRMED when the resource confirms instantly, else PENDING_APPROVAL."""
    return BookingState.CONFIRMED if resource.approval is ApprovalMode.INSTANT else BookingState.PENDING_APPROVAL


def _refuse(rule: ReservationRule, message: str) -> ReservationError:
    return ReservationError(RuleViolation(rule, message))


@dataclass(frozen=True, slots=True)
class Booking:
    """A booking at this seller. Immutable: every step returns a new ``Booking``."""

    id: str
    provider_id: str
    resource_id: str
    location_id: str
    party_size: int
    slot: Slot
    bap_id: str
    transaction_id: str
    state: BookingState
    guest: Guest
    deposit: Money | None
    history: tuple[HistoryEntry, ...]
    created_at: datetime
    updated_at: datetime
    hold_until: datetime | None = None
    reason: str | None = None  # why it was declined or cancelled

    @classmethod
    def request(cls, booking_id: str, provider_id: str, resource: BookableResource, party_size: int, slot: Slot,
                bap_id: str, transaction_id: str, guest: Guest, now: datetime) -> Booking:
        """A new booking in its :func:`initial_state` (the caller has checked the rules)."""
        state = initial_state(resource)
        return cls(booking_id, provider_id, resource.id, resource.location_id, party_size, slot, bap_id,
                   transaction_id, state, guest, resource.deposit, (HistoryEntry(state, now, bap_id),), now, now)

    @classmethod
    def hold(cls, booking_id: str, provider_id: str, resource: BookableResource, party_size: int, slot: Slot,
             bap_id: str, transaction_id: str, guest: Guest, now: datetime, until: datetime) -> Booking:
        """A slot HELD for one guest until ``until`` (then released unless the guest confirms)."""
        return cls(booking_id, provider_id, resource.id, resource.location_id, party_size, slot, bap_id,
                   transaction_id, BookingState.HELD, guest, resource.deposit,
                   (HistoryEntry(BookingState.HELD, now, bap_id),), now, now, hold_until=until)

    def to(self, state: BookingState, now: datetime, by: str, reason: str | None = None) -> Booking:
        """Move to ``state`` if :data:`TRANSITIONS` allows it (ILLEGAL_TRANSITION otherwise)."""
        if state not in TRANSITIONS.get(self.state, frozenset()):
            raise _refuse(ReservationRule.ILLEGAL_TRANSITION,
                          f"booking {self.id} is {self.state.value}; it cannot become {state.value}")
        return replace(self, state=state, updated_at=now, history=(*self.history, HistoryEntry(state, now, by)),
                       reason=reason if reason is not None else self.reason,
                       hold_until=self.hold_until if state is BookingState.HELD else None)

    def ensure_guest(self, by: str, what: str) -> None:
        """Refuse (NOT_THE_GUEST) unless ``by`` is the guest who booked."""
        if by != self.bap_id:
            raise _refuse(ReservationRule.NOT_THE_GUEST, f"only the guest who booked {self.id} may {what} it")

    # ---- the guest -----------------------------------------------------------------------------

    def confirm_hold(self, resource: BookableResource, now: datetime, by: str) -> Booking:
        """The guest takes the held slot before the hold ran out (then as a new request would go)."""
        self.ensure_guest(by, "confirm")
        if self.state is not BookingState.HELD:
            raise _refuse(ReservationRule.ILLEGAL_TRANSITION, f"booking {self.id} is {self.state.value}, not HELD")
        if self.hold_until is not None and now > self.hold_until:
            raise _refuse(ReservationRule.ILLEGAL_TRANSITION, f"the hold on {self.id} ran out at {self.hold_until}")
        return self.to(initial_state(resource), now, by)

    def cancel(self, by: str, now: datetime, reason: str | None = None) -> Booking:
        """The guest cancels (from HELD, PENDING_APPROVAL or CONFIRMED); the refund is the terms'."""
        self.ensure_guest(by, "cancel")
        return self.to(BookingState.CANCELLED, now, by, reason or "cancelled by the guest")

    def change(self, party_size: int, slot: Slot, by: str, now: datetime) -> Booking:
        """The guest changes the party size or time (the caller re-checks the rules like a new booking)."""
        self.ensure_guest(by, "change")
        if not self.state.occupies:
            raise _refuse(ReservationRule.ILLEGAL_TRANSITION,
                          f"booking {self.id} is {self.state.value}; only an active booking can change")
        return replace(self, party_size=party_size, slot=slot, updated_at=now)

    # ---- the merchant --------------------------------------------------------------------------

    def accept(self, now: datetime) -> Booking:
        """The merchant approves a request (PENDING_APPROVAL → CONFIRMED)."""
        if self.state is not BookingState.PENDING_APPROVAL:
            raise _refuse(ReservationRule.ILLEGAL_TRANSITION,
                          f"booking {self.id} is {self.state.value}; only a pending request can be accepted")
        return self.to(BookingState.CONFIRMED, now, MERCHANT)

    def decline(self, reason: str, now: datetime) -> Booking:
        """The merchant refuses a request (PENDING_APPROVAL → DECLINED), saying why."""
        return self.to(BookingState.DECLINED, now, MERCHANT, reason or "declined by the merchant")

    def release(self, now: datetime, reason: str = "the hold ran out") -> Booking:
        """A hold ends unused (HELD → CANCELLED), e.g. when it ran out."""
        if self.state is not BookingState.HELD:
            raise _refuse(ReservationRule.ILLEGAL_TRANSITION, f"booking {self.id} is {self.state.value}, not HELD")
        return self.to(BookingState.CANCELLED, now, MERCHANT, reason)

    def _after_start(self, target: BookingState, now: datetime) -> Booking:
        if now < self.slot.start:
            raise _refuse(ReservationRule.ILLEGAL_TRANSITION,
                          f"booking {self.id} starts at {self.slot.start.isoformat()}; "
                          f"it can be marked {target.value} only from then on")
        return self.to(target, now, MERCHANT)

    def no_show(self, now: datetime) -> Booking:
        """The party did not come (CONFIRMED → NO_SHOW), once the slot began."""
        return self._after_start(BookingState.NO_SHOW, now)

    def complete(self, now: datetime) -> Booking:
        """The party came (CONFIRMED → COMPLETED), once the slot began."""
        return self._after_start(BookingState.COMPLETED, now)
