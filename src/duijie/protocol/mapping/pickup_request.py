"""The buyer's side of a food order for pickup: the orders of select, init and confirm."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

QUOTED_FIELDS = ("quote", "items", "provider")
"""What ``on_select`` settles and ``init`` repeats: the seller's quote, items and provider."""


def pickup_select_order(
    provider_id: str,
    location_id: str,
    items: Sequence[tuple[str, int, tuple[str, ...]]],
    fulfillment_type: str,
    pickup_time: str | None,
) -> dict[str, Any]:
    """The ``order`` of ``select``: items (id, count, add-on ids) from one location, picked up there."""
    fulfillment: dict[str, Any] = {
        "type": fulfillment_type,
        "stops": [{"type": "start", "location": {"id": location_id}}],
    }
    if pickup_time:
        fulfillment["stops"][0]["time"] = {"timestamp": pickup_time}
    return {
        "provider": {"id": provider_id, "locations": [{"id": location_id}]},
        "items": [
            {
                "id": item_id,
                "quantity": {"selected": {"count": count}},
                "location_ids": [location_id],
                **({"add_ons": [{"id": a} for a in add_ons]} if add_ons else {}),
            }
            for item_id, count, add_ons in items
        ],
        "fulfillments": [fulfillment],
    }


def pickup_init_order(selected: dict[str, Any], quoted: dict[str, Any], name: str, phone: str) -> dict[str, Any]:
    """The ``order`` of ``init``: what ``on_select`` quoted, billed to and collected by ``name``/``phone``."""
    draft = {**selected, **{k: v for k, v in quoted.items() if k in QUOTED_FIELDS}}
    draft["billing"] = {"name": name, "phone": phone}
    draft["fulfillments"] = [
        {**f, "customer": {"person": {"name": name}, "contact": {"phone": phone}}}
        for f in quoted.get("fulfillments") or selected["fulfillments"]
    ]
    return draft


def confirm_order(draft: dict[str, Any], terms: dict[str, Any]) -> dict[str, Any]:
    """The ``order`` of ``confirm``: the ``init`` order with the terms of ``on_init`` accepted."""
    return {**draft, **terms}
