"""The Jinja2 environment of each language, and :func:`render`, which every page answers with.

One environment per language, each with its gettext catalog installed (``newstyle`` gettext:
``_("Hello %(name)s", name=...)`` escapes its arguments); templates are compiled once per
language and cached by Jinja (constant messages are translated then: see
:mod:`duijie.web.template_i18n`). Every page receives ``lang``, ``html_lang``, ``fmt`` (Babel
formatting in that language), ``csrf_token`` and ``path``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from duijie.l10n.catalogs import HTML_LANG, SUPPORTED, negotiate, translations
from duijie.l10n.formats import Formats
from duijie.web import csrf
from duijie.web.template_i18n import ConstantGettext

LANG_COOKIE = "duijie_lang"
"""Remembers the visitor's language choice (a year)."""


@functools.cache
def environment(lang: str) -> Environment:
    """The template environment speaking ``lang``."""
    env = Environment(
        loader=PackageLoader("duijie.web", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,  # a misspelt variable fails the test, not the visitor silently
        extensions=["jinja2.ext.i18n", ConstantGettext],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the package: compiled once, never stat()ed per render
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.extend(compile_gettext=translations(lang).gettext)  # constant messages translated at compile time
    # Template modules that need no page context, built once per language. An `{% import %}` of them
    # rebuilds nothing, yet costs each render about 80 Python calls (Jinja compares the template's
    # globals every time); the search page imported two. Pages whose forms post still import
    # macros.html `with context` (its csrf() needs the page's token).
    env.globals["labels"] = env.get_template("diner/labels.html").module
    env.globals["plain_macros"] = env.get_template("macros.html").module
    return env


def request_lang(request: Request) -> str:
    """The visitor's language: their remembered choice, else their browser's, else Chinese."""
    return negotiate(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def gettext_for(request: Request) -> Any:
    """``gettext`` in the visitor's language, for messages made in Python (flash, field errors)."""
    return translations(request_lang(request)).gettext


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The page ``template`` in the visitor's language, with the CSRF cookie set when new."""
    lang = request_lang(request)
    token, fresh = csrf.token_for(request)
    page = environment(lang).get_template(template).render(
        {
            "request": request,
            "lang": lang,
            "html_lang": HTML_LANG[lang],
            "languages": SUPPORTED,
            "fmt": Formats(lang),
            "csrf_token": token,
            "path": request.url.path,
            "full_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **(context or {}),
        }
    )
    response = HTMLResponse(page, status_code=status, headers=dict(headers or {}))
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", CSP)
    if fresh:
        csrf.set_cookie(response, token, secure=request.url.scheme == "https")
    return response


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
"""Pages load nothing from elsewhere and run only the node's own scripts (no inline script)."""
