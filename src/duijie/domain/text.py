"""Bilingual text a person reads: Chinese and English, either may be absent."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LocalText:
    """Text in Chinese (``zh``) and/or English (``en``).

    Rule: at least one language is present and non-blank where the text is required
    (checked by ``Listing.validate``); an empty ``LocalText`` means "not given".
    """

    zh: str | None = None
    en: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when neither language carries any non-blank text."""
        return not (self.zh and self.zh.strip()) and not (self.en and self.en.strip())

    def best(self, lang: str = "zh") -> str:
        """The text in ``lang`` ("zh" or "en"), falling back to the other language, else ""."""
        first, second = (self.zh, self.en) if lang.startswith("zh") else (self.en, self.zh)
        return first or second or ""

    def both(self, sep: str = " / ") -> str:
        """Both languages joined (for search and logs), skipping an absent one."""
        return sep.join(t for t in (self.zh, self.en) if t)

    def __str__(self) -> str:
        return self.both()
