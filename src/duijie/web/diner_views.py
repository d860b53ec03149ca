"""What the diner's pages share: names in the visitor's language, the held listing, reasons translated.

The search index and live answers speak English facts ("title matched 凉皮", "within 3.2 km");
:func:`why_text` says each in the visitor's language. Titles arrive as ``"中文 / English"`` and
:func:`pick` keeps the visitor's half.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from duijie.domain.text import LocalText
from duijie.services.container import Services
from duijie.services.errors import NotFound
from duijie.services.held_listings import HeldListing

Gettext = Callable[[str], str]


def services_of(request: Request) -> Services:
    """The node's use cases."""
    services: Services = request.app.state.services
    return services


def has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def pick(text: str | LocalText | dict[str, Any] | None, lang: str) -> str:
    """The visitor's half of a bilingual text (``LocalText``, ``{"zh", "en"}`` or ``"中文 / English"``)."""
    if text is None:
        return ""
    if isinstance(text, LocalText):
        return text.best(lang)
    if isinstance(text, dict):
        return LocalText(text.get("zh"), text.get("en")).best(lang)
    first, sep, rest = text.partition(" / ")
    if sep and has_cjk(first) and rest:
        return first if lang == "zh" else rest
    return text


def other(text: LocalText | None, lang: str) -> str:
    """The other language's text, when it differs (shown beside the chosen one)."""
    if text is None:
        return ""
    second = text.en if lang == "zh" else text.zh
    return second if second and second != text.best(lang) else ""


async def held_listing(request: Request, provider_id: str, subscriber_id: str | None) -> HeldListing | None:
    """The provider's listing as this node holds it (None when the node does not hold it)."""
    held = services_of(request).held
    if held is None:
        return None
    try:  # inline: the service answers from memory but once a second (a thread hop costs more)
        return held.get(provider_id, subscriber_id or None)
    except NotFound:
        return None


_WHY: list[tuple[re.Pattern[str], Callable[[Gettext, re.Match[str]], str]]] = [
    (re.compile(r"^exact title (.+)$"), lambda _, m: _("exact title %(text)s") % {"text": m[1]}),
    (re.compile(r"^exact title$"), lambda _, m: _("exact title")),
    (re.compile(r"^title matched (.+)$"), lambda _, m: _("title matched %(text)s") % {"text": m[1]}),
    (re.compile(r"^text matched (.+)$"), lambda _, m: _("description matched %(text)s") % {"text": m[1]}),
    (re.compile(r"^similar spelling to (.+)$"), lambda _, m: _("similar spelling to %(text)s") % {"text": m[1]}),
    (re.compile(r"^similar meaning to (.+) \(([\d.]+)\)$"),
     lambda _, m: _("similar meaning to %(text)s") % {"text": m[1]}),
    (re.compile(r"^price (.+)$"), lambda _, m: _("price %(price)s") % {"price": m[1]}),
    (re.compile(r"^category (.+)$"), lambda _, m: _("category %(name)s") % {"name": m[1]}),
    (re.compile(r"^diet (.+)$"), lambda _, m: _("diet: %(tags)s") % {"tags": m[1]}),
    (re.compile(r"^kind (.+)$"), lambda _, m: _("kind: %(kind)s") % {"kind": m[1]}),
    (re.compile(r"^capacity (\d+) >= (\d+)$"),
     lambda _, m: _("holds %(capacity)s, at least %(party)s") % {"capacity": m[1], "party": m[2]}),
    (re.compile(r"^within ([\d.]+) km$"), lambda _, m: _("within %(km)s km") % {"km": m[1]}),
    (re.compile(r"^open at (.+)$"), lambda _, m: _("open at %(time)s") % {"time": m[1].replace("T", " ")}),
    (re.compile(r"^answered live by (.+)$"), lambda _, m: _("answered just now by %(node)s") % {"node": m[1]}),
]


_WHY_BY_WORD: dict[str, list[tuple[re.Pattern[str], Callable[[Gettext, re.Match[str]], str]]]] = {}
for _entry in _WHY:  # each reason's first word picks its patterns: a page of results asks many
    _WHY_BY_WORD.setdefault(_entry[0].pattern[1:].split(" ", 1)[0].rstrip("$"), []).append(_entry)


def why_text(reason: str, _: Gettext) -> str:
    """One reason a result matched, in the visitor's language (an unknown one as it came)."""
    for pattern, say in _WHY_BY_WORD.get(reason.split(" ", 1)[0], ()):
        found = pattern.match(reason)
        if found:
            return say(_, found)
    return reason
