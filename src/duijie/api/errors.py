"""Exception handlers: use-case errors become 4xx JSON naming the field, never a traceback."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from duijie.api.params import BadInput
from duijie.api.responses import INTERNAL_ERROR, error_response
from duijie.domain.errors import DomainError, ErrorCode, ValidationFailed
from duijie.services.errors import Conflict, NotFound, ServiceError, Unauthorized

log = logging.getLogger("duijie.api")


async def on_service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    if isinstance(exc, NotFound):
        return error_response(404, "not_found", exc.message, field=exc.field)
    if isinstance(exc, Unauthorized):
        resp = error_response(401, "unauthorized", exc.message)
        resp.headers["WWW-Authenticate"] = 'Bearer realm="duijie-admin"'
        return resp
    if isinstance(exc, Conflict):
        return error_response(409, "conflict", exc.message, field=exc.field)
    return error_response(400, "bad_request", exc.message, field=exc.field)


async def on_validation_failed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationFailed)
    # A listing problem carries its code and values beside the English (l10n says it from them).
    issues = [{"path": i.path, "reason": i.reason, "code": i.code, "params": dict(i.params)} for i in exc.issues]
    first = exc.issues[0] if exc.issues else None
    message = f"{first.path}: {first.reason}" if first else "invalid input"
    return error_response(
        422, "invalid", message, field=first.path if first else None, details=issues
    )


_BAD_INPUT_CODES = {404: "not_found", 413: "too_large"}


async def on_bad_input(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BadInput)
    code = _BAD_INPUT_CODES.get(exc.status, "bad_request")
    return error_response(exc.status, code, f"{exc.field}: {exc.reason}", field=exc.field)


async def on_domain_error(request: Request, exc: Exception) -> Response:
    # A domain rule refusing what a request asked for (an unknown id, a value it cannot take).
    assert isinstance(exc, DomainError)
    if exc.code is ErrorCode.NOT_FOUND:
        return error_response(404, "not_found", exc.message)
    return error_response(400, exc.code.value, exc.message)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, "http_error", str(exc.detail))


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, *INTERNAL_ERROR)


HANDLERS = {
    BadInput: on_bad_input,
    ValidationFailed: on_validation_failed,
    DomainError: on_domain_error,
    ServiceError: on_service_error,
    HTTPException: on_http_exception,
    Exception: on_unexpected,
}
