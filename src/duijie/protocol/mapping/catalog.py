"""Listing → Beckn Provider/Items/Locations/Fulfillments, and a search intent → SearchCriteria."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from duijie.domain.cart import add_on_id
from duijie.domain.catalog import Item
from duijie.domain.listing import Listing
from duijie.domain.money import Money
from duijie.domain.orders import PaymentTerms
from duijie.domain.provider import Location
from duijie.domain.text import LocalText
from duijie.protocol.mapping.codes import PICKUP

# ---- outbound: catalog ------------------------------------------------------------------------


def descriptor(text: LocalText, **extra: str) -> dict[str, Any]:
    """A Descriptor whose name carries both languages ("肉夹馍 / Roujiamo")."""
    return {"name": text.both(), **extra}


def price(money: Money) -> dict[str, str]:
    """A Price with the amount as a DecimalValue string."""
    return {"currency": money.currency, "value": money.to_wire()}


def pickup_fulfillment_id(location_id: str) -> str:
    return f"pickup-{location_id}"


def location_to_beckn(loc: Location) -> dict[str, Any]:
    """A Beckn Location: id, name, one-line address, city/state/country, gps ``"lat, lon"``."""
    a = loc.address
    line = ", ".join(
        p for p in (a.street, a.locality, " ".join(x for x in (a.region, a.postal_code) if x), a.country) if p
    )
    out: dict[str, Any] = {
        "id": loc.id,
        "descriptor": descriptor(loc.name),
        "address": line,
        "city": {"name": a.locality},
        "country": {"code": a.country},
    }
    if a.region:
        out["state"] = {"code": a.region}
    if a.postal_code:
        out["area_code"] = a.postal_code
    if loc.geo is not None:
        out["gps"] = f"{loc.geo.lat}, {loc.geo.lon}"
    return out


def _tag_group(code: str, values: dict[str, str]) -> dict[str, Any]:
    return {"descriptor": {"code": code}, "list": [{"descriptor": {"code": k}, "value": v} for k, v in values.items()]}


def item_to_beckn(item: Item, listing: Listing) -> dict[str, Any]:
    """A catalog item with price, add-ons, categories, locations and stock."""
    locations = [loc.id for loc in listing.provider.locations]
    out: dict[str, Any] = {
        "id": item.id,
        "descriptor": descriptor(item.name, **({"short_desc": item.description.both()} if item.description else {})),
        "price": price(item.price),
        "category_ids": [item.section_id, *([item.category] if item.category else [])],
        "location_ids": locations,
        "fulfillment_ids": [pickup_fulfillment_id(x) for x in locations],
    }
    if item.stock is not None:
        out["quantity"] = {"available": {"count": item.stock}}
    add_ons = [
        {"id": add_on_id(g, o), "descriptor": descriptor(o.name), "price": price(o.price)}
        for g in item.option_groups
        for o in g.options
    ]
    if add_ons:
        out["add_ons"] = add_ons
    tags = [
        _tag_group(
            f"add_on_group:{g.id}", {"name": g.name.both(), "min": str(g.min_choices), "max": str(g.max_choices)}
        )
        for g in item.option_groups
    ]
    facts = {
        k: v
        for k, v in (
            ("diet", ",".join(d.value for d in item.diet)),
            ("spice", str(int(item.spice)) if item.spice is not None else ""),
            ("available_hours", item.available_hours or ""),
        )
        if v
    }
    if facts:
        tags.append(_tag_group("facts", facts))
    if tags:
        out["tags"] = tags
    return out


def provider_to_beckn(listing: Listing, items: tuple[Item, ...] | None = None) -> dict[str, Any]:
    """A Beckn Provider for ``listing`` (only ``items`` when given, e.g. the ones a search matched)."""
    p = listing.provider
    chosen = listing.catalog.items if items is None else items
    categories = [{"id": s.id, "descriptor": descriptor(s.name)} for s in listing.catalog.sections]
    known = {c["id"] for c in categories}
    for cat in dict.fromkeys(i.category for i in listing.catalog.items if i.category):
        if cat not in known:
            categories.append({"id": cat, "descriptor": {"name": cat, "code": cat}})
    fulfillments = []
    for loc in p.locations:
        f: dict[str, Any] = {
            "id": pickup_fulfillment_id(loc.id),
            "type": PICKUP,
            "stops": [{"location": {"id": loc.id}}],
        }
        if loc.phones:
            f["contact"] = {"phone": loc.phones[0]}
        fulfillments.append(f)
    out: dict[str, Any] = {
        "id": p.id,
        "descriptor": descriptor(p.name, **({"long_desc": p.description.both()} if p.description else {})),
        "categories": categories,
        "locations": [location_to_beckn(loc) for loc in p.locations],
        "fulfillments": fulfillments,
        "payments": [{"id": "pay-at-pickup", "type": PaymentTerms.ON_FULFILLMENT.value, "collected_by": "BPP"}],
        "items": [item_to_beckn(i, listing) for i in chosen],
        "rateable": True,
    }
    hours = {loc.id: loc.opening_hours for loc in p.locations if loc.opening_hours}
    if hours:
        out["tags"] = [
            _tag_group(
                "opening_hours",
                {
                    k: f"{v} ({p.location(k).time_zone})"  # type: ignore[union-attr]
                    for k, v in hours.items()
                },
            )
        ]
    return out


def provider_in(providers: list[dict[str, Any]], listing: Listing) -> dict[str, Any]:
    """The mapped provider of ``listing`` in ``providers`` (a search answer being built), added
    without items when the listing is not in it yet."""
    found = next((p for p in providers if p.get("id") == listing.id), None)
    if found is None:
        found = provider_to_beckn(listing, ())
        providers.append(found)
    return found


def catalog_to_beckn(providers: list[dict[str, Any]], node_name: str) -> dict[str, Any]:
    """The ``on_search`` catalog of already mapped providers."""
    return {"descriptor": {"name": node_name}, "providers": providers}


# ---- inbound: search intent and the order of select/init/confirm/update -------------------------


@dataclass(frozen=True, slots=True)
class SearchCriteria:
    """What a search intent asks for; every field optional (none = everything)."""

    text: str | None = None
    item_text: str | None = None
    category: str | None = None
    provider_id: str | None = None
    provider_text: str | None = None
    gps: tuple[float, float] | None = None
    radius_km: float | None = None


def _get(doc: Any, *path: str | int) -> Any:
    for key in path:
        if isinstance(key, int):
            doc = doc[key] if isinstance(doc, list) and len(doc) > key else None
        else:
            doc = doc.get(key) if isinstance(doc, dict) else None
        if doc is None:
            return None
    return doc


def _text(doc: Any, *path: str | int) -> str | None:
    # A sender may put anything where a Beckn descriptor has text; only text is read.
    value = _get(doc, *path)
    return value if isinstance(value, str) else None


def _gps(text: Any) -> tuple[float, float] | None:
    try:
        lat, lon = (float(x) for x in str(text).split(","))
    except ValueError:
        return None
    return (lat, lon) if math.isfinite(lat) and math.isfinite(lon) else None


def search_criteria(intent: dict[str, Any] | None) -> SearchCriteria:
    """Read a search ``intent``: descriptor text, item, category, provider, location/gps.

    Whatever does not have the shape Beckn gives it (a list where text belongs) is left out.
    """
    intent = intent if isinstance(intent, dict) else {}
    stop_loc = _get(intent, "fulfillment", "stops", 0, "location")
    stop_loc = stop_loc if isinstance(stop_loc, dict) else {}
    gps = _gps(stop_loc.get("gps") or _get(stop_loc, "circle", "gps")) if stop_loc else None
    radius = _get(stop_loc, "circle", "radius", "value")
    return SearchCriteria(
        text=_text(intent, "descriptor", "name"),
        item_text=_text(intent, "item", "descriptor", "name"),
        category=_text(intent, "category", "id")
        or _text(intent, "category", "descriptor", "code")
        or _text(intent, "category", "descriptor", "name"),
        provider_id=_text(intent, "provider", "id"),
        provider_text=_text(intent, "provider", "descriptor", "name"),
        gps=gps,
        radius_km=float(radius) if isinstance(radius, str) and radius.replace(".", "", 1).isdigit() else None,
    )
