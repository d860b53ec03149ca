"""Queueing a Beckn callback (``on_*``) in the outbox, inside the caller's unit of work.

The body is serialised here once and signed when the outbox sends it, so the bytes that are
hashed are exactly the bytes stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from duijie.protocol.context import Action, Context, reply_context
from duijie.protocol.outbound import wire_bytes
from duijie.services.ports import UnitOfWork

CALLBACK_LIFETIME = timedelta(hours=1)
"""How long the outbox keeps retrying a callback to a buyer that does not answer."""


@dataclass(frozen=True, slots=True)
class SellerNode:
    """This node as the BPP named in every callback context."""

    subscriber_id: str
    subscriber_url: str


def callback_url(bap_uri: str, action: Action) -> str:
    """``{bap_uri}/on_x`` with exactly one slash between them."""
    return f"{bap_uri.rstrip('/')}/{action.value}"


def queue_callback(
    uow: UnitOfWork,
    request: Context,
    node: SellerNode,
    now: datetime,
    *,
    action: Action,
    message: dict[str, Any] | None = None,
    error: dict[str, str] | None = None,
    message_id: str | None = None,
    via: str | None = None,
) -> dict[str, Any]:
    """Add the callback ``action`` answering ``request`` (or unsolicited, with a new ``message_id``).

    It goes to the BAP's ``bap_uri``, or to ``via`` (a gateway's subscriber URL) when the request
    came through a gateway that relays the answer.

    Returns the body that was queued. A business error goes in the top-level ``error`` and the
    message is left out, except where the schema requires one (``on_rating``).
    """
    ctx = reply_context(
        request,
        timestamp=now,
        action=action,
        message_id=message_id,
        bpp_id=node.subscriber_id,
        bpp_uri=node.subscriber_url,
    )
    body: dict[str, Any] = {"context": ctx.to_dict()}
    if message is not None:
        body["message"] = message
    elif action is Action.ON_RATING:
        body["message"] = {}
    if error is not None:
        body["error"] = error
    target = callback_url(via or request.bap_uri, action)
    uow.outbox.add(target, action.value, wire_bytes(body), now, now + CALLBACK_LIFETIME)
    return body
