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


def error_response(
    status: int, code: str, message: str, *, field: str | None = None, details: Any = None
) -> Response:
    """``{"error": {"code", "message", "field"?, "details"?}}`` with an HTTP 4xx/5xx status."""
    err: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        err["field"] = field
    if details is not None:
        err["details"] = details
    return json_response({"error": err}, status=status)
