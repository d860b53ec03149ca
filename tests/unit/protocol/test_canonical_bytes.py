from decimal import Decimal

import pytest

from duijie.protocol.canonical import CanonicalError, canonical_bytes


def test_keys_are_sorted_and_whitespace_is_removed() -> None:
    assert (
        canonical_bytes({"b": [1, 2], "a": {"d": True, "c": None}}) == b'{"a":{"c":null,"d":true},"b":[1,2]}'
    )


def test_chinese_text_is_written_as_utf8_not_escaped() -> None:
    out = canonical_bytes({"name": "川陕名吃", "dish": "肉夹馍"})
    assert out == '{"dish":"肉夹馍","name":"川陕名吃"}'.encode()
    assert b"\\u" not in out


def test_decimal_is_written_as_its_exact_string() -> None:
    assert (
        canonical_bytes({"price": Decimal("12.50"), "tiny": Decimal("0.10")})
        == b'{"price":"12.50","tiny":"0.10"}'
    )


def test_same_content_in_different_key_order_gives_identical_bytes() -> None:
    assert canonical_bytes({"x": 1, "y": "二"}) == canonical_bytes({"y": "二", "x": 1})


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("NaN"), Decimal("Infinity")])
def test_non_finite_numbers_are_rejected(bad: object) -> None:
    with pytest.raises(CanonicalError):
        canonical_bytes({"v": bad})


def test_non_string_keys_and_unknown_types_are_rejected() -> None:
    with pytest.raises(CanonicalError):
        canonical_bytes({1: "a"})
    with pytest.raises(CanonicalError):
        canonical_bytes({"a": object()})
