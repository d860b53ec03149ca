from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from duijie.protocol import jsonbytes


def test_compact_utf8_and_key_order_kept_unless_sorted() -> None:
    assert jsonbytes.dumps({"b": 1, "a": "对接"}) == '{"b":1,"a":"对接"}'.encode()
    assert jsonbytes.dumps({"b": 1, "a": "对接"}, sort_keys=True) == '{"a":"对接","b":1}'.encode()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_nan_and_infinity_are_refused_not_written_as_null(bad: float) -> None:
    with pytest.raises(ValueError, match="NaN"):
        jsonbytes.dumps({"deep": [{"v": bad}]})


def test_datetimes_and_dataclasses_go_to_default_or_are_refused() -> None:
    @dataclass
    class Point:
        x: int

    when = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    with pytest.raises(TypeError):
        jsonbytes.dumps({"at": when})
    with pytest.raises(TypeError):
        jsonbytes.dumps({"p": Point(1)})
    assert jsonbytes.dumps({"at": when}, default=str) == b'{"at":"2026-11-27 12:00:00+00:00"}'


def test_non_string_keys_are_refused() -> None:
    with pytest.raises(TypeError):
        jsonbytes.dumps({1: "a"})


def test_loads_takes_bytes_and_text_and_raises_value_error() -> None:
    assert jsonbytes.loads('{"a":"对接"}'.encode()) == {"a": "对接"}
    assert jsonbytes.loads('[1]') == [1]
    with pytest.raises(ValueError):
        jsonbytes.loads(b"{not json")


def test_nan_is_found_among_real_nulls_and_null_like_text() -> None:
    assert jsonbytes.dumps({"a": None, "b": "nullable", "c": 1.5}) == b'{"a":null,"b":"nullable","c":1.5}'
    with pytest.raises(ValueError):
        jsonbytes.dumps({"a": None, "b": [1.0, float("nan")]})
