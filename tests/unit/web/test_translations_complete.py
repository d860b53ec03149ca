"""Every label the pages show has its Chinese: the zh/en switch changes every one of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from duijie.l10n.catalogs import catalog, negotiate, translations

SRC = Path(__file__).resolve().parents[3] / "src" / "duijie"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _messages(folder: Path) -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(str(folder), METHODS, OPTIONS):
        ids = message if isinstance(message, tuple) else (message,)
        found.update(m for m in ids if m)
    return found


def test_every_page_message_has_a_chinese_translation() -> None:
    used = _messages(SRC / "web")
    assert "Search" in used  # the extraction itself works
    zh = catalog("zh")
    missing = sorted(m for m in used if not (zh.get(m) and zh.get(m).string))
    assert not missing, f"{len(missing)} page messages lack Chinese (add them to l10n/locale/zh/*.po): {missing}"


def test_chinese_catalog_translates_and_english_is_the_source() -> None:
    assert translations("zh").gettext("Search") == "搜索"
    assert translations("en").gettext("Search") == "Search"


@pytest.mark.parametrize(
    ("chosen", "accept", "expected"),
    [
        ("en", "zh-CN,zh;q=0.9", "en"),  # the visitor's choice wins over the browser
        (None, "en-US,en;q=0.9,zh;q=0.8", "en"),
        (None, "fr-FR,zh-TW;q=0.5,en;q=0.4", "zh"),  # by q-value among what we speak
        (None, "fr", "zh"),  # nothing we speak: the default
        ("xx", None, "zh"),  # a junk cookie is ignored
    ],
)
def test_language_negotiation(chosen: str | None, accept: str | None, expected: str) -> None:
    assert negotiate(chosen, accept) == expected
