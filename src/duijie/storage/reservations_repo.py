"""SQL repositories of the reservation: bookings with their slot claims, blocks, and the waitlist.

No double booking is the database's promise, not only the use case's: an occupying booking
claims every :data:`CELL_MINUTES` cell from its start to its end plus the resource's buffer, in
``reservation_claims`` whose primary key admits each (provider, resource, cell) once. Two
transactions that race for overlapping slots insert the same cell; SQLite serialises writers and
the second sees the first's rows, PostgreSQL makes the second wait on the first's uncommitted
key and then fails it. Either way exactly one wins, and the loser gets
``ReservationError(SLOT_TAKEN)``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from duijie.domain.reservation_rules import ReservationError, ReservationRule, RuleViolation, Slot
from duijie.domain.reservations import Booking, BookingState
from duijie.interchange.booking_json import (
    booking_from_json,
    booking_to_json,
    guest_doc,
    read_guest,
    read_slot,
    slot_doc,
)
from duijie.services.trade.reservation.ports import Block, StoredBooking, WaitlistEntry, WaitState
from duijie.storage.prepared import Prepared
from duijie.storage.tables import reservation_blocks, reservation_claims, reservation_waitlist, reservations
from duijie.storage.timestamps import as_utc

CELL_MINUTES = 15
"""The claim grain. Slots and buffers on a quarter hour claim exactly their time; others round out."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_INSERT = Prepared(insert(reservations))
_BY_ID = Prepared(select(reservations).where(reservations.c.id == bindparam("p_id")))
_BY_TRANSACTION = Prepared(select(reservations).where(
    reservations.c.bap_id == bindparam("p_bap"), reservations.c.transaction_id == bindparam("p_tx")))
_UPDATE = Prepared(update(reservations).where(reservations.c.id == bindparam("p_id")).values(
    state=bindparam("p_state"), slot_start=bindparam("p_start"), slot_end=bindparam("p_end"),
    document=bindparam("p_doc"), updated_at=bindparam("p_now")))
_OVERLAP = (reservations.c.provider_id == bindparam("p_provider"), reservations.c.slot_start < bindparam("p_end"),
            reservations.c.slot_end > bindparam("p_start"))
_OVERLAPPING_ALL = Prepared(select(reservations).where(*_OVERLAP).order_by(reservations.c.slot_start,
                                                                          reservations.c.id))
_OVERLAPPING = Prepared(select(reservations).where(*_OVERLAP, reservations.c.resource_id == bindparam("p_resource"))
                        .order_by(reservations.c.slot_start, reservations.c.id))
_BLOCKS = Prepared(select(reservation_blocks).where(
    reservation_blocks.c.provider_id == bindparam("p_provider"), reservation_blocks.c.resource_id == bindparam(
        "p_resource"), reservation_blocks.c.starts_at < bindparam("p_end"),
    reservation_blocks.c.ends_at > bindparam("p_start")).order_by(reservation_blocks.c.starts_at,
                                                                 reservation_blocks.c.id))
_CLAIM = Prepared(insert(reservation_claims))
_RELEASE = Prepared(delete(reservation_claims).where(reservation_claims.c.booking_id == bindparam("p_id")))


def cells(slot: Slot, buffer_minutes: int = 0) -> list[int]:
    """The cells (minutes since the epoch, multiples of :data:`CELL_MINUTES`) [start, end + buffer) covers."""
    first = int((slot.start - _EPOCH).total_seconds() // 60)
    last = int(-((_EPOCH - slot.end).total_seconds() // 60)) + buffer_minutes  # ceiling
    first -= first % CELL_MINUTES
    return list(range(first, last, CELL_MINUTES))


def _taken(booking: Booking) -> ReservationError:
    return ReservationError(RuleViolation(
        ReservationRule.SLOT_TAKEN,
        f"{booking.resource_id} is already booked from {booking.slot.start.isoformat()} to "
        f"{booking.slot.end.isoformat()} (or within its buffer)"))


def _stored(row: Any) -> StoredBooking:
    booking, context = booking_from_json(row.document)
    return StoredBooking(booking, row.bap_uri, context)


class SqlBookingRepository:
    """Bookings as JSON documents plus key columns, and their claims (see the module docstring).

    After a ``ReservationError(SLOT_TAKEN)`` from :meth:`save` the unit of work must be rolled back
    (the use case raises it on, so it is): the booking's earlier claims were released first.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _savepoint(self) -> AbstractContextManager[object]:
        # PostgreSQL aborts the whole transaction on an error; a savepoint keeps it usable.
        # SQLite undoes just the failing statement (partial claims are deleted by hand).
        return nullcontext() if self._conn.dialect.name == "sqlite" else self._conn.begin_nested()

    def _claim(self, booking: Booking, buffer_minutes: int) -> None:
        rows = [{"provider_id": booking.provider_id, "resource_id": booking.resource_id, "cell": c,
                 "booking_id": booking.id} for c in cells(booking.slot, buffer_minutes)]
        try:
            with self._savepoint():
                _CLAIM.run_many(self._conn, rows)
        except IntegrityError:
            _RELEASE.run(self._conn, {"p_id": booking.id})  # what executemany got in before the clash
            raise _taken(booking) from None

    def add(self, booking: Booking, bap_uri: str, context: dict[str, Any], buffer_minutes: int = 0) -> bool:
        """Claim the slot (when the booking occupies it) and insert; False when the transaction has one."""
        if booking.state.occupies:
            self._claim(booking, buffer_minutes)
        try:
            with self._savepoint():
                _INSERT.run(self._conn, {
                    "id": booking.id, "provider_id": booking.provider_id, "resource_id": booking.resource_id,
                    "bap_id": booking.bap_id, "bap_uri": bap_uri, "transaction_id": booking.transaction_id,
                    "state": booking.state.value, "slot_start": booking.slot.start, "slot_end": booking.slot.end,
                    "document": booking_to_json(booking, context), "created_at": booking.created_at,
                    "updated_at": booking.updated_at,
                })
        except IntegrityError:
            _RELEASE.run(self._conn, {"p_id": booking.id})
            return False
        return True

    def save(self, booking: Booking, buffer_minutes: int = 0) -> None:
        """Store a changed booking; re-claim its slot if it still occupies one, else release it."""
        current = self.get(booking.id)
        if current is None:
            raise KeyError(booking.id)
        _RELEASE.run(self._conn, {"p_id": booking.id})
        if booking.state.occupies:
            self._claim(booking, buffer_minutes)
        _UPDATE.run(self._conn, {
            "p_id": booking.id, "p_state": booking.state.value, "p_start": booking.slot.start,
            "p_end": booking.slot.end, "p_doc": booking_to_json(booking, current.context),
            "p_now": booking.updated_at,
        })

    def get(self, booking_id: str) -> StoredBooking | None:
        row = _BY_ID.run(self._conn, {"p_id": booking_id}).first()
        return _stored(row) if row is not None else None

    def for_transaction(self, bap_id: str, transaction_id: str) -> StoredBooking | None:
        row = _BY_TRANSACTION.run(self._conn, {"p_bap": bap_id, "p_tx": transaction_id}).first()
        return _stored(row) if row is not None else None

    def overlapping(self, provider_id: str, resource_id: str | None, period: Slot,
                    states: frozenset[BookingState] | None = None) -> list[StoredBooking]:
        params = {"p_provider": provider_id, "p_start": period.start, "p_end": period.end}
        if resource_id is None:
            rows = _OVERLAPPING_ALL.run(self._conn, params).all()
        else:  # the confirm path: one prepared statement, the states filtered here
            rows = _OVERLAPPING.run(self._conn, {**params, "p_resource": resource_id}).all()
        wanted = None if states is None else {s.value for s in states}
        return [_stored(row) for row in rows if wanted is None or row.state in wanted]

    def list(self, provider_id: str | None = None, state: BookingState | None = None,
             limit: int = 500) -> list[StoredBooking]:
        r = reservations.c
        query = select(reservations).order_by(r.created_at.desc(), r.id).limit(limit)
        if provider_id is not None:
            query = query.where(r.provider_id == provider_id)
        if state is not None:
            query = query.where(r.state == state.value)
        return [_stored(row) for row in self._conn.execute(query).all()]


def _block(row: Any) -> Block:
    return Block(row.id, row.provider_id, row.resource_id, Slot(as_utc(row.starts_at), as_utc(row.ends_at)),
                 row.reason, as_utc(row.created_at))


class SqlBlockRepository:
    """The merchant's blocks, one row each."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, block: Block) -> None:
        self._conn.execute(insert(reservation_blocks).values(
            id=block.id, provider_id=block.provider_id, resource_id=block.resource_id, starts_at=block.slot.start,
            ends_at=block.slot.end, reason=block.reason, created_at=block.created_at))

    def remove(self, block_id: str) -> bool:
        done = self._conn.execute(delete(reservation_blocks).where(reservation_blocks.c.id == block_id))
        return bool(done.rowcount)

    def get(self, block_id: str) -> Block | None:
        row = self._conn.execute(select(reservation_blocks).where(reservation_blocks.c.id == block_id)).first()
        return _block(row) if row is not None else None

    def overlapping(self, provider_id: str, resource_id: str | None, period: Slot) -> list[Block]:
        if resource_id is not None:  # the confirm path
            return [_block(row) for row in _BLOCKS.run(self._conn, {
                "p_provider": provider_id, "p_resource": resource_id, "p_start": period.start,
                "p_end": period.end}).all()]
        b = reservation_blocks.c
        query = select(reservation_blocks).where(b.provider_id == provider_id, b.starts_at < period.end,
                                                 b.ends_at > period.start).order_by(b.starts_at, b.id)
        if resource_id is not None:
            query = query.where(b.resource_id == resource_id)
        return [_block(row) for row in self._conn.execute(query).all()]


def _entry_doc(e: WaitlistEntry) -> str:
    return orjson.dumps({
        "party_size": e.party_size, "slot": slot_doc(e.slot), "bap_uri": e.bap_uri, "guest": guest_doc(e.guest),
        "booking_id": e.booking_id, "context": e.context,
    }).decode()


def _entry(row: Any) -> WaitlistEntry:
    doc = orjson.loads(row.document)
    return WaitlistEntry(
        row.id, row.provider_id, row.resource_id, read_slot(doc["slot"]), doc["party_size"], row.bap_id,
        doc["bap_uri"], read_guest(doc.get("guest") or {}), WaitState(row.state), as_utc(row.created_at),
        as_utc(row.updated_at), as_utc(row.offered_until) if row.offered_until is not None else None,
        doc.get("booking_id"), doc.get("context") or {},
    )


class SqlWaitlistRepository:
    """Waitlist entries; first come first served by ``created_at`` (then id)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _values(self, e: WaitlistEntry) -> dict[str, Any]:
        return {"provider_id": e.provider_id, "resource_id": e.resource_id, "slot_start": e.slot.start,
                "slot_end": e.slot.end, "bap_id": e.bap_id, "state": e.state.value,
                "offered_until": e.offered_until, "document": _entry_doc(e), "updated_at": e.updated_at}

    def add(self, entry: WaitlistEntry) -> None:
        self._conn.execute(insert(reservation_waitlist).values(
            id=entry.id, created_at=entry.created_at, **self._values(entry)))

    def save(self, entry: WaitlistEntry) -> None:
        self._conn.execute(update(reservation_waitlist).where(reservation_waitlist.c.id == entry.id)
                           .values(**self._values(entry)))

    def get(self, entry_id: str) -> WaitlistEntry | None:
        row = self._conn.execute(select(reservation_waitlist).where(reservation_waitlist.c.id == entry_id)).first()
        return _entry(row) if row is not None else None

    def for_slot(self, provider_id: str, resource_id: str, period: Slot,
                 states: frozenset[WaitState] = frozenset({WaitState.WAITING})) -> list[WaitlistEntry]:
        w = reservation_waitlist.c
        query = select(reservation_waitlist).where(
            w.provider_id == provider_id, w.resource_id == resource_id, w.slot_start < period.end,
            w.slot_end > period.start, w.state.in_(sorted(s.value for s in states)),
        ).order_by(w.created_at, w.id)
        return [_entry(row) for row in self._conn.execute(query).all()]

    def offered_before(self, moment: datetime) -> list[WaitlistEntry]:
        w = reservation_waitlist.c
        query = select(reservation_waitlist).where(
            and_(w.state == WaitState.OFFERED.value, w.offered_until < moment)).order_by(w.offered_until, w.id)
        return [_entry(row) for row in self._conn.execute(query).all()]
