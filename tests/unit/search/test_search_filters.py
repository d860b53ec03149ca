"""Python-side filters: distance, opening hours, capacity read from text."""

from datetime import datetime
from zoneinfo import ZoneInfo

from duijie.domain.provider import haversine_km
from duijie.search.filters import bounding_box, capacity_from_text, is_open_at

NY = ZoneInfo("America/New_York")
HOURS = "Su-Th 11:00-22:00; Fr,Sa 11:00-23:00"


def test_friday_2230_is_open_in_new_york():
    assert is_open_at(HOURS, "America/New_York", datetime(2026, 11, 27, 22, 30, tzinfo=NY)) is True


def test_sunday_2230_is_closed_in_new_york():
    assert is_open_at(HOURS, "America/New_York", datetime(2026, 11, 29, 22, 30, tzinfo=NY)) is False


def test_open_at_converts_from_utc_to_the_place_zone():
    when = datetime(2026, 11, 28, 3, 30, tzinfo=ZoneInfo("UTC"))  # Fri 22:30 in New York
    assert is_open_at(HOURS, "America/New_York", when) is True


def test_missing_or_bad_hours_are_unknown():
    when = datetime(2026, 11, 27, 12, tzinfo=NY)
    assert is_open_at(None, "America/New_York", when) is None
    assert is_open_at("not hours at all", "America/New_York", when) is None


def test_haversine_one_degree_of_latitude_is_about_111_km():
    assert abs(haversine_km(34.0, 108.0, 35.0, 108.0) - 111.2) < 0.5


def test_bounding_box_contains_the_circle():
    lat0, lat1, lon0, lon1 = bounding_box(34.26, 108.94, 5.0)
    assert haversine_km(34.26, 108.94, lat1, 108.94) >= 5.0
    assert haversine_km(34.26, 108.94, 34.26, lon1) >= 5.0
    assert lat0 < 34.26 < lat1 and lon0 < 108.94 < lon1


def test_capacity_is_read_from_english_and_chinese_text():
    assert capacity_from_text("private room 50 people") == (50, "private room")
    assert capacity_from_text("包间 20人") == (20, "包间")
    assert capacity_from_text("room 5 personal") == (None, "room 5 personal")
