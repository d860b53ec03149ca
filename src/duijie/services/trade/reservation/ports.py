"""Ports of the room reservation, seller side: bookings (with their slot claims), blocks, waitlist.

The storage adapter (``storage/reservations_repo.py``) keeps the promise that no two bookings
that occupy their slot (HELD, PENDING_APPROVAL, CONFIRMED) overlap on one resource *in the
database itself*: every occupying booking claims the fixed cells its slot and buffer cover, and
a cell can be claimed once. Two racing transactions cannot both win, whatever the use cases
checked before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, Unpack

from duijie.domain.reservation_rules import Slot
from duijie.domain.reservations import Booking, BookingState, Guest
from duijie.services.ports import T, Ts, UnitOfWork


@dataclass(frozen=True, slots=True)
class StoredBooking:
    """A booking with the guest's callback base and the Beckn context of its confirm."""

    booking: Booking
    bap_uri: str
    context: dict[str, Any]


class BookingRepository(Protocol):
    """The seller's bookings; one per (bap_id, transaction_id).

    ``add`` and ``save`` claim the slot of an occupying booking (and release the claim of one
    that no longer occupies); a claim that collides with another booking's raises
    ``ReservationError(SLOT_TAKEN)`` and writes nothing.
    """

    def add(self, booking: Booking, bap_uri: str, context: dict[str, Any], buffer_minutes: int = 0) -> bool:
        """Insert and claim; False (nothing written) when the transaction already has a booking."""
        ...

    def save(self, booking: Booking, buffer_minutes: int = 0) -> None:
        """Store a changed booking (its context is kept), re-claiming or releasing its slot."""
        ...

    def get(self, booking_id: str) -> StoredBooking | None: ...

    def for_transaction(self, bap_id: str, transaction_id: str) -> StoredBooking | None: ...

    def overlapping(self, provider_id: str, resource_id: str | None, period: Slot,
                    states: frozenset[BookingState] | None = None) -> list[StoredBooking]:
        """Bookings of a resource (every resource of the provider when None) that overlap ``period``,
        optionally only those in ``states``; by start time."""
        ...

    def list(self, provider_id: str | None = None, state: BookingState | None = None,
             limit: int = 500) -> list[StoredBooking]:
        """Newest first."""
        ...


@dataclass(frozen=True, slots=True)
class Block:
    """A period the merchant took a resource out of booking (a private event, maintenance)."""

    id: str
    provider_id: str
    resource_id: str
    slot: Slot
    reason: str
    created_at: datetime


class BlockRepository(Protocol):
    """The merchant's blocks."""

    def add(self, block: Block) -> None: ...

    def remove(self, block_id: str) -> bool:
        """Delete; False when there was no such block."""
        ...

    def get(self, block_id: str) -> Block | None: ...

    def overlapping(self, provider_id: str, resource_id: str | None, period: Slot) -> list[Block]:
        """Blocks of a resource (every resource when None) that overlap ``period``, by start time."""
        ...


class WaitState(StrEnum):
    """Where a waitlist entry is: waiting, offered the freed slot (held until a deadline), done."""

    WAITING = "WAITING"
    OFFERED = "OFFERED"
    BOOKED = "BOOKED"
    EXPIRED = "EXPIRED"
    LEFT = "LEFT"


@dataclass(frozen=True, slots=True)
class WaitlistEntry:
    """A guest waiting for a taken slot; the first WAITING one is offered it when it frees up."""

    id: str
    provider_id: str
    resource_id: str
    slot: Slot
    party_size: int
    bap_id: str
    bap_uri: str
    guest: Guest
    state: WaitState
    created_at: datetime
    updated_at: datetime
    offered_until: datetime | None = None
    booking_id: str | None = None  # the HELD booking made for the offer
    context: dict[str, Any] = field(default_factory=dict)


class WaitlistRepository(Protocol):
    """Waitlist entries, first come first served (by ``created_at``, then insertion)."""

    def add(self, entry: WaitlistEntry) -> None: ...

    def save(self, entry: WaitlistEntry) -> None: ...

    def get(self, entry_id: str) -> WaitlistEntry | None: ...

    def for_slot(self, provider_id: str, resource_id: str, period: Slot,
                 states: frozenset[WaitState] = frozenset({WaitState.WAITING})) -> list[WaitlistEntry]:
        """Entries whose slot overlaps ``period``, in ``states``, first come first."""
        ...

    def offered_before(self, moment: datetime) -> list[WaitlistEntry]:
        """OFFERED entries whose hold ran out before ``moment``."""
        ...


class ReservationUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also holds the reservation repositories."""

    bookings: BookingRepository
    blocks: BlockRepository
    waitlist: WaitlistRepository

    def __enter__(self) -> ReservationUnitOfWork: ...


class ReservationUnitOfWorkFactory(Protocol):
    """Opens a :class:`ReservationUnitOfWork`."""

    def __call__(self, *, read_only: bool = False) -> ReservationUnitOfWork: ...

    async def run(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        """Run ``func(*args)``, a short unit of database work, where the store runs it best."""
        ...
