"""The merchant's reservations, ``/merchant/bookings?day=YYYY-MM-DD``: a day calendar per room.

Columns are the rooms of a location, rows its half hours in local time; a booking or a block
spans the rows it covers. A request waiting for approval carries approve and decline buttons, a
confirmed booking that has begun no-show and completed; a block can be removed, and a form blocks
a room for a period. The calendar is one fragment (``/merchant/bookings/live``) that refreshes
itself (``data-live``). Every button is a POST form with the CSRF token, answered 303 back to the
day (post/redirect/get) or with the error beside the form. Use cases: ``services.reservations.desk``
(as ``api/booking_routes.py`` calls them).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from duijie.domain.hours import zone
from duijie.domain.listing import Listing
from duijie.services.errors import Conflict, NotFound, ServiceError
from duijie.services.trade.reservation.merchant import BookingDesk, with_approval
from duijie.web import csrf
from duijie.web.access import require_merchant
from duijie.web.booking_pages import not_found
from duijie.web.booking_status import state_labels
from duijie.web.templating import gettext_for, render

STEP = timedelta(minutes=30)
DAY_FROM, DAY_TO = time(10), time(23, 30)
"""The rows always shown (local time); a booking or block outside them widens the day."""
SHOWN = ("HELD", "PENDING_APPROVAL", "CONFIRMED", "COMPLETED", "NO_SHOW")
"""States drawn in the grid (a declined or cancelled booking keeps no slot: it is listed below)."""
ACTIONS = {"accept": BookingDesk.accept, "no-show": BookingDesk.no_show, "complete": BookingDesk.complete}


def _local(raw: str, tz: str) -> datetime:
    return datetime.fromisoformat(raw).astimezone(zone(tz))


def _listings(request: Request) -> list[Listing]:
    catalog = request.app.state.services.catalog
    return [x for x in (catalog.listing(p.provider_id).listing for p in catalog.providers()) if x.resources]


def _columns(listing: Listing, resources: list[dict[str, Any]], tz: str, now: datetime) -> list[dict[str, Any]]:
    """Each room of a location with its events (bookings and blocks) in local time."""
    columns: list[dict[str, Any]] = []
    for r in resources:
        events: list[dict[str, Any]] = []
        for b in r["bookings"]:
            start, end = _local(b["slot"]["start"], tz), _local(b["slot"]["end"], tz)
            events.append({"kind": "booking", "b": b, "start": start, "end": end, "shown": b["state"] in SHOWN,
                           "begun": datetime.fromisoformat(b["slot"]["start"]) <= now})
        for k in r["blocks"]:
            events.append({"kind": "block", "b": k, "start": _local(k["start"], tz), "end": _local(k["end"], tz),
                           "shown": True, "begun": False})
        columns.append({"room": r, "resource": listing.resource(r["id"]),
                        "events": sorted(events, key=lambda e: e["start"])})
    return columns


def _grid(columns: list[dict[str, Any]], day: date, tz: str) -> list[dict[str, Any]]:
    """The rows of the day: each a local time and, per room, an event starting there (with how many
    rows it spans), ``None`` under a running event, or an empty cell."""
    z = zone(tz)
    first, last = datetime.combine(day, DAY_FROM, tzinfo=z), datetime.combine(day, DAY_TO, tzinfo=z)
    midnight, next_midnight = datetime.combine(day, time(0), tzinfo=z), datetime.combine(day, time(0), tzinfo=z) \
        + timedelta(days=1)
    for c in columns:
        for e in c["events"]:
            if e["shown"]:
                first = min(first, max(e["start"], midnight))
                last = max(last, min(e["end"], next_midnight) - STEP)
    first = first.replace(minute=first.minute - first.minute % 30)
    rows, at = [], first
    covered: list[datetime | None] = [None] * len(columns)  # the end of the event drawn in each column
    while at <= last:
        cells: list[Any] = []
        for i, c in enumerate(columns):
            running = covered[i]
            if running is not None and running > at:
                cells.append(None)
                continue
            event = next((e for e in c["events"] if e["shown"] and e["start"] < at + STEP and e["end"] > at), None)
            if event is None:
                cells.append({"event": None, "span": 1})
                continue
            end = min(event["end"], last + STEP)
            span = max(1, -(-int((end - at).total_seconds()) // int(STEP.total_seconds())))
            covered[i] = at + STEP * span
            cells.append({"event": event, "span": span})
        rows.append({"at": at, "cells": cells})
        at += STEP
    return rows


async def _context(request: Request, provider_id: str | None, raw_day: str | None) -> dict[str, Any] | Response:
    _ = gettext_for(request)
    services = request.app.state.services
    listings = _listings(request) if services.reservations is not None else []
    if not listings:
        return not_found(request, _("This node has no rooms to book."))
    listing = next((x for x in listings if x.id == provider_id), listings[0])
    errors: dict[str, str] = {}
    try:
        view = await services.reservations.desk.day(listing.id, raw_day)
    except ServiceError:
        errors["day"] = _("Choose a day (year-month-day).")
        view = await services.reservations.desk.day(listing.id, None)
    day = date.fromisoformat(view["date"])
    now: datetime = services.clock.now()
    pending = [{"b": b, "start": datetime.fromisoformat(b["local"]["start"]),
                "end": datetime.fromisoformat(b["local"]["end"]), "room": listing.resource(b["resource_id"])}
               for b in await services.reservations.desk.list_bookings("PENDING_APPROVAL", listing.id) if "local" in b]
    locations = []
    for loc in view["locations"]:
        columns = _columns(listing, loc["resources"], loc["time_zone"], now)
        others = [e for c in columns for e in c["events"] if not e["shown"]]
        locations.append({"location": listing.location(loc["id"]), "tz": loc["time_zone"], "columns": columns,
                          "rows": _grid(columns, day, loc["time_zone"]), "others": others})
    return {"listing": listing, "listings": listings, "day": day, "locations": locations, "errors": errors,
            "states": state_labels(_), "query": urlencode({"day": day.isoformat(), "provider": listing.id}),
            "prev": (day - timedelta(days=1)).isoformat(), "next": (day + timedelta(days=1)).isoformat(),
            "merchant_section": "bookings", "error": None, "block_errors": {}, "block_values": {},
            "pending": sorted(pending, key=lambda p: p["start"])}


async def bookings_page(request: Request, *, extra: dict[str, Any] | None = None, status: int = 200,
                        provider_id: str | None = None, raw_day: str | None = None) -> Response:
    """``/merchant/bookings``: the day's calendar per room, the block form, and day navigation."""
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    live = request.url.path.endswith("/live")
    q = request.query_params
    context = await _context(request, provider_id or q.get("provider"), raw_day or q.get("day"))
    if isinstance(context, Response):
        return context
    context.update(extra or {}, user=user)
    return render(request, "booking/merchant_live.html" if live else "booking/merchant_day.html", context,
                  status=status)


def _back(form: Any) -> str:
    query = {k: str(form.get(k)) for k in ("day", "provider") if form.get(k)}
    return "/merchant/bookings" + (f"?{urlencode(query)}" if query else "")


async def act(request: Request) -> Response:
    """``POST /merchant/bookings/{booking_id}/{action}``: approve, decline, no-show or complete."""
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    form = await csrf.checked_form(request)
    _ = gettext_for(request)
    desk: BookingDesk | None = getattr(request.app.state.services.reservations, "desk", None)
    action, booking_id = request.path_params["action"], request.path_params["booking_id"]
    if desk is None or (action != "decline" and action not in ACTIONS):
        return not_found(request, _("No such booking."))
    try:
        if action == "decline":
            await desk.decline(booking_id, str(form.get("reason") or "").strip()[:500] or None)
        else:
            await ACTIONS[action](desk, booking_id)
    except NotFound:
        return not_found(request, _("No such booking."))
    except Conflict:
        return await bookings_page(request, extra={"error": _("That booking cannot take this step now "
                                                              "(another step came first); the calendar is up to "
                                                              "date.")}, status=409,
                                   provider_id=str(form.get("provider") or ""), raw_day=str(form.get("day") or ""))
    return RedirectResponse(_back(form), status_code=303)


async def decline_page(request: Request) -> Response:
    """``GET /merchant/bookings/{booking_id}/decline``: the request, and the reason to give the guest.

    A page of its own, not a form inside the calendar: the calendar refreshes itself and would
    take a half-typed reason away.
    """
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    _ = gettext_for(request)
    reservations = request.app.state.services.reservations
    try:
        if reservations is None:
            raise NotFound("no reservations")
        booking = await reservations.desk.get(request.path_params["booking_id"])
    except NotFound:
        return not_found(request, _("No such booking."))
    listing = request.app.state.services.catalog.listing(booking["provider_id"]).listing
    tz = booking.get("local", {}).get("time_zone", "UTC")
    slot = booking["slot"]
    room = listing.resource(booking["resource_id"])
    place = listing.provider.location(room.location_id)
    return render(request, "booking/merchant_decline.html", {
        "b": booking, "room": room, "tz": tz, "user": user,
        "region": place.address.country if place is not None else None,  # the guest's phone, as dialled there
        "start": datetime.fromisoformat(slot["start"]), "end": datetime.fromisoformat(slot["end"]),
        "day": request.query_params.get("day", ""), "provider": booking["provider_id"],
        "merchant_section": "bookings", "states": state_labels(_)})


async def block(request: Request) -> Response:
    """``POST /merchant/bookings/block``: take a room out of booking from one local time to another."""
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    form = await csrf.checked_form(request)
    _ = gettext_for(request)
    values = {k: str(form.get(k) or "").strip() for k in ("room", "day", "start", "end", "reason", "provider")}
    listing = next((x for x in _listings(request) if x.id == values["provider"]), None)
    room = next((r for r in listing.resources if r.id == values["room"]), None) if listing else None
    errors: dict[str, str] = {}
    if listing is None or room is None:
        errors["room"] = _("Choose a room.")
    moments: dict[str, datetime] = {}
    for name in ("start", "end"):
        try:
            day = date.fromisoformat(values["day"])
            moments[name] = datetime.combine(day, time.fromisoformat(values[name]),
                                             tzinfo=zone(listing.location(room.location_id).time_zone
                                                         if listing and room else "UTC"))
        except ValueError:
            errors[name] = _("Choose a time.")
    if not errors and moments["end"] <= moments["start"]:
        errors["end"] = _("The end must come after the start.")
    if not errors and listing and room:
        try:
            await request.app.state.services.reservations.desk.block(
                listing.id, room.id, moments["start"], moments["end"], values["reason"] or None)
        except Conflict:
            errors["start"] = _("The room has bookings in that period: decline or move them first.")
        except ServiceError:
            errors["end"] = _("A block lasts at most a year.")
    if errors:
        return await bookings_page(request, extra={"block_errors": errors, "block_values": values}, status=400,
                                   provider_id=values["provider"], raw_day=values["day"])
    return RedirectResponse(_back(form), status_code=303)


async def approval(request: Request) -> Response:
    """``POST /merchant/bookings/approval``: a room confirms requests at once, or waits for the merchant."""
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    form = await csrf.checked_form(request)
    _ = gettext_for(request)
    catalog = request.app.state.services.catalog
    provider_id = str(form.get("provider") or "")
    try:
        listing = catalog.listing(provider_id).listing
        catalog.save_listing(with_approval(listing, str(form.get("room") or ""), str(form.get("approval") or "")))
    except ServiceError:
        return await bookings_page(request, extra={"error": _("Choose a room and how it confirms requests.")},
                                   status=400, provider_id=provider_id, raw_day=str(form.get("day") or ""))
    return RedirectResponse(_back(form), status_code=303)


async def unblock(request: Request) -> Response:
    """``POST /merchant/bookings/blocks/{block_id}/remove``: the period is bookable again."""
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    form = await csrf.checked_form(request)
    reservations = request.app.state.services.reservations
    try:
        if reservations is None:
            raise NotFound("no reservations")
        await reservations.desk.unblock(request.path_params["block_id"])
    except NotFound:
        return not_found(request, gettext_for(request)("No such block."))
    return RedirectResponse(_back(form), status_code=303)


routes: list[BaseRoute] = [
    Route("/merchant/bookings", bookings_page, methods=["GET"]),
    Route("/merchant/bookings/live", bookings_page, methods=["GET"]),
    Route("/merchant/bookings/block", block, methods=["POST"]),
    Route("/merchant/bookings/approval", approval, methods=["POST"]),
    Route("/merchant/bookings/blocks/{block_id}/remove", unblock, methods=["POST"]),
    Route("/merchant/bookings/{booking_id}/decline", decline_page, methods=["GET"]),
    Route("/merchant/bookings/{booking_id}/{action}", act, methods=["POST"]),
]
