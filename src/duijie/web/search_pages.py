"""``GET /``: the diner's search, on the buyer node (the network asked now, merged with the local index).

The same search ``duijie search`` and ``GET /api/search`` run (``services.live_search``): words,
near a place (``lat,lon`` or a place the held catalogs name, e.g. "Rockville"), open now or at a
time, kind, maximum price and diet. Each result says how far, whether it is open at that time,
why it matched, and whether a seller answered just now or it comes from a held catalog.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from duijie.domain.catalog import DietTag
from duijie.domain.errors import DomainError
from duijie.domain.hours import HoursState
from duijie.l10n.catalogs import translations
from duijie.l10n.formats import Formats
from duijie.services.errors import NotFound
from duijie.services.held_listings import HeldListing
from duijie.services.named_places import NamedPlaces
from duijie.web.access import require_owner
from duijie.web.diner_views import Gettext, pick, services_of, why_text
from duijie.web.page_cache import minute
from duijie.web.purchases_shown import pool_link
from duijie.web.templating import render, request_lang

KINDS: dict[str, tuple[str, ...]] = {
    "dishes": ("item",), "rooms": ("resource",), "jobs": ("job",), "pools": ("item",), "offers": ("offer",),
}
"""The kinds a diner picks, as the index's document kinds (a pool is an item of its organizer)."""
DIETS = [d.value for d in DietTag]
"""The diet filters offered, as their values (each has its label in ``diner/labels.html``)."""
POINT = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
LIVE_WAIT = 2.0
"""Seconds the page waits for live answers (it stops early once every known seller answered)."""


@dataclass
class SearchForm:
    """The search as the visitor typed it, with an error per field that could not be read."""

    q: str = ""
    near: str = ""
    within: str = "10"
    when: str = "any"
    at: str = ""
    kind: str = ""
    max_price: str = ""
    diet: list[str] = field(default_factory=list)
    source: str = "all"
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def asked(self) -> bool:
        return bool(self.q or self.near or self.kind or self.max_price or self.diet or self.when != "any")


def read_form(request: Request) -> SearchForm:
    p = request.query_params
    return SearchForm(
        q=p.get("q", "").strip()[:200], near=p.get("near", "").strip()[:100], within=p.get("within", "10").strip(),
        when=p.get("when", "any") if p.get("when") in ("any", "now", "at") else "any", at=p.get("at", "").strip(),
        kind=p.get("kind", "") if p.get("kind") in KINDS else "", max_price=p.get("max_price", "").strip(),
        diet=[d for d in p.getlist("diet") if d in DietTag.__members__.values()],
        source="index" if p.get("source") == "index" else "all",
    )


def criteria_of(form: SearchForm, places: NamedPlaces | None, now: datetime, _: Gettext) -> dict[str, Any]:
    """The search criteria (``SearchQuery`` fields); each unreadable field gets its error in ``form``."""
    criteria: dict[str, Any] = {"text": form.q or None, "limit": 30}
    zone = places.usual_zone() if places is not None else None
    if form.near:
        point = POINT.match(form.near)
        place = None if point else (places.place(form.near) if places is not None else None)
        if point and -90 <= float(point[1]) <= 90 and -180 <= float(point[2]) <= 180:
            criteria["near"] = (float(point[1]), float(point[2]))
        elif place is not None:
            criteria["near"] = (place.lat, place.lon)
            zone = place.time_zone
        else:
            form.errors["near"] = _("No place called “%(name)s” is known here. Type a town this node knows "
                                    "(e.g. Rockville) or latitude,longitude.") % {"name": form.near}
        try:
            within = float(form.within or "10")
            if not 0.1 <= within <= 500:
                raise ValueError
            criteria["within_km"] = within
        except ValueError:
            form.errors["within"] = _("A distance from 0.1 to 500 km.")
    if form.when == "now":
        criteria["open_at"] = now
    elif form.when == "at":
        try:
            local = datetime.fromisoformat(form.at)
            criteria["open_at"] = local if local.tzinfo else local.replace(tzinfo=ZoneInfo(zone or "UTC"))
        except ValueError:
            form.errors["at"] = _("Choose a date and time.")
    if form.max_price:
        try:
            price = Decimal(form.max_price)
            if not price.is_finite() or price < 0:
                raise InvalidOperation
            criteria["max_price"] = price
        except InvalidOperation:
            form.errors["max_price"] = _("A price of 0 or more, e.g. 15.")
    if form.kind:
        criteria["kinds"] = KINDS[form.kind]
    if form.diet:
        criteria["diet"] = tuple(form.diet)
    return criteria


def _doc_part(doc_id: str, kind: str) -> str:
    """The item, room, job or offer id in a result's ``doc_id`` (``…/item/ID@LOCATION``)."""
    return doc_id.split(f"/{kind}/", 1)[1].split("@", 1)[0] if f"/{kind}/" in doc_id else ""


def _href(row: dict[str, Any]) -> str:
    pid, kind, doc = row["provider_id"], row["kind"], row["doc_id"]
    query = f"?from={row['bpp_id']}"
    if kind == "resource":
        return f"/book/{pid}/{_doc_part(doc, 'resource')}"
    if kind == "job":
        return f"/jobs/{pid}/{_doc_part(doc, 'job')}"
    if kind == "item" and _doc_part(doc, "item").startswith("pool-") and row.get("bpp_uri"):
        return pool_link(_doc_part(doc, "item"), row["bpp_uri"], pid, row["bpp_id"])
    if kind == "offer":
        return f"/offers/{_doc_part(doc, 'offer')}?{urlencode({'provider': pid, 'seller': row['bpp_id']})}"
    return f"/p/{pid}{query}" + (f"#item-{_doc_part(doc, 'item')}" if kind == "item" else "")


_STATES: dict[tuple[str, str, datetime, str, datetime], str] = {}
"""Open states by (seller, provider, catalog fetched, location, minute): hours change on whole
minutes, so a state holds for its minute; working it out costs a result a tenth of its page."""
MAX_STATES = 4096


def _state(held: HeldListing | None, location_id: str | None, at: datetime) -> str:
    if held is None or not location_id:
        return HoursState.UNKNOWN.value
    key = (held.bpp_id, held.listing.provider.id, held.fetched_at, location_id, minute(at))
    state = _STATES.get(key)
    if state is None:
        try:
            state = held.listing.open_status(location_id, key[-1]).state.value
        except DomainError:
            state = HoursState.UNKNOWN.value
        if len(_STATES) >= MAX_STATES:
            _STATES.clear()  # bounded; refilled within the minute
        _STATES[key] = state
    return state


def result_views(rows: list[dict[str, Any]], form: SearchForm, listings: dict[tuple[str, str], HeldListing | None],
                 at: datetime, lang: str, _: Gettext) -> list[dict[str, Any]]:
    """What each result card shows, in the visitor's language."""
    fmt = Formats(lang)
    views = []
    for row in rows:
        if form.kind == "pools" and not _doc_part(row["doc_id"], "item").startswith("pool-"):
            continue
        if form.kind == "dishes" and _doc_part(row["doc_id"], "item").startswith("pool-"):
            continue
        loc = row.get("location") or {}
        held = listings.get((row["bpp_id"], row["provider_id"]))
        views.append({
            "title": pick(row["title"], lang),
            "kind": row["kind"],
            "provider": pick(row.get("provider_name"), lang) or row["provider_id"],
            "provider_href": f"/p/{row['provider_id']}?from={row['bpp_id']}",
            "href": _href(row),
            "place": pick(loc.get("name"), lang) if loc else "",
            "address": loc.get("address") or "",
            # Translated here, not in the template: a gettext call with arguments costs Jinja ~15 us.
            "distance": None if row.get("distance_km") is None else
            _("%(distance)s away") % {"distance": fmt.distance(row["distance_km"])},
            "state": _state(held, loc.get("id"), at),
            "live": row.get("source") == "live",
            "age": _("indexed %(age)s ago") % {"age": fmt.age(int(row.get("age_seconds") or 0))},
            "price": None if not row.get("price") else
            fmt.money(row["price"], row["currency"]) if row.get("currency") else row["price"],
            "why": "; ".join(why_text(w, _) for w in row.get("why") or []),
            "apply": pick(row.get("how_to_apply"), lang) if isinstance(row.get("how_to_apply"), dict) else "",
        })
    return views


def loosen_hints(form: SearchForm, _: Gettext) -> list[str]:
    """What to loosen when nothing matched: the filters the visitor set, widest first."""
    hints = []
    if form.when != "any":
        hints.append(_("search at any time instead of only when open"))
    if form.near:
        hints.append(_("search a wider distance than %(km)s km, or no place") % {"km": form.within or "10"})
    if form.kind:
        hints.append(_("search every kind"))
    if form.max_price:
        hints.append(_("raise or remove the maximum price"))
    if form.diet:
        hints.append(_("remove a diet filter"))
    if form.q:
        hints.append(_("use fewer or other words (Chinese or English)"))
    if form.source == "index":
        hints.append(_("ask the network now as well"))
    return hints


async def _search(request: Request, criteria: dict[str, Any], live: bool | None) -> list[dict[str, Any]]:
    services = services_of(request)
    if services.live_search is not None:
        found = await services.live_search.search(criteria, live=live, wait=LIVE_WAIT)
        return list(found["results"])
    local = services.search
    if local is None:
        return []
    return local.search(**criteria) if local.quick else await asyncio.to_thread(lambda: local.search(**criteria))


def _listings(request: Request, rows: list[dict[str, Any]]) -> dict[tuple[str, str], HeldListing | None]:
    held = services_of(request).held
    found: dict[tuple[str, str], HeldListing | None] = {}
    for key in {(r["bpp_id"], r["provider_id"]) for r in rows}:
        try:
            found[key] = held.get(key[1], key[0]) if held is not None else None
        except NotFound:
            found[key] = None
    return found


async def search_page(request: Request) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    lang = request_lang(request)
    _ = translations(lang).gettext
    services = services_of(request)
    form = read_form(request)
    now = services.clock.now()
    places = services.places
    criteria = criteria_of(form, places, now, _)  # inline: the places are in memory but once a second
    results: list[dict[str, Any]] | None = None
    status = 200
    if form.errors:
        status = 422
    elif form.asked or "q" in request.query_params:
        try:
            rows = await _search(request, criteria, False if form.source == "index" else None)
        except ValueError as exc:  # a criterion the index refuses (already checked above: rare)
            form.errors["q"] = str(exc)
            rows, status = [], 422
        listings = _listings(request, rows)
        results = result_views(rows, form, listings, criteria.get("open_at") or now, lang, _)
    syncing = places is not None and not places.places()
    return render(request, "diner/search.html", {
        "form": form, "results": results, "hints": loosen_hints(form, _) if results == [] else [],
        "diets": DIETS, "kinds": list(KINDS), "syncing": syncing,
    }, status=status)


routes: list[BaseRoute] = [Route("/", search_page, methods=["GET"])]
