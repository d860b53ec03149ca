"""Errors of the pages answered as pages, in the visitor's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from duijie.domain.applications import ApplicationError
from duijie.domain.errors import DomainError
from duijie.l10n.rule_texts import error_said
from duijie.services.errors import ServiceError
from duijie.web.csrf import CsrfRefused
from duijie.web.templating import gettext_for, render

Handler = Callable[[Request, Exception], Awaitable[Response]]


async def on_csrf_refused(request: Request, exc: Exception) -> Response:
    _ = gettext_for(request)
    return render(
        request,
        "error.html",
        {"title": _("Form expired"), "message": _("The form's security token is missing or wrong. "
                                                  "Go back, reload the page and try again.")},
        status=403,
    )


HANDLERS: dict[type[Exception], Handler] = {
    CsrfRefused: on_csrf_refused,
}


def wants_page(request: Request) -> bool:
    """A person's browser asking for a page: HTML accepted, and not the JSON API or Beckn (whose
    callers get JSON errors whatever they accept)."""
    if request.url.path.startswith(("/api/", "/beckn/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def for_people(api: Handler) -> Handler:
    """The JSON API's handler ``api`` (it logs and picks the status), answered as a page, with that
    status, when a browser asked for a page (:func:`wants_page`)."""

    async def handler(request: Request, exc: Exception) -> Response:
        answer = await api(request, exc)
        if not wants_page(request):
            return answer
        return error_page(request, exc, answer.status_code)

    return handler


def error_page(request: Request, exc: Exception, status: int) -> Response:
    """What went wrong, in the visitor's language: an unknown address, a method the page does not
    take, a refusal no page caught, or a fault of the node (no detail shown)."""
    _ = gettext_for(request)
    if status == 404:
        title, message = _("Not found"), _("There is no page at this address. Check the link, or search again.")
    elif status == 405:
        title = _("Not allowed")
        message = _("This page cannot be used that way. Go back and use its links and buttons.")
    elif status >= 500:
        title, message = _("Something went wrong"), _("The node could not answer this page. Try again in a moment.")
    elif isinstance(exc, DomainError | ApplicationError):
        title, message = _("Not possible"), error_said(exc, _)
    elif isinstance(exc, ServiceError):
        title, message = _("Not possible"), exc.message
    else:
        title, message = _("Not possible"), _("The request could not be answered.")
    return render(request, "error.html", {"title": title, "message": message}, status=status)
