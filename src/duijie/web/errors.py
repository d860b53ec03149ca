"""Errors of the pages answered as pages, in the visitor's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from duijie.web.csrf import CsrfRefused
from duijie.web.templating import gettext_for, render


async def on_csrf_refused(request: Request, exc: Exception) -> Response:
    _ = gettext_for(request)
    return render(
        request,
        "error.html",
        {"title": _("Form expired"), "message": _("The form's security token is missing or wrong. "
                                                  "Go back, reload the page and try again.")},
        status=403,
    )


HANDLERS: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
    CsrfRefused: on_csrf_refused,
}
