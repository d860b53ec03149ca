"""Bilingual text on the wire: absent languages are omitted, an empty string is kept."""

from __future__ import annotations

import pytest

from duijie.domain.text import LocalText
from duijie.interchange.wire import text_out


@pytest.mark.parametrize(("text", "wire"), [
    (None, None),
    (LocalText(), {}),
    (LocalText("面"), {"zh": "面"}),
    (LocalText(None, "Noodles"), {"en": "Noodles"}),
    (LocalText("面", "Noodles"), {"zh": "面", "en": "Noodles"}),
    (LocalText("", None), {"zh": ""}),
])
def test_text_out(text: LocalText | None, wire: dict[str, str] | None) -> None:
    out = text_out(text)
    assert out == wire
    assert list(out or {}) == list(wire or {})  # zh before en, as documents have always been written
