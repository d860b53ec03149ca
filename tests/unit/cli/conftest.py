"""In-process command-line tests read English whatever the developer's locale says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from duijie.l10n.cli_text import language_of_environment


@pytest.fixture(autouse=True)
def english_locale(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    language_of_environment.cache_clear()  # the language is read once per process: read it again
    yield
    language_of_environment.cache_clear()
