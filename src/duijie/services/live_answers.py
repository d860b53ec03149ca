"""Live ``on_search`` answers as search documents and result rows, shaped like the local index's.

A seller's answer is a Beckn catalog (``message.catalog.providers``). Each provider becomes the
same flat documents the local index makes from a merchant-signed listing — the provider at each
location and each item at each location it is offered — with the same ``doc_id`` spelling
(``bpp_id|provider/item/ID@LOCATION``, an offer's ``…/offer/ID@LOCATION``), so a live answer and
an indexed catalog of the same thing are recognisably one result. Malformed parts of an answer
(it is the sender's text) are skipped, and each answer is capped, so one seller cannot flood the
merge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from duijie.protocol.receipts import KeySource
from duijie.services.buyer_ports import StoredCallback
from duijie.services.index import index_key
from duijie.services.trade.jobs.views import is_job_item, item_view
from duijie.services.trade.offer.live_view import is_offer_item, live_offer_view

log = logging.getLogger("duijie.live_search")

MAX_PROVIDERS = 50
"""Providers read from one answer."""
MAX_ITEMS = 500
"""Items read from one provider of an answer."""

DocFactory = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class LiveAnswer:
    """One provider as a seller just described it in its ``on_search``."""

    bpp_id: str
    bpp_uri: str | None
    provider: dict[str, Any]

    @property
    def provider_id(self) -> str:
        return str(self.provider["id"])

    @property
    def key(self) -> str:
        return index_key(self.bpp_id, self.provider_id)

    def location(self, location_id: str | None) -> dict[str, Any] | None:
        for loc in _dicts(self.provider.get("locations")):
            if loc.get("id") == location_id:
                return loc
        return None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def split_name(text: str | None) -> tuple[str | None, str | None]:
    """A Beckn descriptor name written as ``"中文 / English"`` back into (zh, en)."""
    if not text:
        return None, None
    first, sep, rest = text.partition(" / ")
    if any("\u3400" <= ch <= "\u9fff" for ch in first):
        return first, (rest or None) if sep else None
    return None, text


def answers_of(callbacks: Iterable[StoredCallback]) -> list[LiveAnswer]:
    """Every provider in the catalogs of these ``on_search`` callbacks (errors and junk skipped)."""
    out: list[LiveAnswer] = []
    for cb in callbacks:
        doc = cb.document
        catalog = _obj(doc.get("message")).get("catalog")
        if not cb.bpp_id or doc.get("error") or not isinstance(catalog, dict):
            continue
        bpp_uri = _text(_obj(doc.get("context")).get("bpp_uri"))
        for provider in _dicts(catalog.get("providers"))[:MAX_PROVIDERS]:
            if _text(provider.get("id")):
                out.append(LiveAnswer(cb.bpp_id, bpp_uri, provider))
    return out


def _gps(loc: dict[str, Any] | None) -> dict[str, float]:
    try:
        lat, lon = (float(x) for x in str(_obj(loc).get("gps")).split(","))
    except ValueError:
        return {}
    return {"lat": lat, "lon": lon} if -90 <= lat <= 90 and -180 <= lon <= 180 else {}


def _tag_values(tags: Any, code: str) -> dict[str, str]:
    for group in _dicts(tags):
        if _obj(group.get("descriptor")).get("code") == code:
            return {
                str(_obj(entry.get("descriptor")).get("code")): str(entry.get("value"))
                for entry in _dicts(group.get("list"))
                if entry.get("value") is not None
            }
    return {}


def _hours(answer: LiveAnswer, location_id: str | None) -> dict[str, Any]:
    """``opening_hours`` tag values are ``"EXPR (Time/Zone)"`` per location id."""
    value = _tag_values(answer.provider.get("tags"), "opening_hours").get(str(location_id))
    if not value or not value.endswith(")") or " (" not in value:
        return {}
    expr, tz = value[:-1].rsplit(" (", 1)
    return {"hours": expr, "timezone": tz}


def _price(item: dict[str, Any]) -> dict[str, Any]:
    price = _obj(item.get("price"))
    try:
        amount = Decimal(str(price["value"]))
    except (KeyError, InvalidOperation):
        return {}
    return {"price": amount, "currency": _text(price.get("currency"))} if amount.is_finite() else {}


def answer_documents(answer: LiveAnswer, make: DocFactory, now: datetime) -> list[Any]:
    """The search documents of one live provider, keyed like the local index's."""
    p = answer.provider
    descriptor = _obj(p.get("descriptor"))
    p_name = _text(descriptor.get("name")) or answer.provider_id
    zh, en = split_name(p_name)
    common = {"provider_id": answer.key, "node_url": answer.bpp_uri, "subscriber_id": answer.bpp_id,
              "fetched_at": now}
    locations = {str(loc["id"]): loc for loc in _dicts(p.get("locations")) if _text(loc.get("id"))}
    docs: list[Any] = []
    for loc_id, loc in (locations.items() if locations else [(None, None)]):
        suffix = f"@{loc_id}" if loc_id else ""
        loc_name = _text(_obj(_obj(loc).get("descriptor")).get("name"))
        docs.append(make(doc_id=f"{answer.key}/provider{suffix}", kind="provider", title_zh=zh, title_en=en,
                         body=" ".join(t for t in (_text(descriptor.get("long_desc")), loc_name) if t),
                         location_ids=(loc_id,) if loc_id else (), **_gps(loc), **_hours(answer, loc_id),
                         **common))
    sections = {str(c.get("id")): _text(_obj(c.get("descriptor")).get("name")) for c in _dicts(p.get("categories"))}
    for item in _dicts(p.get("items"))[:MAX_ITEMS]:
        try:
            docs += _item_documents(answer, item, locations, sections, p_name, make, common)
        except (TypeError, ValueError) as exc:
            log.info("skipped item %r of %s's live answer: %s", item.get("id"), answer.bpp_id, exc)
    return docs


def _item_documents(answer: LiveAnswer, item: dict[str, Any], locations: dict[str, dict[str, Any]],
                    sections: dict[str, str | None], p_name: str, make: DocFactory,
                    common: dict[str, Any]) -> list[Any]:
    item_id = _text(item.get("id"))
    if item_id is None:
        return []
    descriptor = _obj(item.get("descriptor"))
    zh, en = split_name(_text(descriptor.get("name")) or item_id)
    categories = [str(c) for c in item.get("category_ids") or [] if isinstance(c, str)]
    facts = _tag_values(item.get("tags"), "facts")
    diet = tuple(d for d in facts.get("diet", "").split(",") if d)
    body = " ".join(t for t in (_text(descriptor.get("short_desc")),
                                *(sections.get(c) for c in categories[:1]), p_name) if t)
    wanted = [x for x in item.get("location_ids") or [] if x in locations] or list(locations) or [None]
    kind = "offer" if is_offer_item(item) else "item"  # keyed like the local index's offer documents
    docs = []
    for loc_id in wanted:
        place = {**_gps(locations.get(loc_id or "")), **_hours(answer, loc_id)}
        if facts.get("available_hours"):
            place["hours"] = facts["available_hours"]
        suffix = f"@{loc_id}" if loc_id else ""
        docs.append(make(doc_id=f"{answer.key}/{kind}/{item_id}{suffix}", kind="job" if is_job_item(item) else kind,
                         title_zh=zh, title_en=en,
                         body=body, category=categories[1] if len(categories) > 1 else None, diet=diet,
                         location_ids=(loc_id,) if loc_id else (), **_price(item), **place, **common))
    return docs


def describe_live(hit: Any, answer: LiveAnswer, now: datetime, sources: Sequence[KeySource] = ()) -> dict[str, Any]:
    """A result row for a hit on a live document, in the local index's row shape, ``source: live``;
    an offer's provenance is judged with ``sources`` (the keys this node trusts)."""
    tail = hit.doc_id.rsplit("/", 1)[-1]
    loc = answer.location(tail.rsplit("@", 1)[1]) if "@" in tail else None
    descriptor = _obj(answer.provider.get("descriptor"))
    zh, en = split_name(_text(descriptor.get("name")) or answer.provider_id)
    loc_zh, loc_en = split_name(_text(_obj(_obj(loc).get("descriptor")).get("name")))
    row: dict[str, Any] = {
        "provider_id": answer.provider_id,
        "provider_name": {"zh": zh, "en": en},
        "bpp_id": answer.bpp_id,
        "bpp_uri": answer.bpp_uri,
        "kind": hit.kind,
        "doc_id": hit.doc_id,
        "title": hit.title,
        "score": round(float(hit.score), 4),
        "why": [f"answered live by {answer.bpp_id}", *hit.why],
        "price": None if hit.price is None else str(hit.price),
        "currency": hit.currency,
        "distance_km": None if hit.distance_km is None else round(hit.distance_km, 2),
        "location": None if loc is None else {
            "id": loc.get("id"), "name": {"zh": loc_zh, "en": loc_en}, "address": _text(loc.get("address")),
        },
        "source": "live",
        "fetched_at": now.isoformat(),
        "age_seconds": 0,
    }
    if hit.kind in ("job", "offer"):
        item_id = tail.split("@", 1)[0]
        item = next((i for i in _dicts(answer.provider.get("items")) if i.get("id") == item_id), None)
        if item is not None and hit.kind == "job":  # how to apply, with the ad's phone numbers
            row.update(item_view(item))
        elif item is not None:  # unit, minimum batch, tiers, provenance (verified here, not taken on trust)
            row.update(live_offer_view(item, answer.bpp_id, sources))
    return row
