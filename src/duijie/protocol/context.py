"""The Beckn core 1.1 ``context`` object and the action names.

Wire shape (snake_case, core 1.1.1)::

    {"domain", "action", "version", "bap_id", "bap_uri", "bpp_id"?, "bpp_uri"?,
     "transaction_id", "message_id", "timestamp", "ttl"?,
     "location"?: {"city": {"code"}, "country": {"code"}}}
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import isodate

__all__ = [
    "PROTOCOL_VERSION",
    "Action",
    "Context",
    "callback_action",
    "format_timestamp",
    "reply_context",
]

PROTOCOL_VERSION = "1.1.0"


class Action(enum.StrEnum):
    """The ten requests and their ten callbacks."""

    SEARCH = "search"
    SELECT = "select"
    INIT = "init"
    CONFIRM = "confirm"
    STATUS = "status"
    TRACK = "track"
    CANCEL = "cancel"
    UPDATE = "update"
    RATING = "rating"
    SUPPORT = "support"
    ON_SEARCH = "on_search"
    ON_SELECT = "on_select"
    ON_INIT = "on_init"
    ON_CONFIRM = "on_confirm"
    ON_STATUS = "on_status"
    ON_TRACK = "on_track"
    ON_CANCEL = "on_cancel"
    ON_UPDATE = "on_update"
    ON_RATING = "on_rating"
    ON_SUPPORT = "on_support"

    @property
    def is_callback(self) -> bool:
        """True for ``on_*`` actions (sent by a BPP to a BAP)."""
        return self.value.startswith("on_")


def callback_action(action: Action | str) -> Action:
    """The callback answering a request: ``search`` → ``on_search``."""
    request = Action(action)
    if request.is_callback:
        raise ValueError(f"{request.value} is already a callback")
    return Action(f"on_{request.value}")


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds and ``Z``, e.g. ``2022-01-04T09:17:55.971Z``."""
    if moment.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    # isoformat, not strftime: glibc's strftime re-reads the time zone on every call.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


@dataclasses.dataclass(frozen=True, slots=True)
class Context:
    """A message context. ``timestamp`` is kept as the wire text so it echoes unchanged."""

    domain: str
    action: Action
    bap_id: str
    bap_uri: str
    transaction_id: str
    message_id: str
    timestamp: str
    version: str = PROTOCOL_VERSION
    bpp_id: str | None = None
    bpp_uri: str | None = None
    ttl: str | None = None
    city_code: str | None = None
    country_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The wire form; absent optional fields are left out."""
        out: dict[str, Any] = {"domain": self.domain}
        if self.city_code or self.country_code:
            location: dict[str, Any] = {}
            if self.city_code:
                location["city"] = {"code": self.city_code}
            if self.country_code:
                location["country"] = {"code": self.country_code}
            out["location"] = location
        out.update(action=self.action.value, version=self.version, bap_id=self.bap_id, bap_uri=self.bap_uri)
        if self.bpp_id is not None:
            out["bpp_id"] = self.bpp_id
        if self.bpp_uri is not None:
            out["bpp_uri"] = self.bpp_uri
        out.update(transaction_id=self.transaction_id, message_id=self.message_id, timestamp=self.timestamp)
        if self.ttl is not None:
            out["ttl"] = self.ttl
        return out

    def valid_until(self) -> datetime | None:
        """``timestamp`` + ``ttl`` (an ISO 8601 duration such as ``PT30S``): until when the sender
        wants this message acted on. None without a ttl, or when either cannot be read."""
        if not self.ttl:
            return None
        try:
            sent = datetime.fromisoformat(self.timestamp)
            until: datetime = sent + isodate.parse_duration(self.ttl)
        except (ValueError, isodate.ISO8601Error, OverflowError):
            return None
        return until if until.tzinfo is not None else until.replace(tzinfo=UTC)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Context:
        """Read a context that already passed envelope validation (raises KeyError/ValueError otherwise)."""
        location = data.get("location") or {}
        city = location.get("city") or {}
        country = location.get("country") or {}
        return cls(
            domain=str(data.get("domain", "")),
            action=Action(data["action"]),
            bap_id=data["bap_id"],
            bap_uri=data["bap_uri"],
            transaction_id=data["transaction_id"],
            message_id=data["message_id"],
            timestamp=data["timestamp"],
            version=str(data.get("version", PROTOCOL_VERSION)),
            bpp_id=data.get("bpp_id"),
            bpp_uri=data.get("bpp_uri"),
            ttl=data.get("ttl"),
            city_code=city.get("code"),
            country_code=country.get("code"),
        )


def reply_context(
    ctx: Context,
    *,
    timestamp: datetime,
    action: Action | str | None = None,
    message_id: str | None = None,
    bpp_id: str | None = None,
    bpp_uri: str | None = None,
) -> Context:
    """The context of a callback to ``ctx``.

    By default the action is the matching ``on_*`` and the message_id is kept (a request and its
    callback share one message_id); an unsolicited callback passes a new ``message_id``. A BPP
    answering a multicast search fills in its own ``bpp_id``/``bpp_uri``.
    """
    return dataclasses.replace(
        ctx,
        action=Action(action) if action is not None else callback_action(ctx.action),
        message_id=message_id if message_id is not None else ctx.message_id,
        timestamp=format_timestamp(timestamp),
        bpp_id=bpp_id if bpp_id is not None else ctx.bpp_id,
        bpp_uri=bpp_uri if bpp_uri is not None else ctx.bpp_uri,
    )
