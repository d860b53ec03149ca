"""``GET /p/{provider_id}``: a provider as the buyer node holds its merchant-signed catalog.

Names in both languages, each location with its address, hours in the location's zone and an
open-now badge, phones as ``tel:`` links, amenities, the menu by section (add-on choices and diet
tags shown before ordering, a required choice marked), rooms with capacity and deposit, job
postings, producer offers, and the listing's schema.org JSON-LD embedded. ``?from=SUBSCRIBER``
picks the node when two hold the same provider id (search results link with it).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import orjson
from babel.dates import get_day_names
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from duijie.domain.errors import DomainError
from duijie.domain.hours import SCHEMA_DAYS, HoursState, zone
from duijie.domain.listing import Listing
from duijie.domain.provider import Location
from duijie.interchange.jsonld import listing_to_jsonld
from duijie.l10n.catalogs import babel_locale
from duijie.l10n.formats import Formats
from duijie.services.held_listings import HeldListing
from duijie.web.access import require_owner
from duijie.web.diner_views import held_listing, services_of
from duijie.web.page_cache import PageCache, minute, render_cached
from duijie.web.templating import gettext_for, render, request_lang

_DAY_INDEX = {name: i for i, name in enumerate(SCHEMA_DAYS.values())}
PAGES = PageCache()
"""Provider pages as rendered (see :mod:`duijie.web.page_cache`): a view renders only after a change."""


def hours_rows(loc: Location, lang: str) -> list[tuple[str, str]]:
    """The location's hours as (days, "11:00–22:00") rows in the visitor's language, or the OSM
    text as one row when it says more than weekly times."""
    hours = loc.hours
    if hours is None:
        return []
    rows = hours.to_schema_org()
    if rows is None:
        return [("", hours.expression)]
    names = get_day_names("abbreviated", locale=babel_locale(lang))
    sep = "、" if lang == "zh" else ", "
    return [(sep.join(names[_DAY_INDEX[d]] for d in row.days), f"{row.opens}–{row.closes}") for row in rows]


def location_view(listing: Listing, loc: Location, now: datetime, lang: str) -> dict[str, Any]:
    """A location card: address, hours, whether it is open now and until when."""
    fmt = Formats(lang)
    try:
        status = listing.open_status(loc.id, now)
        state, change = status.state.value, status.next_change
    except DomainError:
        state, change = HoursState.UNKNOWN.value, None
    try:
        local = zone(loc.time_zone)
        same_day = change is not None and change.astimezone(local).date() == now.astimezone(local).date()
    except DomainError:
        same_day = False
    a = loc.address
    return {
        "loc": loc,
        "state": state,
        "change": None if change is None else (fmt.time(change, loc.time_zone) if same_day
                                               else fmt.datetime(change, loc.time_zone, "short")),
        "address": ", ".join(x for x in (a.street, a.locality, a.region, a.postal_code, a.country) if x),
        "hours": hours_rows(loc, lang),
    }


def jsonld_script(held: HeldListing) -> Markup:
    """The JSON-LD as text safe inside ``<script>`` (no ``</script>`` can end it early)."""
    text = orjson.dumps(listing_to_jsonld(held.listing)).decode()
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def menu_sections(listing: Listing) -> list[tuple[Any, tuple[Any, ...]]]:
    """(section, items) in the merchant's order; items of an unknown section last, under None."""
    known = {s.id for s in listing.catalog.sections}
    out: list[tuple[Any, tuple[Any, ...]]] = [(s, listing.catalog.items_in(s.id)) for s in listing.catalog.sections]
    loose = tuple(i for i in listing.catalog.items if i.section_id not in known)
    return [(s, items) for s, items in out if items] + ([(None, loose)] if loose else [])


async def provider_context(request: Request, held: HeldListing) -> dict[str, Any]:
    """Everything the provider page shows (the cart form's errors are added by the cart)."""
    lang = request_lang(request)
    now = services_of(request).clock.now()
    listing = held.listing
    return {
        "held": held,
        "p": listing.provider,
        "listing": listing,
        "from_id": held.bpp_id,
        "locations": [location_view(listing, loc, now, lang) for loc in listing.provider.locations],
        "sections": menu_sections(listing),
        "jsonld": await asyncio.to_thread(jsonld_script, held),
        "item_errors": {},
        "added": request.query_params.get("added", ""),
    }


async def not_held(request: Request, provider_id: str) -> Response:
    _ = gettext_for(request)
    return render(request, "error.html", {
        "title": _("Not known here"),
        "message": _("This node holds no catalog of “%(id)s” (yet). Search for it: once the node has "
                     "learned the merchant, it appears.") % {"id": provider_id},
    }, status=404)


async def provider_page(request: Request) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    provider_id = request.path_params["provider_id"]
    held = await held_listing(request, provider_id, request.query_params.get("from"))
    if held is None:
        return await not_held(request, provider_id)
    now = services_of(request).clock.now()
    key = (held.bpp_id, held.listing.provider.id, held.fetched_at, minute(now))
    return await render_cached(request, PAGES, "diner/provider.html", key, lambda: provider_context(request, held))


routes: list[BaseRoute] = [Route("/p/{provider_id}", provider_page, methods=["GET"])]
