"""The command line speaks Chinese whole: every help text and every marked message has its Chinese
(its own, and the tables of the domain's rules, listing problems and account refusals it says them
with), with the same placeholders, and the language follows the locale variables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from duijie.cli.language import help_texts
from duijie.cli.main import cli
from duijie.l10n.catalogs import catalog, from_environment

CLI_SRC = Path(__file__).resolve().parents[3] / "src" / "duijie" / "cli"
L10N_SRC = CLI_SRC.parent / "l10n"
CLICK_WORDS = ["Usage:", "Options", "Commands", "Error: {message}", "Missing option", "Missing argument",
               "Invalid value for {param_hint}: {message}", "No such command {name!r}.", "No such option {name!r}.",
               "Show this message and exit.", "Try '{command} {option}' for help.",
               "{value} is not in the range {range}."]


def _marked_messages() -> set[str]:
    found: set[str] = set()
    for folder in (CLI_SRC, L10N_SRC):
        for _file, _line, message, _comments, _ctx in extract_from_dir(str(folder), [("**.py", "python")]):
            found.update(m for m in (message if isinstance(message, tuple) else (message,)) if m)
    return found


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"\{[^{}]*\}|%\([a-z]+\)s", text))


@pytest.fixture(scope="module")
def everything() -> set[str]:
    marked, helps = _marked_messages(), help_texts(cli)
    assert "no results" in marked and "no orders" in marked  # the extraction itself works
    assert {"the pool is closed", "there is no account named %(name)s", "must not be negative"} <= marked
    assert "Buy from another node: search, order, status, cancel, rate." in helps
    return marked | helps | set(CLICK_WORDS)


def test_every_cli_message_and_help_text_has_chinese(everything: set[str]) -> None:
    zh = catalog("zh")
    missing = sorted(m for m in everything if not (zh.get(m) and zh.get(m).string))
    assert not missing, f"{len(missing)} CLI messages lack Chinese (add them to l10n/locale/zh/cli.po): {missing}"


def test_chinese_keeps_every_placeholder(everything: set[str]) -> None:
    zh = catalog("zh")
    wrong = [m for m in everything if zh.get(m) and isinstance(zh.get(m).string, str)
             and _placeholders(zh.get(m).string) != _placeholders(m)]
    assert not wrong, f"placeholders differ in the Chinese of: {wrong}"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),  # LC_ALL overrides LANG
        ({"LANGUAGE": "zh_TW:en", "LANG": "en_US.UTF-8"}, "zh"),  # LANGUAGE comes first, as in gettext
        ({"LANG": "fr_FR.UTF-8"}, "en"),  # a language we do not speak: English
    ],
)
def test_the_locale_variables_choose_the_language(env: dict[str, str], expected: str) -> None:
    assert from_environment(env) == expected
