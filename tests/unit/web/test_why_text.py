"""Each reason the index gives for a result is said in the visitor's language (looked up by its
first word); a reason the page does not know is shown as it came."""

from __future__ import annotations

import pytest

from duijie.l10n.catalogs import translations
from duijie.web.diner_views import _WHY, why_text

REASONS = [
    "exact title 羊肉泡馍", "exact title", "title matched 凉皮", "text matched noodles", "similar spelling to liangpi",
    "similar meaning to 'cold noodles' (0.83)", "price 14.95 USD", "category noodles", "diet vegetarian, halal",
    "kind item", "capacity 60 >= 40", "within 2.5 km", "open at 2026-12-04T18:00 EST", "answered live by shop.example",
]


def test_every_pattern_has_a_sample() -> None:
    assert len(REASONS) == len(_WHY)
    assert all(any(p.match(r) for r in REASONS) for p, _say in _WHY)


@pytest.mark.parametrize("reason", REASONS)
def test_each_reason_is_said_in_chinese(reason: str) -> None:
    said = why_text(reason, translations("zh").gettext)
    assert said != reason and not said.startswith(reason.split(" ", 1)[0])


def test_numbers_and_names_are_kept_and_an_unknown_reason_passes_through() -> None:
    _ = translations("zh").gettext
    assert "2.5" in why_text("within 2.5 km", _) and "60" in why_text("capacity 60 >= 40", _)
    assert why_text("bespoke reason", _) == "bespoke reason"
    assert why_text("within many km", _) == "within many km"  # the word is known, the shape is not
