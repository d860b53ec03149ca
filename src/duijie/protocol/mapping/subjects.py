"""What a seller request is about, read without parsing it: its provider and items, or its order.

The seller dispatches each request to the kind of trade that owns these items (select, init,
confirm) or holds this order (status, track, cancel, update, rating, support); these readers
only pick the ids out of the message, the kind reads the rest.
"""

from __future__ import annotations

from typing import Any

from duijie.protocol.context import Action

ITEM_ACTIONS = frozenset({Action.SELECT, Action.INIT, Action.CONFIRM})
"""Requests about catalog items: the kind is chosen by what the items are."""

ORDER_ACTIONS = frozenset({Action.STATUS, Action.TRACK, Action.CANCEL, Action.UPDATE, Action.RATING, Action.SUPPORT})
"""Requests about a confirmed order: the kind is the one that holds the order."""


def item_ids_of(order: Any) -> tuple[str, ...]:
    """The ids of ``order.items[]`` (those that are strings), in order; empty when none are named."""
    items = order.get("items") if isinstance(order, dict) else None
    if not isinstance(items, list):
        return ()
    return tuple(i["id"] for i in items if isinstance(i, dict) and isinstance(i.get("id"), str))


def order_ref(action: Action, message: dict[str, Any]) -> str | None:
    """The order a status/track/cancel/update/rating/support request names, if it names one."""
    found: Any
    if action is Action.UPDATE:
        order = message.get("order")
        found = order.get("id") if isinstance(order, dict) else None
    elif action is Action.RATING:
        ratings = message.get("ratings")
        first = ratings[0] if isinstance(ratings, list) and ratings else None
        found = first.get("id") if isinstance(first, dict) else None
    elif action is Action.SUPPORT:
        support = message.get("support")
        found = (support.get("ref_id") if isinstance(support, dict) else None) or message.get("order_id")
    else:
        found = message.get("order_id")
    return found if isinstance(found, str) else None


def update_targets(message: dict[str, Any]) -> frozenset[str]:
    """The comma-separated ``update_target`` of an update, as a set (``"item"``, ``"tags"``, ...)."""
    return frozenset(t.strip() for t in str(message.get("update_target", "")).split(","))
