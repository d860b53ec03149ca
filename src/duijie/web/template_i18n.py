"""Constant messages translated once, when a template compiles, instead of on every render.

Each language has its own Jinja environment (:func:`duijie.web.templating.environment`), so a
template is compiled once per language. ``{{ _("Search") }}`` — a call of ``_`` with one string
and nothing else — says the same on every render of that language; this extension puts its
translation into the compiled template as a constant. The result is what the ``newstyle``
gettext call returns: the translation marked safe where autoescaping is on (``Markup``), plain
text elsewhere. Calls with arguments (``_("%(n)s away", n=...)``) and messages holding ``%``
(the call formats them) keep the runtime call. A search page calls ``_`` some forty times per
render; each call is a context look-up, a gettext and a ``Markup`` format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream


class ConstantGettext(Extension):
    """Replaces ``_("constant")`` by its translation, marked safe where the template autoescapes."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        # The environment's owner sets ``compile_gettext`` (``env.extend``) before any template
        # compiles; without it every message is translated at runtime, as usual.
        translate: Callable[[str], str] | None = getattr(self.environment, "compile_gettext", None)
        if translate is None:
            yield from stream
            return
        autoescape = self.environment.autoescape
        escaping = bool(autoescape(stream.name) if callable(autoescape) else autoescape)
        tokens = list(stream)
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if (tok.type == "name" and tok.value == "_" and i + 3 < len(tokens)
                    and (i == 0 or tokens[i - 1].type != "dot")
                    and [t.type for t in tokens[i + 1:i + 4]] == ["lparen", "string", "rparen"]
                    and "%" not in tokens[i + 2].value):
                text = translate(tokens[i + 2].value)
                if "%" not in text:
                    yield from _constant(tok.lineno, text, escaping)
                    i += 4
                    continue
            yield tok
            i += 1


def _constant(lineno: int, text: str, safe: bool) -> Iterator[Token]:
    """``("text"|safe)`` (or ``("text")``), as tokens."""
    yield Token(lineno, "lparen", "(")
    yield Token(lineno, "string", text)
    if safe:
        yield Token(lineno, "pipe", "|")
        yield Token(lineno, "name", "safe")
    yield Token(lineno, "rparen", ")")
