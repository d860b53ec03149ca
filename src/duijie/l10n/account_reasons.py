"""Why the accounts of the merchant pages refused a change, said in the reader's language.

:mod:`duijie.services.accounts` (and the name and password rules of
:mod:`duijie.domain.accounts`) refuse with an English sentence of a fixed shape; ``duijie users``
says it again from the catalog (the Chinese is in ``locale/zh/cli2.po``). A sentence no pattern
knows is shown as it is.
"""

from __future__ import annotations

import re

from duijie.l10n.listing_reasons import N_, Gettext

_QUOTED = r"(?P<name>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"

_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), m) for p, m in (
    (r"an account named " + _QUOTED + r" exists already", N_("an account named %(name)s exists already")),
    (r"no account named " + _QUOTED, N_("there is no account named %(name)s")),
    (r"a name is 1-64 letters, digits, '\.', '_' or '-', starting with a letter or digit",
     N_("a name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")),
    (r"a password has at least (?P<n>\d+) characters", N_("a password has at least %(n)s characters")),
    (r"a password has at most (?P<n>\d+) characters", N_("a password has at most %(n)s characters")),
))


def said(reason: str, _: Gettext) -> str:
    """``reason`` (an ``AccountError``'s message) in the language of ``_``."""
    for pattern, message in _REASONS:
        match = pattern.fullmatch(reason)
        if match:
            return _(message) % match.groupdict()
    return reason
