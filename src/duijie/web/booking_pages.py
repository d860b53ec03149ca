"""The diner books a room at another node: party and day → free slots → book, or join the waitlist.

``/book/{provider_id}`` lists the provider's rooms with their free slots for a party on a day;
``/book/{provider_id}/{room_id}`` shows one room's terms and deposit before booking, its free
slots (asked of the seller: :class:`~duijie.services.trade.reservation.guest.RoomAvailability`),
and the booking form. Booking runs the buyer's select → init → confirm
(``RESERVATION_PURCHASE``, as ``POST /api/buy/bookings`` does) and lands on the booking's page
(:mod:`duijie.web.booking_status`). The pages act for the node's owner (``require_owner``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from duijie.domain.hours import zone
from duijie.domain.listing import Listing
from duijie.domain.reservation_rules import party_size_rule
from duijie.domain.resources import BookableResource
from duijie.l10n.rule_texts import refusal_said
from duijie.services.buyer import PeerError, SellerRefused
from duijie.services.errors import NotFound, ServiceError
from duijie.services.held_listings import HeldListing
from duijie.services.trade.reservation.buying import RESERVATION_PURCHASE, BookingRequest, WaitlistJoined
from duijie.web import csrf
from duijie.web.access import require_owner
from duijie.web.templating import gettext_for, render, request_lang

PHONE = re.compile(r"^[0-9+()\-. ]*[0-9][0-9+()\-. ]*$")
RULE = re.compile(r"\(rule: ([a-z_]+)\)")
MAX_PARTY = 10_000


@dataclass
class Ask:
    """What the visitor asked: a party on a day, each with its error when it makes no sense."""

    day: date
    party: int | None
    errors: dict[str, str] = field(default_factory=dict)


def seller_rule(exc: SellerRefused) -> str | None:
    """The rule a seller's refusal names (``... (rule: slot_taken)``), if any."""
    found = RULE.search(exc.message)
    return found.group(1) if found else None


def seller_said(request: Request, exc: SellerRefused) -> str | None:
    """The rule a seller's refusal names, said in the visitor's language (None when it names none:
    the page then says its own sentence)."""
    return refusal_said(exc.reason or exc.message, gettext_for(request))


def not_found(request: Request, message: str) -> Response:
    _ = gettext_for(request)
    return render(request, "error.html", {"title": _("Not found"), "message": message}, status=404)


def held_listing(request: Request, provider_id: str) -> HeldListing | None:
    """The provider as this node holds it (None when unknown, or when the node does not buy)."""
    held = request.app.state.services.held
    if held is None:
        return None
    try:
        found: HeldListing = held.get(provider_id)
    except NotFound:
        return None
    return found


def unfit_message(request: Request, room: BookableResource, party: int) -> str | None:
    """Why ``party`` cannot book ``room`` (the domain's rule), said in the visitor's language."""
    broken = party_size_rule(room, party)
    if broken is None:
        return None
    _ = gettext_for(request)
    name = room.name.best(request_lang(request))
    if party > room.capacity:
        return str(_("%(room)s holds at most %(capacity)s guests.") % {"room": name, "capacity": room.capacity})
    if party < 1:
        return str(_("A party has at least one guest."))
    return str(_("%(room)s is booked for at least %(minimum)s guests.") % {"room": name, "minimum": room.min_party})


def _tomorrow(request: Request, listing: Listing) -> date:
    now: datetime = request.app.state.services.clock.now()
    tz = listing.provider.locations[0].time_zone if listing.provider.locations else "UTC"
    return (now.astimezone(zone(tz)) + timedelta(days=1)).date()


def read_ask(request: Request, values: Any, listing: Listing) -> Ask:
    """The party and the day of a query string or form (defaults: tomorrow, no party yet)."""
    _ = gettext_for(request)
    ask = Ask(_tomorrow(request, listing), None)
    raw_day = str(values.get("date") or "").strip()
    if raw_day:
        try:
            ask.day = date.fromisoformat(raw_day)
        except ValueError:
            ask.errors["date"] = _("Choose a day (year-month-day).")
    raw_party = str(values.get("party") or "").strip()
    if raw_party:
        try:
            ask.party = int(raw_party)
        except ValueError:
            ask.errors["party"] = _("Give the number of guests as a whole number.")
        else:
            if not 1 <= ask.party <= MAX_PARTY:
                ask.errors["party"] = _("A party has at least one guest.")
                ask.party = None
    return ask


async def _free_slots(request: Request, held: HeldListing, ask: Ask, room_id: str | None
                      ) -> tuple[dict[str, list[dict[str, str]]], str | None]:
    """Free slots per room id (local times), or a notice when the seller could not say."""
    _ = gettext_for(request)
    availability = request.app.state.services.room_availability
    if availability is None or ask.errors:
        return {}, None
    try:
        answer = await availability.day(held, ask.day.isoformat(), ask.party, room_id)
    except ServiceError as exc:
        if exc.field in ("date", "party"):
            ask.errors[exc.field] = _("The restaurant cannot take bookings for that day.") \
                if exc.field == "date" else _("A party has at least one guest.")
            return {}, None
        return {}, _("The restaurant's node did not answer, so its free slots are unknown. Try again shortly.")
    slots: dict[str, list[dict[str, str]]] = {}
    for location in answer["locations"]:
        for resource in location["resources"]:
            slots[str(resource.get("id"))] = [{"start": s["start"], "end": s["end"]} for s in resource["slots"]]
    return slots, None


def slot_choices(slots: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Each free slot as a form choice: its value (``start|end``) and its local start and end."""
    return [{"value": f"{s['start']}|{s['end']}", "start": datetime.fromisoformat(s["start"]),
             "end": datetime.fromisoformat(s["end"])} for s in slots]


async def rooms_page(request: Request) -> Response:
    """``/book/{provider_id}``: every room, its terms, and its free slots for the party on the day."""
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    _ = gettext_for(request)
    provider_id = request.path_params["provider_id"]
    held = held_listing(request, provider_id)
    if held is None or not held.listing.resources:
        return not_found(request, _("This node knows no rooms to book at %(provider)s.") % {"provider": provider_id})
    ask = read_ask(request, request.query_params, held.listing)
    slots, notice = await _free_slots(request, held, ask, None)
    rooms = [{"room": r, "location": held.listing.location(r.location_id),
              "unfit": unfit_message(request, r, ask.party) if ask.party else None,
              "slots": slot_choices(slots.get(r.id, []))} for r in held.listing.resources]
    return render(request, "booking/rooms.html", {"held": held, "ask": ask, "rooms": rooms, "notice": notice})


async def room_page(request: Request) -> Response:
    """``/book/{provider_id}/{room_id}``: the room's terms and deposit, free slots and the booking form."""
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    found = _room(request)
    if isinstance(found, Response):
        return found
    held, room = found
    ask = read_ask(request, request.query_params, held.listing)
    return await _room_form(request, held, room, ask, {}, {})


def _room(request: Request) -> tuple[HeldListing, BookableResource] | Response:
    _ = gettext_for(request)
    provider_id, room_id = request.path_params["provider_id"], request.path_params["room_id"]
    held = held_listing(request, provider_id)
    room = next((r for r in held.listing.resources if r.id == room_id), None) if held else None
    if held is None or room is None:
        return not_found(request, _("This node knows no room %(room)s at %(provider)s.")
                         % {"room": room_id, "provider": provider_id})
    return held, room


async def _room_form(request: Request, held: HeldListing, room: BookableResource, ask: Ask,
                     values: dict[str, str], errors: dict[str, str], *, status: int = 200,
                     refusal: str | None = None, waitlist_slot: str | None = None) -> Response:
    errors = {**ask.errors, **errors}
    unfit = unfit_message(request, room, ask.party) if ask.party is not None else None
    if unfit:
        errors.setdefault("party", unfit)
    slots, notice = ({}, None) if unfit or ask.party is None else await _free_slots(request, held, ask, room.id)
    choices = slot_choices(slots.get(room.id, []))
    context = {
        "held": held, "room": room, "location": held.listing.location(room.location_id), "ask": ask,
        "values": values, "errors": errors, "notice": notice, "refusal": refusal, "choices": choices,
        "asked": ask.party is not None and not unfit and not ask.errors and notice is None,
        "waitlist_slot": waitlist_slot, "min_day": _tomorrow(request, held.listing) - timedelta(days=1),
    }
    return render(request, "booking/room.html", context, status=status)


def guest_errors(request: Request, form: FormData) -> tuple[dict[str, str], dict[str, str]]:
    """The guest's fields as typed, and an error beside each that is wrong."""
    _ = gettext_for(request)
    values = {k: str(form.get(k) or "").strip() for k in ("name", "phone", "email", "requests", "slot", "time")}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = _("Your name is required.")
    elif len(values["name"]) > 200:
        errors["name"] = _("At most %(count)s characters.") % {"count": 200}
    if values["phone"] and (len(values["phone"]) > 40 or not PHONE.match(values["phone"])):
        errors["phone"] = _("A phone number has digits, spaces and + - ( ) . only.")
    if values["email"] and ("@" not in values["email"] or len(values["email"]) > 200):
        errors["email"] = _("That is not an email address.")
    if len(values["requests"]) > 1000:
        errors["requests"] = _("At most %(count)s characters.") % {"count": 1000}
    return values, errors


def chosen_slot(request: Request, room: BookableResource, tz: str, ask: Ask, values: dict[str, str],
                waitlist: bool) -> tuple[str, str] | str:
    """The slot the form names (a free slot, or for the waitlist a start time); else its error."""
    _ = gettext_for(request)
    if not waitlist:
        start, sep, end = values["slot"].partition("|")
        try:
            datetime.fromisoformat(start), datetime.fromisoformat(end)
        except ValueError:
            return str(_("Choose one of the free slots."))
        return (start, end) if sep else str(_("Choose one of the free slots."))
    if "|" in values["slot"]:
        start, _sep, end = values["slot"].partition("|")
        return start, end
    try:
        hour, minute = (int(x) for x in values["time"].split(":")[:2])
        local = datetime(ask.day.year, ask.day.month, ask.day.day, hour, minute,
                         tzinfo=zone(tz))
    except (ValueError, TypeError):
        return str(_("Choose the time you want to start."))
    return local.isoformat(), (local + room.slot_length).isoformat()


async def book(request: Request) -> Response:
    """``POST /book/{provider_id}/{room_id}``: book the chosen slot (or wait for it), then its page."""
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    form = await csrf.checked_form(request)
    found = _room(request)
    if isinstance(found, Response):
        return found
    held, room = found
    _ = gettext_for(request)
    ask = read_ask(request, form, held.listing)
    if ask.party is None and "party" not in ask.errors:
        ask.errors["party"] = _("How many guests?")
    values, errors = guest_errors(request, form)
    waitlist = form.get("waitlist") == "1"
    slot = chosen_slot(request, room, held.listing.location(room.location_id).time_zone, ask, values, waitlist)
    if isinstance(slot, str):
        errors["time" if waitlist else "slot"] = slot
    if errors or ask.errors or (ask.party is not None and unfit_message(request, room, ask.party)):
        return await _room_form(request, held, room, ask, values, errors, status=400)
    if held.bpp_uri is None:
        return await _room_form(request, held, room, ask, values, {}, status=502, refusal=_(
            "The restaurant's node did not answer. Nothing was booked; try again shortly."))
    assert ask.party is not None and not isinstance(slot, str)
    req = BookingRequest(held.bpp_uri, held.listing.id, room.id, ask.party, slot[0], slot[1], values["name"],
                         values["phone"] or None, values["email"] or None, values["requests"] or None,
                         room.location_id, held.bpp_id, waitlist)
    buyer = request.app.state.services.buyer
    try:
        purchase = await buyer.place(RESERVATION_PURCHASE, req)
    except WaitlistJoined as joined:
        return render(request, "booking/waitlisted.html", {"held": held, "room": room, "entry": joined.entry,
                                                           "start": datetime.fromisoformat(slot[0]),
                                                           "location": held.listing.location(room.location_id)},
                      status=202)
    except SellerRefused as exc:
        return await _refused(request, held, room, ask, values, exc, f"{slot[0]}|{slot[1]}")
    except PeerError:
        return await _room_form(request, held, room, ask, values, {}, status=502,
                                refusal=_("The restaurant's node did not answer. Nothing was booked; "
                                          "try again shortly."))
    return RedirectResponse(f"/bookings/{purchase['order_id']}", status_code=303)


async def _refused(request: Request, held: HeldListing, room: BookableResource, ask: Ask, values: dict[str, str],
                   exc: SellerRefused, slot: str) -> Response:
    """The seller's refusal, said beside the field it concerns, in the visitor's language."""
    _ = gettext_for(request)
    rule = seller_rule(exc)
    if rule in ("slot_taken", "resource_blocked"):
        return await _room_form(request, held, room, ask, values, {}, status=409, waitlist_slot=slot,
                                refusal=_("That slot was just taken. Pick another one, or join its waitlist."))
    said = seller_said(request, exc)  # the seller's rule, with its limit (capacity, closing time) when named
    if rule in ("party_above_capacity", "party_below_minimum", "party_size_invalid"):
        # The seller's room may differ from the catalog this node holds: its rule goes beside the party.
        party = said or _("The restaurant did not accept a party of this size.")
        return await _room_form(request, held, room, ask, values, {"party": party}, status=409)
    message = said or _("The restaurant did not accept the booking. Nothing was booked.")
    return await _room_form(request, held, room, ask, values, {"slot": message}, status=409)


routes: list[BaseRoute] = [
    Route("/book/{provider_id}", rooms_page, methods=["GET"]),
    Route("/book/{provider_id}/{room_id}", room_page, methods=["GET"]),
    Route("/book/{provider_id}/{room_id}", book, methods=["POST"]),
]
