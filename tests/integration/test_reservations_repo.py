"""Reservation storage on SQLite and PostgreSQL: the database itself refuses a double booking."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from duijie.domain.reservation_rules import ReservationError, ReservationRule, Slot
from duijie.domain.reservations import Booking, BookingState, Guest
from duijie.domain.resources import BookableResource, ResourceKind
from duijie.domain.text import LocalText
from duijie.services.trade.reservation.ports import Block, WaitlistEntry, WaitState
from duijie.storage.reservations_repo import SqlBlockRepository, SqlBookingRepository, SqlWaitlistRepository, cells
from duijie.storage.tables import reservation_claims
from duijie.storage.uow import SqlUnitOfWork

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
ROOM = BookableResource("diaoyutai", ResourceKind.PRIVATE_ROOM, LocalText("钓鱼台"), "dc", 60, 10,
                        timedelta(hours=3))


def _slot(start: int, end: int) -> Slot:
    return Slot(datetime(2026, 12, 4, start, tzinfo=NY), datetime(2026, 12, 4, end, tzinfo=NY))


def _booking(booking_id: str, slot: Slot, bap: str = "diner.example", tx: str | None = None) -> Booking:
    return Booking.request(booking_id, "chuanshan", ROOM, 40, slot, bap, tx or f"tx-{booking_id}",
                           Guest("王芳", "+1-202-555-0100"), NOW)


def _claims(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(reservation_claims)).scalar_one())


def test_cells_cover_the_slot_and_its_buffer() -> None:
    slot = _slot(18, 21)
    assert len(cells(slot)) == 12
    assert len(cells(slot, 30)) == 14
    odd = Slot(slot.start + timedelta(minutes=5), slot.end)  # rounds out to the whole quarter
    assert cells(odd) == cells(slot)


def test_a_booking_round_trips_and_is_found_by_transaction_and_period(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        assert uow.bookings.add(_booking("B-1", _slot(18, 21)), "http://diner/beckn", {"bap_id": "diner.example"})
        uow.commit()
    with SqlUnitOfWork(engine, read_only=True) as uow:
        stored = uow.bookings.get("B-1")
        assert stored is not None and stored.booking == _booking("B-1", _slot(18, 21))
        assert stored.context == {"bap_id": "diner.example"} and stored.bap_uri == "http://diner/beckn"
        assert uow.bookings.for_transaction("diner.example", "tx-B-1") is not None
        assert [s.booking.id for s in uow.bookings.overlapping("chuanshan", "diaoyutai", _slot(20, 22))] == ["B-1"]
        assert uow.bookings.overlapping("chuanshan", "diaoyutai", _slot(21, 22)) == []
        assert uow.bookings.overlapping("chuanshan", "ktv", _slot(18, 21)) == []
    assert _claims(engine) == 12


def test_an_overlapping_booking_is_refused_and_writes_nothing(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.bookings.add(_booking("B-1", _slot(18, 21)), "u", {})
        uow.commit()
    with SqlUnitOfWork(engine) as uow, pytest.raises(ReservationError) as err:
        uow.bookings.add(_booking("B-2", _slot(20, 23), bap="other.example"), "u", {})
    assert err.value.rule is ReservationRule.SLOT_TAKEN
    with SqlUnitOfWork(engine, read_only=True) as uow:
        assert uow.bookings.get("B-2") is None
    assert _claims(engine) == 12


def test_back_to_back_fits_unless_a_buffer_separates_them(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.bookings.add(_booking("B-1", _slot(15, 18)), "u", {}, buffer_minutes=30)
        uow.commit()
    with SqlUnitOfWork(engine) as uow, pytest.raises(ReservationError):
        uow.bookings.add(_booking("B-2", _slot(18, 21)), "u", {}, buffer_minutes=30)
    later = Slot(_slot(18, 21).start + timedelta(minutes=30), _slot(18, 21).end + timedelta(minutes=30))
    with SqlUnitOfWork(engine) as uow:
        assert uow.bookings.add(_booking("B-3", later), "u", {}, buffer_minutes=30)
        uow.commit()
    assert _claims(engine) == 14 + 14


def test_a_retried_transaction_adds_nothing_and_keeps_no_claims(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        assert uow.bookings.add(_booking("B-1", _slot(11, 14), tx="tx"), "u", {})
        assert not uow.bookings.add(_booking("B-2", _slot(18, 21), tx="tx"), "u", {})
        uow.commit()
    assert _claims(engine) == 12


def test_cancelling_releases_the_slot_for_another_guest(engine: Engine) -> None:
    first = _booking("B-1", _slot(18, 21))
    with SqlUnitOfWork(engine) as uow:
        uow.bookings.add(first, "u", {"k": 1})
        uow.bookings.save(first.cancel("diner.example", NOW))
        assert uow.bookings.add(_booking("B-2", _slot(18, 21), bap="other.example"), "u", {})
        uow.commit()
    with SqlUnitOfWork(engine, read_only=True) as uow:
        cancelled = uow.bookings.get("B-1")
        assert cancelled is not None and cancelled.booking.state is BookingState.CANCELLED
        assert cancelled.context == {"k": 1}
        assert [s.booking.id for s in uow.bookings.list("chuanshan", BookingState.CONFIRMED)] == ["B-2"]


def test_moving_a_booking_reclaims_its_new_slot(engine: Engine) -> None:
    booking = _booking("B-1", _slot(11, 14))
    with SqlUnitOfWork(engine) as uow:
        uow.bookings.add(booking, "u", {})
        uow.bookings.add(_booking("B-2", _slot(18, 21)), "u", {})
        uow.bookings.save(booking.change(40, _slot(14, 17), "diner.example", NOW))
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.bookings.add(_booking("B-3", _slot(11, 14)), "u", {})  # the old slot is free again
        with pytest.raises(ReservationError):
            uow.bookings.save(booking.change(40, _slot(17, 20), "diner.example", NOW))


def test_two_racing_transactions_for_overlapping_slots_exactly_one_wins(engine: Engine) -> None:
    """Each thread opens its own connection and transaction and inserts without looking first."""
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def book(booking: Booking) -> None:
        conn = engine.connect()
        try:
            barrier.wait()
            tx = conn.begin()
            try:
                SqlBookingRepository(conn).add(booking, "u", {})
                tx.commit()
                outcomes[booking.id] = "won"
            except ReservationError as exc:
                tx.rollback()
                outcomes[booking.id] = exc.rule.value
        finally:
            conn.close()

    threads = [threading.Thread(target=book, args=(b,)) for b in (
        _booking("B-1", _slot(18, 21), bap="a.example"), _booking("B-2", _slot(19, 22), bap="b.example"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["slot_taken", "won"]
    winner = next(k for k, v in outcomes.items() if v == "won")
    with engine.connect() as conn:
        owners = set(conn.execute(select(reservation_claims.c.booking_id)).scalars())
    assert owners == {winner} and _claims(engine) == 12


def test_blocks_and_the_waitlist_round_trip(engine: Engine) -> None:
    slot = _slot(18, 21)
    entry = WaitlistEntry("W-1", "chuanshan", "diaoyutai", slot, 30, "late.example", "http://late/beckn",
                          Guest("李雷"), WaitState.WAITING, NOW, NOW)
    with engine.begin() as conn:
        SqlBlockRepository(conn).add(Block("K-1", "chuanshan", "ktv", slot, "maintenance", NOW))
        waitlist = SqlWaitlistRepository(conn)
        waitlist.add(entry)
        waitlist.add(replace(entry, id="W-2", bap_id="later.example", created_at=NOW + timedelta(seconds=1)))
    with engine.begin() as conn:
        blocks = SqlBlockRepository(conn)
        assert [b.reason for b in blocks.overlapping("chuanshan", "ktv", _slot(20, 22))] == ["maintenance"]
        assert blocks.overlapping("chuanshan", "diaoyutai", slot) == []
        waitlist = SqlWaitlistRepository(conn)
        assert [e.id for e in waitlist.for_slot("chuanshan", "diaoyutai", slot)] == ["W-1", "W-2"]
        offered = replace(entry, state=WaitState.OFFERED, offered_until=NOW + timedelta(minutes=15))
        waitlist.save(offered)
        assert waitlist.get("W-1") == offered
        assert [e.id for e in waitlist.offered_before(NOW + timedelta(minutes=16))] == ["W-1"]
        assert waitlist.offered_before(NOW + timedelta(minutes=14)) == []
        assert blocks.remove("K-1") and not blocks.remove("K-1")
