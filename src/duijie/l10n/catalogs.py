"""Which language a visitor reads, and the gettext catalog that speaks it.

Source strings are English; each ``locale/<lang>/*.po`` file holds translations of one part of
the program (pages, CLI, ...), so the parts can be written side by side and are merged here.
The ``.po`` files are read with Babel and compiled in memory when first used: there is no
build step that could be forgotten, and a typo in a catalog fails at start, not in a page.
"""

from __future__ import annotations

import functools
import gettext
import io
from importlib import resources

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SUPPORTED: tuple[str, ...] = ("zh", "en")
"""The languages a visitor can choose, by their short code."""

DEFAULT = "zh"
"""Spoken when nothing says otherwise: the network's first people read Chinese."""

BABEL_LOCALES = {"zh": "zh_Hans_CN", "en": "en_US"}
"""The Babel locale each language formats dates, times and money with."""

HTML_LANG = {"zh": "zh-Hans", "en": "en"}
"""The value of an HTML ``lang`` attribute for each language."""


@functools.cache
def babel_locale(lang: str) -> Locale:
    """The Babel :class:`Locale` of a supported language (parsed once: 30 µs a call otherwise, on
    every price and time a page shows)."""
    return Locale.parse(BABEL_LOCALES[lang])


def catalog(lang: str) -> Catalog:
    """Every ``locale/<lang>/*.po`` file merged into one Babel catalog.

    Files are read in name order and the first translation of a message wins (Babel keeps it):
    a part that wants its own wording for a shared English word gives it its own message id.
    """
    merged = Catalog(locale=BABEL_LOCALES[lang])
    folder = resources.files("duijie.l10n").joinpath("locale", lang)
    if folder.is_dir():
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".po"):
                with entry.open("rb") as fh:
                    part = read_po(fh, locale=BABEL_LOCALES[lang])
                for message in part:
                    if message.id and message.string:
                        merged.add(message.id, message.string)
    return merged


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The gettext translations of ``lang`` (English is the source: it translates nothing)."""
    if lang not in SUPPORTED:
        raise ValueError(f"unsupported language {lang!r}; choose one of {', '.join(SUPPORTED)}")
    if lang == "en":
        return gettext.NullTranslations()
    buf = io.BytesIO()
    write_mo(buf, catalog(lang))
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def supported(code: str | None) -> str | None:
    """``code`` reduced to a supported language (``zh-CN`` → ``zh``), or None."""
    if not code:
        return None
    short = code.strip().replace("_", "-").split("-")[0].lower()
    return short if short in SUPPORTED else None


def negotiate(chosen: str | None, accept_language: str | None) -> str:
    """The visitor's language: the one they chose, else the first their browser asks for that we
    speak (by q-value), else :data:`DEFAULT`."""
    picked = supported(chosen)
    if picked:
        return picked
    ranked: list[tuple[float, int, str]] = []
    for pos, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = supported(tag)
        if lang and q > 0:
            ranked.append((-q, pos, lang))
    return sorted(ranked)[0][2] if ranked else DEFAULT


def from_environment(values: dict[str, str]) -> str:
    """The CLI's language from ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` or ``LANG`` (first set wins,
    as gettext reads them); English when none names a supported language."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = values.get(name)
        if value:
            return supported(value.split(":")[0].split(".")[0]) or "en"
    return "en"
