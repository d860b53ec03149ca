"""The command line's language: Chinese or English, chosen once per process from the locale.

The first message asked for resolves the language from ``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES`` or ``LANG`` (the locale, not a setting of the node: :mod:`duijie.settings` owns
only ``DUIJIE_*``) and it stays for the life of the process. The command line marks its
messages with :func:`_` (English source text; the Chinese is in ``locale/zh/cli.po``), and a
test extracts them with Babel, like the pages' messages. Help texts of the command tree are
translated as a whole at start (:mod:`duijie.cli.language`).
"""

from __future__ import annotations

import functools
import os
from gettext import NullTranslations

from duijie.l10n.catalogs import from_environment, translations


@functools.cache
def language_of_environment() -> str:
    """``zh`` or ``en``: what the process's locale asks for (read once)."""
    return from_environment(dict(os.environ))


def _catalog() -> NullTranslations:
    return translations(language_of_environment())


def _(message: str) -> str:
    """``message`` (English) in the command line's language."""
    return _catalog().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the command line's language."""
    return _catalog().ngettext(singular, plural, n)
