from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from duijie.domain.errors import DomainError, ErrorCode
from duijie.domain.hours import HoursState, OpeningHours, ScheduleRow, TimeWindow
from duijie.domain.listing import Listing

NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")


def utc(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def test_friday_2230_is_open_in_new_york(chuanshan: Listing) -> None:
    # 2026-05-15 is a Friday; 22:30 EDT = 02:30 UTC next day.
    status = chuanshan.open_status("dc", utc("2026-05-16T02:30"))
    assert status.state is HoursState.OPEN
    assert status.next_change == datetime(2026, 5, 15, 23, 0, tzinfo=NY)
    assert status.next_state is HoursState.CLOSED


def test_sunday_2230_is_closed_and_reopens_monday_1100(chuanshan: Listing) -> None:
    status = chuanshan.open_status("rockville", utc("2026-05-18T02:30"))  # Sun 22:30 EDT
    assert status.state is HoursState.CLOSED
    assert status.next_change == datetime(2026, 5, 18, 11, 0, tzinfo=NY)
    assert status.next_state is HoursState.OPEN


def test_saturday_1059_is_closed_and_opens_at_1100(chuanshan: Listing) -> None:
    now = utc("2026-05-16T14:59")  # Sat 10:59 EDT
    status = chuanshan.open_status("dc", now)
    assert status.state is HoursState.CLOSED
    assert status.next_change is not None
    assert (status.next_change - now).total_seconds() == 60


def test_spring_forward_day_opens_at_1100_local_which_is_1500_utc(chuanshan: Listing) -> None:
    # 2026-03-08 (Sunday) clocks go from EST (UTC-5) to EDT (UTC-4) at 02:00.
    before = chuanshan.open_status("dc", utc("2026-03-08T06:00"))  # 01:00 EST, closed
    assert before.state is HoursState.CLOSED
    assert before.next_change is not None
    assert before.next_change.astimezone(UTC) == utc("2026-03-08T15:00")
    assert chuanshan.open_status("dc", utc("2026-03-08T15:00")).state is HoursState.OPEN
    assert chuanshan.open_status("dc", utc("2026-03-08T14:59")).state is HoursState.CLOSED


def test_fall_back_day_opens_at_1100_local_which_is_1600_utc(chuanshan: Listing) -> None:
    # 2026-11-01 (Sunday) clocks go back from EDT to EST; 11:00 EST = 16:00 UTC.
    assert chuanshan.open_status("dc", utc("2026-11-01T15:30")).state is HoursState.CLOSED
    assert chuanshan.open_status("dc", utc("2026-11-01T16:00")).state is HoursState.OPEN
    status = chuanshan.open_status("dc", utc("2026-11-01T15:30"))
    assert status.next_change is not None
    assert status.next_change.astimezone(UTC) == utc("2026-11-01T16:00")


def test_saturday_before_fall_back_closes_at_2300_edt() -> None:
    hours = OpeningHours("Su-Th 11:00-22:00; Fr,Sa 11:00-23:00", "America/New_York")
    change = hours.next_change(utc("2026-11-01T01:00"))  # Sat 21:00 EDT
    assert change is not None
    assert change[0].astimezone(UTC) == utc("2026-11-01T03:00")
    assert change[1] is HoursState.CLOSED


def test_naive_datetime_is_refused() -> None:
    hours = OpeningHours("Mo-Su 09:00-17:00", "America/New_York")
    with pytest.raises(DomainError) as exc:
        hours.is_open(datetime(2026, 1, 1, 12, 0))
    assert exc.value.code is ErrorCode.NAIVE_DATETIME


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(DomainError) as exc:
        OpeningHours("Mo-Su 09:00-17:00", "America/Atlantis")
    assert exc.value.code is ErrorCode.UNKNOWN_TIME_ZONE


def test_unparsable_hours_are_refused() -> None:
    with pytest.raises(DomainError) as exc:
        OpeningHours("eleven till late", "America/New_York")
    assert exc.value.code is ErrorCode.INVALID_HOURS


def test_overnight_osm_range_is_open_after_midnight() -> None:
    hours = OpeningHours("Mo 22:00-02:00", "America/New_York")
    assert hours.is_open(datetime(2026, 5, 19, 1, 0, tzinfo=NY))  # Tuesday 01:00
    assert not hours.is_open(datetime(2026, 5, 19, 3, 0, tzinfo=NY))


def test_always_open_has_no_next_change() -> None:
    assert OpeningHours("24/7", "UTC").next_change(utc("2026-01-01T00:00")) is None


def test_schema_org_rows_expand_wrapping_day_ranges() -> None:
    rows = OpeningHours("Su-Th 11:00-22:00; Fr,Sa 11:00-23:00", "America/New_York").to_schema_org()
    assert rows == (
        ScheduleRow(("Monday", "Tuesday", "Wednesday", "Thursday", "Sunday"), "11:00", "22:00"),
        ScheduleRow(("Friday", "Saturday"), "11:00", "23:00"),
    )


def test_schema_org_rows_are_none_for_rules_they_cannot_say() -> None:
    assert OpeningHours("Mo-Fr 08:00-12:00; PH off", "UTC").to_schema_org() is None
    assert OpeningHours("sunrise-sunset", "UTC").to_schema_org() is None


def test_explicit_window_closing_before_opening_is_a_problem() -> None:
    assert TimeWindow(time(22), time(11)).problem is not None
    assert TimeWindow(time(11), time(22)).problem is None
    assert TimeWindow(time(11), time(22)).contains(time(21, 59))
