"""Who may see a page: the signed-in merchant, or the node's owner.

Every merchant page starts with::

    user = await require_merchant(request)
    if isinstance(user, Response):
        return user  # no valid session: 303 to /merchant/login?next=<this page>
    ...  # user is the signed-in Account (user.name, user.role)

The diner pages of a node act for the node's owner (they place orders, pledge, apply with the
node's keys), so they start with ``who = await require_owner(request)`` and the same check:
allowed from loopback (the node's default bind: the owner's own machine) or with a signed-in
account, else the same redirect to sign in. A request that came through a proxy (it carries
``Forwarded`` or ``X-Forwarded-For``) is never loopback, whatever the socket says. In-process
tests are loopback with ``TestClient(app, client=("127.0.0.1", 50000))`` (the default client
host, ``testclient``, is not).

The session is the ``duijie_session`` cookie (see :mod:`duijie.web.session_routes`); its token
is checked by :class:`duijie.services.accounts.AccountService`, once per request.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from duijie.domain.accounts import Account

SESSION_COOKIE = "duijie_session"
LOGIN_PATH = "/merchant/login"


@dataclass(frozen=True, slots=True)
class Loopback:
    """The owner at the node's own machine (no account signed in)."""

    host: str


async def merchant_user(request: Request) -> Account | None:
    """The account signed in by this request's session cookie, or None."""
    cached = request.scope.get("duijie.account", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    token = request.cookies.get(SESSION_COOKIE, "")
    accounts = request.app.state.services.accounts
    account = await accounts.signed_in(token) if token and accounts is not None else None
    request.scope["duijie.account"] = account  # one session look-up per request
    return account


def login_redirect(request: Request) -> RedirectResponse:
    """303 to the login page, which comes back to this page once signed in."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{LOGIN_PATH}?next={quote(here, safe='')}", status_code=303)


async def require_merchant(request: Request) -> Account | Response:
    """The signed-in account, or the redirect to sign in that the page must return."""
    account = await merchant_user(request)
    return account if account is not None else login_redirect(request)


def is_loopback(request: Request) -> bool:
    """Whether the request comes from this machine directly (not through a proxy)."""
    if "forwarded" in request.headers or "x-forwarded-for" in request.headers:
        return False
    host = request.client.host if request.client is not None else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def require_owner(request: Request) -> Account | Loopback | Response:
    """Loopback or a signed-in account may act for the node's owner; else the redirect to sign in."""
    if is_loopback(request):
        assert request.client is not None
        return Loopback(request.client.host)
    return await require_merchant(request)

