"""What each JSON API route accepts, declared once: the spec both checks a request and describes it.

A route's :class:`Spec` lists its query and path :class:`Param` s and its JSON :class:`Body`
(a JSON Schema); :class:`ApiRoute` checks every request against it before the endpoint runs, and
``api/openapi.py`` writes the same specs out as OpenAPI 3.1. Whatever does not fit (a wrong type,
a number out of range, too many list items, an instant the calendar cannot hold, a body that is
not UTF-8 JSON, too large or too deeply nested) is refused with :class:`BadInput` (a 4xx in the
one error shape, naming the field) and never reaches the use cases.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cached_property
from typing import Any

import fastjsonschema
from starlette.requests import Request

from duijie.api.json_body import BodyRefused, load_object
from duijie.domain.hours import EVALUABLE_FROM, EVALUABLE_UNTIL

MAX_DEPTH = 32
"""Deepest nesting of arrays and objects any JSON API body may have (the real ones use 4)."""

MAX_CURSOR = 10**18 - 1
"""Largest peer-exchange cursor (18 digits: always fits a signed 64-bit database integer)."""


class BadInput(Exception):
    """A request that does not fit its route's spec; ``field`` names the offending input."""

    def __init__(self, field: str, reason: str, *, status: int = 400) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.status = status


class In(StrEnum):
    """Where a parameter travels (OpenAPI's ``in``)."""

    QUERY = "query"
    PATH = "path"


class Kind(StrEnum):
    """What a query or path parameter's text must spell."""

    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    DECIMAL = "decimal"
    INSTANT = "instant"
    LIST = "list"
    POINT = "point"
    CURSOR = "cursor"


_NUMBER = re.compile(r"^-?[0-9]{1,15}(\.[0-9]{1,15})?$")
_INTEGER = re.compile(r"^-?[0-9]{1,18}$")


def parse_instant(raw: str) -> datetime:
    """An ISO 8601 instant with a UTC offset, within what every time zone's calendar can hold.

    ``+`` in an offset often arrives decoded as a space (an unencoded query string); it is read back.
    """
    try:
        at = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {raw[:40]!r}") from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("give a UTC offset (e.g. 2026-11-27T22:30-05:00)")
    if not EVALUABLE_FROM <= at <= EVALUABLE_UNTIL:  # compared as instants, without converting
        raise ValueError(f"must lie between {EVALUABLE_FROM.date()} and {EVALUABLE_UNTIL.date()} (UTC)")
    return at


@dataclass(frozen=True, slots=True)
class Param:
    """One query or path parameter: its kind, bounds and how OpenAPI describes it."""

    name: str
    kind: Kind = Kind.TEXT
    where: In = In.QUERY
    description: str = ""
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 200
    choices: tuple[str, ...] = ()
    max_items: int = 20
    default: Any = None
    pattern: str | None = None

    def parse(self, raw: str) -> Any:
        """The typed value of ``raw``; raises :class:`BadInput` naming this parameter."""
        if len(raw) > self.max_length:
            raise self._bad(f"at most {self.max_length} characters")
        try:
            value = self._convert(raw)
        except (ValueError, InvalidOperation) as exc:
            raise self._bad(str(exc)) from None
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                raise self._bad(f"must be at least {self.minimum:g}")
            if self.maximum is not None and value > self.maximum:
                raise self._bad(f"must be at most {self.maximum:g}")
        return value

    def _convert(self, raw: str) -> Any:
        kind = self.kind
        if kind is Kind.TEXT:
            if self.choices and raw not in self.choices:
                raise ValueError(f"one of {', '.join(self.choices)}")
            if self.pattern and not re.search(self.pattern, raw):
                raise ValueError(f"must match {self.pattern}")
            return raw
        if kind is Kind.INTEGER or kind is Kind.CURSOR:
            if not _INTEGER.match(raw.strip()):
                raise ValueError("must be a whole number" if kind is Kind.INTEGER else "must be a cursor (digits)")
            return int(raw)
        if kind is Kind.NUMBER:
            if not _NUMBER.match(raw.strip()):
                raise ValueError("must be a decimal number such as 2.5")
            return float(raw)
        if kind is Kind.DECIMAL:
            if not _NUMBER.match(raw.strip()):
                raise ValueError("must be a decimal number such as 12.50")
            return Decimal(raw.strip())
        if kind is Kind.INSTANT:
            return parse_instant(raw)
        if kind is Kind.POINT:
            return _point(raw)
        items = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
        if len(items) > self.max_items:
            raise ValueError(f"at most {self.max_items} values")
        unknown = [i for i in items if self.choices and i not in self.choices]
        if unknown:
            raise ValueError(f"unknown value {unknown[0][:40]!r}; one of {', '.join(self.choices)}")
        return items

    def _bad(self, reason: str) -> BadInput:
        # A path parameter that names nothing here is "not found", as for any other unknown path.
        status = 404 if self.where is In.PATH and self.choices else 400
        return BadInput(self.name, reason, status=status)

    def schema(self) -> dict[str, Any]:
        """The parameter's value as JSON Schema (what the query text spells)."""
        kind = self.kind
        out: dict[str, Any]
        if kind is Kind.INTEGER or kind is Kind.CURSOR:
            out = {"type": "integer"}
        elif kind is Kind.NUMBER:
            out = {"type": "number"}
        elif kind is Kind.DECIMAL:
            out = {"type": "string", "pattern": _NUMBER.pattern}
        elif kind is Kind.INSTANT:
            out = {"type": "string", "format": "date-time"}
        elif kind is Kind.POINT:
            out = {"type": "string", "pattern": r"^-?[0-9]{1,3}(\.[0-9]+)?,-?[0-9]{1,3}(\.[0-9]+)?$"}
        elif kind is Kind.LIST:
            item: dict[str, Any] = {"enum": list(self.choices)} if self.choices else {"type": "string"}
            return {"type": "array", "items": item, "maxItems": self.max_items}
        else:
            out = {"type": "string", "maxLength": self.max_length}
            if self.pattern:
                out["pattern"] = self.pattern
            if self.choices:
                out = {"type": "string", "enum": list(self.choices)}
        if self.minimum is not None and out["type"] in ("integer", "number"):
            out["minimum"] = self.minimum
        if self.maximum is not None and out["type"] in ("integer", "number"):
            out["maximum"] = self.maximum
        if self.default is not None:
            out["default"] = self.default
        return out


def _point(raw: str) -> tuple[float, float]:
    parts = raw.split(",")
    if len(parts) != 2 or not all(_NUMBER.match(p.strip()) for p in parts):
        raise ValueError("give LAT,LON in degrees, e.g. 38.90,-77.03")
    lat, lon = float(parts[0]), float(parts[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("latitude must lie within ±90 and longitude within ±180")
    return lat, lon


@dataclass(frozen=True)
class Body:
    """A JSON object body: its JSON Schema (the same text OpenAPI publishes) and its size cap."""

    schema: dict[str, Any]
    description: str = ""
    max_bytes: int = 64_000
    required: bool = False

    @cached_property
    def _validate(self) -> Callable[[Any], Any]:
        return fastjsonschema.compile(self.schema)

    def parse(self, raw: bytes) -> dict[str, Any]:
        """The checked object; an empty body is ``{}`` unless one is required."""
        if len(raw) > self.max_bytes:
            raise BadInput("$", f"body exceeds {self.max_bytes} bytes", status=413)
        if not raw.strip():
            if self.required:
                raise BadInput("$", "a JSON object body is required")
            return {}
        try:
            data = load_object(raw, MAX_DEPTH)
        except BodyRefused as exc:
            raise BadInput(exc.path, exc.reason) from None
        try:
            self._validate(data)
        except fastjsonschema.JsonSchemaValueException as exc:
            path = "$" + (exc.name or "data")[len("data"):]
            raise BadInput(path, exc.message.replace(exc.name or "data", path, 1)) from None
        return data


@dataclass(frozen=True, slots=True)
class Spec:
    """One operation of the JSON API, as checked on arrival and as OpenAPI describes it."""

    summary: str
    params: tuple[Param, ...] = ()
    body: Body | None = None
    admin: bool = False
    tag: str = "catalog"
    responses: Mapping[int, str] = field(default_factory=dict)
    media_type: str = "application/json"
    success: int = 200

    def read_params(self, request: Request) -> dict[str, Any]:
        """Every declared parameter, parsed (a missing optional one is its default)."""
        values: dict[str, Any] = {}
        for param in self.params:
            source = request.path_params if param.where is In.PATH else request.query_params
            raw = source.get(param.name)
            if raw is None or (raw == "" and param.where is In.QUERY):
                if param.required:
                    raise BadInput(param.name, "required")
                values[param.name] = param.default
            else:
                values[param.name] = param.parse(str(raw))
        return values

    async def read_body(self, request: Request) -> dict[str, Any] | None:
        """The checked body (``{}`` when empty), or None for a route without one."""
        if self.body is None or request.method not in ("POST", "PUT", "PATCH"):
            return None
        return self.body.parse(await read_capped(request, self.body.max_bytes))


async def read_capped(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it grows past ``limit``: a huge upload is never held whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BadInput("$", f"body exceeds {limit} bytes", status=413)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadInput("$", f"body exceeds {limit} bytes", status=413)
        chunks.append(chunk)
    return b"".join(chunks)
