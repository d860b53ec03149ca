"""Cross-site request forgery: every form carries the token of the visitor's CSRF cookie.

The double-submit pattern: a random token lives in an HttpOnly, SameSite=Strict cookie and in a
hidden ``csrf_token`` field of each form the node renders; a POST whose field does not match
its cookie is refused before it does anything. A forged form on another site can neither read
the cookie nor guess the token.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "duijie_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"  # for the pages' own fetch() calls


class CsrfRefused(Exception):
    """A state-changing request without the visitor's CSRF token (→ 403)."""


def token_for(request: Request) -> tuple[str, bool]:
    """The visitor's token, and whether it is new (then the response must set the cookie)."""
    current = request.cookies.get(COOKIE, "")
    if len(current) == 43:  # what token_urlsafe(32) makes; anything else is replaced
        return current, False
    cached = getattr(request.state, "csrf_new", None)
    if cached is None:
        cached = new_token()
        request.state.csrf_new = cached  # one token per request, however many forms render
    return cached, True


def new_token() -> str:
    """A fresh random token (also given at sign-in, so a token planted before it is worthless)."""
    return secrets.token_urlsafe(32)


def set_cookie(response: Response, token: str, *, secure: bool) -> None:
    """Give the visitor their token (the page that first rendered a form does this)."""
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")


def check(request: Request, sent: str | None) -> None:
    """Raise :class:`CsrfRefused` unless ``sent`` is the visitor's token."""
    cookie = request.cookies.get(COOKIE, "")
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise CsrfRefused("the form's security token is missing or wrong: reload the page and try again")


async def checked_form(request: Request) -> FormData:
    """The POSTed form, after its CSRF token is checked (a fetch() may send it as a header)."""
    form = await request.form()
    sent = form.get(FIELD)
    check(request, sent if isinstance(sent, str) else request.headers.get(HEADER))
    return form
