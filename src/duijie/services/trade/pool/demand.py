"""The producer's view: live pooled demand for each of its offers, across organizers.

Chosen design (docs/POOLS.md): the producer *reads* the pools. Every organizer lists its open
pools in its signed ``on_search`` catalog with their progress as tags (``duijie.pool``:
producer_id, offer_id, pledged, buyers, deadline...), so the producer's node asks the organizers
(or gateways) it knows with one search for the category ``pool`` and sums what names it as
producer. Nothing has to be pushed to the producer, an organizer it never heard of is found
through a gateway, and a figure is never older than the search.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any


def _tags(item: dict[str, Any], code: str) -> dict[str, str]:
    for group in item.get("tags") or []:
        if isinstance(group, dict) and (group.get("descriptor") or {}).get("code") == code:
            return {str((e.get("descriptor") or {}).get("code")): str(e.get("value"))
                    for e in group.get("list") or [] if isinstance(e, dict)}
    return {}


def _decimal(text: str | None) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        return Decimal(0)


def pooled_demand(catalogs: Iterable[dict[str, Any]], producer_id: str) -> list[dict[str, Any]]:
    """Per offer of ``producer_id``: the pools (organizer, pledged, buyers, state, deadline, price
    reached) and their total pledged, from on_search answers (``{"bpp_id", "catalog"}`` each)."""
    offers: dict[str, dict[str, Any]] = {}
    seen: set[tuple[str, str]] = set()
    for answer in catalogs:
        catalog = answer.get("catalog") or {}
        for provider in catalog.get("providers") or []:
            for item in provider.get("items") or []:
                if not isinstance(item, dict):
                    continue
                pool = _tags(item, "duijie.pool")
                if pool.get("producer_id") != producer_id or pool.get("state") != "OPEN":
                    continue
                key = (str(answer.get("bpp_id")), str(item.get("id")))
                if key in seen:  # one pool answered twice (directly and through a gateway)
                    continue
                seen.add(key)
                entry = offers.setdefault(pool.get("offer_id", "?"), {
                    "offer_id": pool.get("offer_id", "?"), "unit": pool.get("unit"), "pledged": Decimal(0),
                    "buyers": 0, "pools": []})
                entry["pledged"] += _decimal(pool.get("pledged"))
                entry["buyers"] += int(_decimal(pool.get("buyers")))
                entry["pools"].append({
                    "pool_id": item.get("id"), "organizer_id": pool.get("organizer_id") or answer.get("bpp_id"),
                    "organizer_uri": answer.get("bpp_uri"), "pledged": pool.get("pledged"),
                    "buyers": pool.get("buyers"), "minimum_batch": pool.get("minimum_batch"),
                    "to_minimum": pool.get("to_minimum"), "deadline": pool.get("deadline"),
                    "unit_price": (item.get("price") or {}).get("value"),
                    "currency": (item.get("price") or {}).get("currency"),
                })
    out = []
    for entry in sorted(offers.values(), key=lambda e: e["offer_id"]):
        out.append({**entry, "pledged": format(entry["pledged"], "f")})
    return out
