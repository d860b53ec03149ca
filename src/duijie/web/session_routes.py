"""Signing in and out of the merchant pages: ``GET``/``POST /merchant/login``, ``POST /merchant/logout``.

A right password starts a new server-side session (any session the browser had is ended first:
the session id is rotated at every sign-in) and sets the ``duijie_session`` cookie: HttpOnly,
SameSite=Lax, Secure on https, path ``/``. The answers never tell whether a name exists.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from duijie.domain.accounts import LOCK_FOR, MAX_PASSWORD, SESSION_LIFETIME
from duijie.services.accounts import LoginOutcome
from duijie.web import csrf
from duijie.web.access import LOGIN_PATH, SESSION_COOKIE, merchant_user
from duijie.web.lang_routes import safe_next
from duijie.web.templating import gettext_for, render

HOME = "/merchant"


def _login_page(request: Request, *, name: str = "", error: str = "", status: int = 200) -> Response:
    next_path = safe_next(request.query_params.get("next"), HOME)
    return render(request, "login.html", {"name": name, "error": error, "next": next_path}, status=status)


async def login_form(request: Request) -> Response:
    if await merchant_user(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next"), HOME), status_code=303)
    return _login_page(request)


async def login(request: Request) -> Response:
    form = await csrf.checked_form(request)
    _ = gettext_for(request)
    name, password = str(form.get("name") or "").strip()[:64], str(form.get("password") or "")
    accounts = request.app.state.services.accounts
    if not name or not password:
        return _login_page(request, name=name, error=_("Enter your name and password."), status=400)
    # argon2 takes tens of milliseconds of CPU by design: off the event loop.
    result = await asyncio.to_thread(accounts.login, name, password[: MAX_PASSWORD + 1])
    if result.outcome is LoginOutcome.LOCKED:
        minutes = int(LOCK_FOR.total_seconds() // 60)
        message = _("Too many wrong passwords: signing in is locked for %(minutes)s minutes. "
                    "Try again later.") % {"minutes": minutes}
        return _login_page(request, name=name, error=message, status=429)
    if result.outcome is LoginOutcome.REFUSED or result.token is None:
        return _login_page(request, name=name, error=_("Wrong name or password."), status=401)
    old = request.cookies.get(SESSION_COOKIE)
    if old:  # rotation: the session a browser had before signing in never outlives the sign-in
        await asyncio.to_thread(accounts.logout, old)
    response = RedirectResponse(safe_next(request.query_params.get("next"), HOME), status_code=303)
    response.set_cookie(SESSION_COOKIE, result.token, max_age=int(SESSION_LIFETIME.total_seconds()),
                        httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")
    # A new CSRF token with the new session: one set in the browser before sign-in (by a page of
    # someone else's on a sibling host, say) is worthless afterwards.
    csrf.set_cookie(response, csrf.new_token(), secure=request.url.scheme == "https")
    return response


async def logout(request: Request) -> Response:
    await csrf.checked_form(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await asyncio.to_thread(request.app.state.services.accounts.logout, token)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
    return response


routes: list[BaseRoute] = [
    Route(LOGIN_PATH, login_form, methods=["GET"]),
    Route(LOGIN_PATH, login, methods=["POST"]),
    Route("/merchant/logout", logout, methods=["POST"]),
]
