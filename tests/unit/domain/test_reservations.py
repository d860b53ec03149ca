"""Reservation rules, the Booking state machine and free slots, on the demo's 钓鱼台, hall and KTV room."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from duijie.domain.availability import day_bounds, free_slots
from duijie.domain.listing import Listing
from duijie.domain.money import Money
from duijie.domain.reservation_rules import (
    Busy,
    BusyKind,
    ReservationError,
    ReservationRule,
    Slot,
    cancellation_refund,
    check_booking,
    violations,
)
from duijie.domain.reservations import MERCHANT, Booking, BookingState, Guest
from duijie.domain.resources import ApprovalMode

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # a Tuesday
FRIDAY = date(2026, 12, 4)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


def hm(moment: datetime) -> str:
    """Local wall-clock time in New York."""
    return f"{moment.astimezone(NY):%H:%M}"


def slot(day: date, start: tuple[int, int], end: tuple[int, int]) -> Slot:
    return Slot(at(day, *start), at(day, *end))


def rules(chuanshan: Listing, resource: str, party: int, s: Slot, now: datetime = NOW,
          busy: tuple[Busy, ...] = ()) -> list[ReservationRule]:
    res = chuanshan.resource(resource)
    return [v.rule for v in violations(res, chuanshan.location(res.location_id), party, s, now, busy)]


FRIDAY_EVENING = slot(FRIDAY, (18, 0), (21, 0))


def test_forty_guests_on_friday_evening_in_diaoyutai_pass_every_rule(chuanshan: Listing) -> None:
    assert rules(chuanshan, "diaoyutai", 40, FRIDAY_EVENING) == []


@pytest.mark.parametrize(("party", "rule", "limit"), [
    (61, ReservationRule.PARTY_ABOVE_CAPACITY, "60"),
    (5, ReservationRule.PARTY_BELOW_MINIMUM, "10"),
    (0, ReservationRule.PARTY_SIZE_INVALID, "1"),
    (-3, ReservationRule.PARTY_SIZE_INVALID, "1"),
])
def test_party_size_outside_the_room_names_the_number(chuanshan: Listing, party: int, rule: ReservationRule,
                                                      limit: str) -> None:
    res = chuanshan.resource("diaoyutai")
    found = violations(res, chuanshan.location("dc"), party, FRIDAY_EVENING, NOW)
    assert [v.rule for v in found] == [rule]
    assert found[0].limit == limit and limit in found[0].message


def test_sunday_2130_to_2230_ends_after_closing_at_22(chuanshan: Listing) -> None:
    ktv = replace(chuanshan.resource("ktv"), slot_length=timedelta(minutes=60))
    found = violations(ktv, chuanshan.location("dc"), 8, slot(date(2026, 12, 6), (21, 30), (22, 30)), NOW)
    assert [v.rule for v in found] == [ReservationRule.AFTER_CLOSING]
    assert found[0].limit == "22:00" and "22:00" in found[0].message


def test_ending_exactly_at_closing_is_allowed(chuanshan: Listing) -> None:
    assert rules(chuanshan, "ktv", 8, slot(date(2026, 12, 6), (20, 0), (22, 0))) == []
    assert rules(chuanshan, "ktv", 8, slot(date(2026, 12, 6), (20, 30), (22, 30))) == [ReservationRule.AFTER_CLOSING]


def test_friday_closes_at_23_not_22(chuanshan: Listing) -> None:
    assert rules(chuanshan, "diaoyutai", 40, slot(FRIDAY, (20, 0), (23, 0))) == []


def test_saturday_10_is_before_opening_at_11(chuanshan: Listing) -> None:
    found = violations(chuanshan.resource("diaoyutai"), chuanshan.location("dc"), 20,
                       slot(date(2026, 12, 5), (10, 0), (13, 0)), NOW)
    assert [v.rule for v in found] == [ReservationRule.CLOSED_AT_START]
    assert found[0].limit == "11:00" and "opens at 11:00" in found[0].message


def test_banquet_hall_tomorrow_breaks_the_seven_day_lead_time(chuanshan: Listing) -> None:
    found = violations(chuanshan.resource("banquet-hall"), chuanshan.location("dc"), 100,
                       slot(date(2026, 12, 2), (12, 0), (16, 0)), NOW)
    assert [v.rule for v in found] == [ReservationRule.LEAD_TIME]
    assert found[0].limit == "7 days"
    assert rules(chuanshan, "banquet-hall", 100, slot(date(2026, 12, 9), (12, 0), (16, 0))) == []


def test_a_slot_in_the_past_is_refused_as_past_not_as_lead_time(chuanshan: Listing) -> None:
    assert rules(chuanshan, "diaoyutai", 40, slot(date(2026, 11, 27), (18, 0), (21, 0))) == [
        ReservationRule.IN_THE_PAST]


def test_an_end_before_its_start_is_refused_alone(chuanshan: Listing) -> None:
    assert rules(chuanshan, "diaoyutai", 40, Slot(at(FRIDAY, 21), at(FRIDAY, 18))) == [
        ReservationRule.END_BEFORE_START]


def test_a_booking_lasts_whole_slots(chuanshan: Listing) -> None:
    assert rules(chuanshan, "diaoyutai", 40, slot(FRIDAY, (18, 0), (20, 0))) == [ReservationRule.SLOT_LENGTH]
    assert rules(chuanshan, "ktv", 8, slot(FRIDAY, (15, 0), (19, 0))) == []  # two slots of 2 hours


def test_an_overlapping_booking_takes_the_slot_and_a_buffer_widens_it(chuanshan: Listing) -> None:
    before = (Busy(slot(FRIDAY, (15, 0), (18, 0)), BusyKind.BOOKING, "B-1"),)
    assert rules(chuanshan, "diaoyutai", 40, FRIDAY_EVENING, busy=before) == []  # back to back
    overlapping = (Busy(slot(FRIDAY, (17, 0), (20, 0)), BusyKind.BOOKING, "B-1"),)
    assert rules(chuanshan, "diaoyutai", 40, FRIDAY_EVENING, busy=overlapping) == [ReservationRule.SLOT_TAKEN]
    res = replace(chuanshan.resource("diaoyutai"), buffer=timedelta(minutes=30))
    found = violations(res, chuanshan.location("dc"), 40, FRIDAY_EVENING, NOW, before)
    assert [v.rule for v in found] == [ReservationRule.SLOT_TAKEN] and found[0].limit == "30"


def test_a_booking_does_not_compete_with_itself_when_changed(chuanshan: Listing) -> None:
    res = chuanshan.resource("diaoyutai")
    own = (Busy(FRIDAY_EVENING, BusyKind.BOOKING, "B-1"),)
    assert violations(res, chuanshan.location("dc"), 50, FRIDAY_EVENING, NOW, own, ignore="B-1") == []


def test_a_block_refuses_the_slot(chuanshan: Listing) -> None:
    block = (Busy(slot(FRIDAY, (11, 0), (23, 0)), BusyKind.BLOCK, "maintenance"),)
    assert rules(chuanshan, "diaoyutai", 40, FRIDAY_EVENING, busy=block) == [ReservationRule.RESOURCE_BLOCKED]


def test_check_booking_raises_the_first_rule(chuanshan: Listing) -> None:
    with pytest.raises(ReservationError) as err:
        check_booking(chuanshan.resource("diaoyutai"), chuanshan.location("dc"), 61, FRIDAY_EVENING, NOW)
    assert err.value.rule is ReservationRule.PARTY_ABOVE_CAPACITY and "60" in err.value.message


def test_naive_times_are_refused() -> None:
    with pytest.raises(Exception, match="UTC offset"):
        Slot(datetime(2026, 12, 4, 18), datetime(2026, 12, 4, 21))


# ---- DST: hours by the local wall clock, durations elapsed -------------------------------------

def test_the_same_utc_offset_reads_by_the_local_clock_across_dst(chuanshan: Listing) -> None:
    fixed = ZoneInfo("Etc/GMT+5")  # -05:00 all year
    ktv = chuanshan.resource("ktv")
    # Saturday 2026-03-07 is still EST: 10:30-05:00 is 10:30 local, before opening.
    sat = Slot(datetime(2026, 3, 7, 10, 30, tzinfo=fixed), datetime(2026, 3, 7, 12, 30, tzinfo=fixed))
    # Sunday 2026-03-08 is EDT after 02:00: the same offset is 11:30 local, open.
    sun = Slot(datetime(2026, 3, 8, 10, 30, tzinfo=fixed), datetime(2026, 3, 8, 12, 30, tzinfo=fixed))
    early = datetime(2026, 3, 1, tzinfo=UTC)
    assert [v.rule for v in violations(ktv, chuanshan.location("dc"), 8, sat, early)] == [
        ReservationRule.CLOSED_AT_START]
    assert violations(ktv, chuanshan.location("dc"), 8, sun, early) == []


def test_closing_is_local_22_on_both_sides_of_the_autumn_change(chuanshan: Listing) -> None:
    ktv = chuanshan.resource("ktv")
    early = datetime(2026, 10, 1, tzinfo=UTC)
    for day in (date(2026, 10, 25), date(2026, 11, 1)):  # Sundays in EDT and in EST
        ok = violations(ktv, chuanshan.location("dc"), 8, slot(day, (20, 0), (22, 0)), early)
        late = violations(ktv, chuanshan.location("dc"), 8, slot(day, (20, 30), (22, 30)), early)
        assert ok == [] and [v.limit for v in late] == ["22:00"]


def test_slot_length_is_elapsed_time_over_a_dst_night(chuanshan: Listing) -> None:
    loc = replace(chuanshan.location("dc"), opening_hours="24/7")
    ktv = replace(chuanshan.resource("ktv"), slot_length=timedelta(hours=1), lead_time=timedelta(0))
    early = datetime(2026, 1, 1, tzinfo=UTC)
    # 2026-11-01 00:00 to 02:00 local is three hours (01:00-02:00 happens twice).
    night = Slot(datetime(2026, 11, 1, 0, tzinfo=NY), datetime(2026, 11, 1, 2, tzinfo=NY))
    assert night.length == timedelta(hours=3)
    assert violations(ktv, loc, 8, night, early) == []
    spring = free_slots(ktv, loc, date(2026, 3, 8), early, step=timedelta(hours=1))
    autumn = free_slots(ktv, loc, date(2026, 11, 1), early, step=timedelta(hours=1))
    assert (len(spring), len(autumn)) == (23, 25)
    assert day_bounds(loc, date(2026, 11, 1)).length == timedelta(hours=25)


# ---- free slots -------------------------------------------------------------------------------

def test_free_slots_of_diaoyutai_on_friday_run_from_opening_to_the_last_that_ends_by_23(chuanshan: Listing) -> None:
    res = chuanshan.resource("diaoyutai")
    found = free_slots(res, chuanshan.location("dc"), FRIDAY, NOW, party_size=40)
    assert (hm(found[0].start), hm(found[-1].start), hm(found[-1].end)) == (
        "11:00", "20:00", "23:00")
    assert all(s.length == timedelta(hours=3) for s in found)


def test_free_slots_leave_out_what_overlaps_a_booking(chuanshan: Listing) -> None:
    res = chuanshan.resource("diaoyutai")
    busy = (Busy(FRIDAY_EVENING, BusyKind.BOOKING, "B-1"),)
    starts = {hm(s.start) for s in free_slots(res, chuanshan.location("dc"), FRIDAY, NOW, busy)}
    assert "15:00" in starts and "20:00" not in starts  # 21:00 would end after 23:00 anyway
    assert not starts & {"15:30", "16:00", "17:00", "18:00", "20:00"}


def test_no_free_slots_for_a_party_the_room_cannot_take(chuanshan: Listing) -> None:
    res = chuanshan.resource("diaoyutai")
    assert free_slots(res, chuanshan.location("dc"), FRIDAY, NOW, party_size=61) == []


def test_free_slots_today_start_after_now_and_lead_time(chuanshan: Listing) -> None:
    res = chuanshan.resource("ktv")  # lead time 60 minutes
    now = at(FRIDAY, 15, 10)
    starts = [hm(s.start) for s in free_slots(res, chuanshan.location("dc"), FRIDAY, now)]
    assert starts[0] == "16:30"


# ---- the Booking aggregate --------------------------------------------------------------------

def _booking(chuanshan: Listing, resource: str = "diaoyutai") -> Booking:
    res = chuanshan.resource(resource)
    return Booking.request("B-1", chuanshan.id, res, 40, FRIDAY_EVENING, "diner.example", "tx-1",
                           Guest("王芳", "+1-202-555-0100"), NOW)


def test_an_instant_resource_confirms_at_once_and_a_manual_one_waits(chuanshan: Listing) -> None:
    assert _booking(chuanshan).state is BookingState.CONFIRMED
    manual = replace(chuanshan.resource("diaoyutai"), approval=ApprovalMode.MANUAL)
    pending = Booking.request("B-2", "chuanshan", manual, 40, FRIDAY_EVENING, "d", "t", Guest(), NOW)
    assert pending.state is BookingState.PENDING_APPROVAL
    accepted = pending.accept(NOW)
    assert accepted.state is BookingState.CONFIRMED and accepted.history[-1].by == MERCHANT
    assert pending.decline("", NOW).state is BookingState.DECLINED


def test_only_the_guest_cancels_or_changes(chuanshan: Listing) -> None:
    booking = _booking(chuanshan)
    for attempt in (lambda: booking.cancel("other.example", NOW), lambda: booking.change(30, FRIDAY_EVENING,
                                                                                           "other.example", NOW)):
        with pytest.raises(ReservationError) as err:
            attempt()
        assert err.value.rule is ReservationRule.NOT_THE_GUEST
    assert booking.cancel("diner.example", NOW).state is BookingState.CANCELLED
    assert booking.change(30, FRIDAY_EVENING, "diner.example", NOW).party_size == 30


def test_final_states_allow_no_transition(chuanshan: Listing) -> None:
    cancelled = _booking(chuanshan).cancel("diner.example", NOW)
    assert cancelled.state.is_final and not cancelled.state.occupies
    with pytest.raises(ReservationError) as err:
        cancelled.cancel("diner.example", NOW)
    assert err.value.rule is ReservationRule.ILLEGAL_TRANSITION


def test_no_show_and_complete_only_once_the_slot_began(chuanshan: Listing) -> None:
    booking = _booking(chuanshan)
    with pytest.raises(ReservationError):
        booking.no_show(NOW)
    assert booking.no_show(at(FRIDAY, 18, 30)).state is BookingState.NO_SHOW
    assert booking.complete(at(FRIDAY, 21)).state is BookingState.COMPLETED


def test_a_hold_is_taken_before_it_runs_out_or_released(chuanshan: Listing) -> None:
    res = chuanshan.resource("diaoyutai")
    held = Booking.hold("B-3", "chuanshan", res, 40, FRIDAY_EVENING, "d", "t", Guest(), NOW,
                        NOW + timedelta(minutes=15))
    assert held.state.occupies
    assert held.confirm_hold(res, NOW + timedelta(minutes=5), "d").state is BookingState.CONFIRMED
    with pytest.raises(ReservationError):
        held.confirm_hold(res, NOW + timedelta(minutes=20), "d")
    assert held.release(NOW).state is BookingState.CANCELLED


def test_cancellation_terms_refund_the_deposit_only_ahead_of_free_cancel_hours(chuanshan: Listing) -> None:
    res = chuanshan.resource("diaoyutai")  # 200.00 USD, 48 hours
    assert cancellation_refund(res, FRIDAY_EVENING, at(FRIDAY, 18) - timedelta(hours=48)) == res.deposit
    late = cancellation_refund(res, FRIDAY_EVENING, at(FRIDAY, 18) - timedelta(hours=47))
    assert late == Money(Decimal("0.00"), "USD")
    assert cancellation_refund(replace(res, deposit=None), FRIDAY_EVENING, NOW) is None


def test_approval_and_buffer_are_read_from_and_written_to_the_listing_document() -> None:
    import json
    from importlib import resources

    from duijie.interchange.listing_json import listing_from_document, listing_to_document

    doc = json.loads(resources.files("duijie.demo").joinpath("data", "chuanshan.json").read_text(encoding="utf-8"))
    hall = next(r for r in doc["resources"] if r["id"] == "banquet-hall")
    hall.update({"approval": "manual", "buffer_minutes": 60})
    listing = listing_from_document(doc)
    read = listing.resource("banquet-hall")
    assert read.approval is ApprovalMode.MANUAL and read.buffer == timedelta(minutes=60)
    assert listing.resource("ktv").approval is ApprovalMode.INSTANT and listing.resource("ktv").buffer_minutes == 0
    written = {r["id"]: r for r in listing_to_document(listing)["resources"]}
    assert written["banquet-hall"]["approval"] == "manual" and written["banquet-hall"]["buffer_minutes"] == 60
    assert "approval" not in written["ktv"] and "buffer_minutes" not in written["ktv"]
    hall["approval"] = "whenever"
    with pytest.raises(Exception, match="approval"):
        listing_from_document(doc)
