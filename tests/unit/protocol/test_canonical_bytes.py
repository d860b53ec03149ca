import json
import random
from decimal import Decimal

import pytest

from duijie.protocol.canonical import CanonicalError, _normalise, canonical_bytes


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


def _checked_path(obj: object) -> bytes:
    """The stdlib encoding the canonical form is defined by (what the fast path must equal)."""
    text = json.dumps(_normalise(obj, "$"), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)
    return text.encode()


_AWKWARD_TEXT = ["", "对接", "a\"b\\c", "\x00\x01\x1f\x7f", "\u2028\u2029", "\ufeff", "😀", "tab\tnew\nline\r", "/"]


def test_fast_path_writes_exactly_the_checked_paths_bytes() -> None:
    rng = random.Random(20261127)

    def value(depth: int) -> object:
        roll = rng.random()
        if depth < 3 and roll < 0.25:
            return {rng.choice(_AWKWARD_TEXT) + str(i): value(depth + 1) for i in range(rng.randint(0, 4))}
        if depth < 3 and roll < 0.4:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return rng.choice([
            rng.choice(_AWKWARD_TEXT), rng.randint(-(2**63), 2**64 - 1), 2**70, True, False, None,
            Decimal(rng.randint(-10**6, 10**6)) / 100, Decimal("1E+3"), Decimal("-0.00"), 1.5, 1e16, (1, "二"),
        ])

    for _ in range(3000):
        doc = value(0)
        assert canonical_bytes(doc) == _checked_path(doc)
