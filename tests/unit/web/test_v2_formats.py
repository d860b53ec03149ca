"""The language names and phone numbers shown to people are written for the reader: languages by
name in the reader's language (Babel), phones in national format with an E.164 link (libphonenumber)."""

from __future__ import annotations

import pytest

from duijie.l10n.formats import Formats


@pytest.mark.parametrize(("lang", "codes", "shown"), [
    ("zh", ["zh", "en"], "中文和英语"),
    ("en", ["zh", "en"], "Chinese and English"),
    ("en", ["yue", "zh-Hant"], "Cantonese and Chinese (Traditional)"),
    ("zh", ["Sichuanese"], "Sichuanese"),  # not a code: shown as given
])
def test_languages_are_named_in_the_readers_language(lang: str, codes: list[str], shown: str) -> None:
    assert Formats(lang).languages(codes) == shown


@pytest.mark.parametrize(("number", "region", "text", "href"), [
    ("+1-202-636-3588", "US", "(202) 636-3588", "tel:+12026363588"),
    ("202 636 3588", "US", "(202) 636-3588", "tel:+12026363588"),
    ("+86 10 6552 9988", "US", "+86 10 6552 9988", "tel:+861065529988"),
    ("+1-202-636-3588", None, "+1 202-636-3588", "tel:+12026363588"),
    ("ask for Wang", "US", "ask for Wang", "tel:askforWang"),  # not a number: as entered
])
def test_phones_are_national_at_home_and_linked_in_e164(number: str, region: str | None, text: str,
                                                       href: str) -> None:
    shown = Formats("zh").phone(number, region)
    assert (shown.text, shown.href) == (text, href)
