"""JSON responses and the error shape every endpoint uses."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

_STR_DATETIMES = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """UTF-8 JSON without ASCII escaping, so Chinese stays readable on the wire.

    Whatever is not JSON is written as its ``str()`` (datetimes included, as they always were).
    """
    return Response(json_bytes(data), status_code=status, headers=headers, media_type="application/json")


def json_bytes(data: Any) -> bytes:
    """The body :func:`json_response` sends."""
    return orjson.dumps(data, default=str, option=_STR_DATETIMES)


INTERNAL_ERROR = ("internal_error", "internal error; see the node's log")
"""Code and message of the answer to an unexpected exception (the traceback goes to the log)."""


def error_body(code: str, message: str, *, field: str | None = None, details: Any = None) -> dict[str, Any]:
    """``{"error": {"code", "message", "field"?, "details"?}}``: the error shape of every endpoint."""
    err: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        err["field"] = field
    if details is not None:
        err["details"] = details
    return {"error": err}


def error_response(
    status: int, code: str, message: str, *, field: str | None = None, details: Any = None
) -> Response:
    """:func:`error_body` with an HTTP 4xx/5xx status."""
    return json_response(error_body(code, message, field=field, details=details), status=status)
