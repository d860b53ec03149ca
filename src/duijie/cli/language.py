"""The command line in the reader's language: every help text of the command tree, and Click's
own words, looked up in the gettext catalog (:mod:`duijie.l10n.cli_text`) once, at start.

Help texts stay plain English docstrings and ``help=`` strings in the command modules (Click reads
them at import); :func:`speak` swaps each for its translation before the command runs, and
:func:`help_texts` lists them all, so a test can insist that each one has its Chinese.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import click

from duijie.l10n import cli_text

CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types")
"""Click's modules that show messages through their module-level ``_`` / ``ngettext``."""


def _commands(command: click.Command, *, imported_only: bool = False) -> Iterator[click.Command]:
    """``command`` and its subcommands: all of them (importing a lazy group's modules), or only
    those already imported."""
    yield command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        names = list(command.commands) if imported_only else command.list_commands(ctx)
        for name in names:
            if (sub := command.get_command(ctx, name)) is not None:
                yield from _commands(sub, imported_only=imported_only)


def _help_of(text: str | None) -> str | None:
    # Click shows a docstring's cleaned text up to a form feed: that is the message to translate.
    return inspect.cleandoc(text).partition("\f")[0] if text else None


def help_texts(root: click.Command) -> set[str]:
    """Every help text of ``root`` and its subcommands (commands, options, arguments), in English."""
    found: set[str] = set()
    for command in _commands(root):
        for text in (command.help, command.short_help):
            if cleaned := _help_of(text):
                found.add(cleaned)
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                found.add(param.help)
    return found


def speak(root: click.Command) -> None:
    """Translate ``root``'s help texts and Click's messages into the command line's language."""
    if cli_text.language_of_environment() == "en":
        return  # English is the source text
    import importlib

    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = cli_text._  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = cli_text.ngettext  # type: ignore[attr-defined]
    for command in _commands(root, imported_only=True):  # a lazy group translates the rest on import
        if cleaned := _help_of(command.help):
            command.help = cli_text._(cleaned)
        if cleaned := _help_of(command.short_help):
            command.short_help = cli_text._(cleaned)
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                param.help = cli_text._(param.help)
