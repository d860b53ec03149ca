"""The declarative input specs: each kind of parameter and the JSON body refuse bad input naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from duijie.api.json_body import path_at
from duijie.api.params import MAX_DEPTH, BadInput, Body, In, Kind, Param


def _refusal(param: Param, raw: str) -> BadInput:
    with pytest.raises(BadInput) as caught:
        param.parse(raw)
    assert caught.value.field == param.name
    return caught.value


def test_an_integer_parameter_refuses_words_and_numbers_out_of_range() -> None:
    limit = Param("limit", Kind.INTEGER, minimum=1, maximum=200)
    assert limit.parse("20") == 20
    assert "whole number" in _refusal(limit, "abc").reason
    assert "at most 200" in _refusal(limit, "201").reason
    assert _refusal(limit, "0").status == 400


def test_a_cursor_longer_than_a_database_integer_is_refused_before_it_reaches_sql() -> None:
    since = Param("since", Kind.CURSOR, max_length=18)
    assert since.parse("999999999999999999") == 10**18 - 1
    _refusal(since, "99999999999999999999999")
    _refusal(since, "-1e9")


def test_a_list_parameter_is_capped_deduplicated_and_limited_to_its_choices() -> None:
    diet = Param("diet", Kind.LIST, choices=("vegan", "halal"), max_items=2, max_length=400)
    assert diet.parse("vegan, halal,vegan") == ("vegan", "halal")
    assert "unknown value 'x'" in _refusal(diet, "vegan,x").reason
    assert "at most 400 characters" in _refusal(diet, ",".join(["vegan"] * 1000)).reason


@pytest.mark.parametrize("raw", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1899-12-31T00:00:00Z"])
def test_an_instant_beyond_what_every_zone_can_hold_is_refused(raw: str) -> None:
    assert "must lie between 1900-01-02 and 9999-12-30" in _refusal(Param("at", Kind.INSTANT), raw).reason


def test_an_instant_needs_an_offset_and_a_decoded_plus_is_read_back() -> None:
    at = Param("at", Kind.INSTANT)
    assert at.parse("2026-11-27T22:30:00 05:00") == datetime(2026, 11, 27, 17, 30, tzinfo=UTC)
    assert "UTC offset" in _refusal(at, "2026-11-27T22:30").reason


def test_points_decimals_and_path_choices() -> None:
    assert Param("near", Kind.POINT).parse("38.9,-77.03") == (38.9, -77.03)
    assert "latitude" in _refusal(Param("near", Kind.POINT), "91,0").reason
    assert Param("min_price", Kind.DECIMAL, minimum=0).parse("12.50") == Decimal("12.50")
    _refusal(Param("min_price", Kind.DECIMAL), "1e999")
    assert _refusal(Param("action", where=In.PATH, choices=("accept",)), "teleport").status == 404


BODY = Body({"type": "object", "properties": {
    "limit": {"type": "integer", "maximum": 10},
    "items": {"type": "array", "items": {"type": "object", "properties": {"quantity": {"type": "integer"}}}},
}}, max_bytes=2_000)


@pytest.mark.parametrize(("raw", "field", "status"), [
    (b'{"limit": 1e999}', "$.limit", 400),
    (b'{"limit": 11}', "$.limit", 400),
    (b'{"items": [{"quantity": "2"}]}', "$.items[0].quantity", 400),
    (b'{"items": [{"quantity": 1, "note": "\xff"}]}', "$.items[0].note", 400),
    (b"[" * 1100 + b"]" * 1100, "$", 413),
    (b'{"a":' + b"[" * 600 + b"]" * 600 + b"}", "$.a[0][0]", 400),
    (b'{"items": ' + b"[" * 40 + b"]" * 40 + b"}", "$.items[0]", 400),
    (b"[]", "$", 400),
    (b"{bad", "$", 400),
])
def test_a_body_that_does_not_fit_is_refused_naming_where(raw: bytes, field: str, status: int) -> None:
    with pytest.raises(BadInput) as caught:
        BODY.parse(raw)
    assert caught.value.field.startswith(field), caught.value
    assert caught.value.status == status


def test_an_empty_body_is_an_empty_object_unless_one_is_required() -> None:
    assert BODY.parse(b"  ") == {}
    with pytest.raises(BadInput):
        Body({"type": "object"}, required=True).parse(b"")


def test_nesting_past_the_parser_limit_is_refused_without_a_recursion_error() -> None:
    with pytest.raises(BadInput) as caught:
        Body({"type": "object"}).parse(b'{"reason": ' + b"[" * 10_000 + b"]" * 10_000 + b"}")
    assert caught.value.field.startswith("$.reason[0][0]")
    assert "depth" in caught.value.reason


def test_nesting_up_to_the_limit_is_accepted() -> None:
    assert Body({"type": "object"}).parse(b'{"a":' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}")


def test_path_at_names_the_value_being_read() -> None:
    raw = b'{"a": {"b": [1, 2, {"c": x'
    assert path_at(raw, len(raw) - 1) == "$.a.b[2].c"
    assert path_at(b'{"k\\"ey": [', 10) == '$.k\\"ey[0]'
