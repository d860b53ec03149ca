"""Opening hours at the edges of the calendar: refused outside what every zone can hold, never an OverflowError."""

from __future__ import annotations

from datetime import datetime

import pytest

from duijie.domain.errors import DomainError, ErrorCode
from duijie.domain.hours import EVALUABLE_FROM, EVALUABLE_UNTIL, HoursState, OpeningHours

HOURS = OpeningHours("Su-Th 11:00-22:00; Fr,Sa 11:00-23:00", "Pacific/Kiritimati")


@pytest.mark.parametrize("raw", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1899-12-31T12:00:00Z",
                                 "9999-12-30T00:00:01Z"])
def test_an_instant_outside_the_evaluable_range_is_a_domain_error(raw: str) -> None:
    for evaluate in (HOURS.state, HOURS.next_change):
        with pytest.raises(DomainError) as caught:
            evaluate(datetime.fromisoformat(raw))
        assert caught.value.code is ErrorCode.INVALID_VALUE


def test_the_edges_of_the_range_are_evaluated() -> None:
    assert HOURS.state(EVALUABLE_FROM) in (HoursState.OPEN, HoursState.CLOSED)
    assert HOURS.state(EVALUABLE_UNTIL) in (HoursState.OPEN, HoursState.CLOSED)


def test_a_next_change_past_the_range_is_none_rather_than_an_overflow() -> None:
    new_york = OpeningHours("Su-Th 11:00-22:00; Fr,Sa 11:00-23:00", "America/New_York")
    # 9999-12-29 23:59 UTC is 18:59 in New York, open; it closes at 22:00 local = 9999-12-30T03:00Z, past the range.
    late = datetime.fromisoformat("9999-12-29T23:59:00+00:00")
    assert new_york.state(late) is HoursState.OPEN
    assert new_york.next_change(late) is None
    earlier = new_york.next_change(datetime.fromisoformat("9999-12-28T20:00:00+00:00"))
    assert earlier is not None and earlier[1] is HoursState.CLOSED
