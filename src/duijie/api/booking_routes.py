"""Reservations over the JSON API: availability and calendar feeds (public), the merchant's bookings
(admin token), and the guest's bookings made through this node (``/api/buy/bookings``, admin token)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from duijie.api.auth import require_admin
from duijie.api.buyer_routes import _peer_failure
from duijie.api.params import BadInput, Body, In, Kind, Param, Spec, parse_instant
from duijie.api.responses import json_response
from duijie.api.spec_routes import ApiRoute, Args
from duijie.domain.reservations import BookingState
from duijie.services.buyer import BuyerService, PeerError, SellerRefused
from duijie.services.container import Services
from duijie.services.errors import NotFound, ServiceError
from duijie.services.trade.reservation.buying import (
    RESERVATION_PURCHASE,
    WaitlistJoined,
    booking_ics,
    booking_request,
    held_confirm_order,
)
from duijie.services.trade.reservation.free_slots import resource_view
from duijie.services.trade.reservation.merchant import ReservationServices, with_approval

ICS = "text/calendar; charset=utf-8"


def _reservations(request: Request) -> ReservationServices:
    services: Services = request.app.state.services
    if services.reservations is None:
        raise NotFound("this node does not run the seller role")
    found: ReservationServices = services.reservations
    return found


def _buyer(request: Request) -> BuyerService:
    require_admin(request)
    services: Services = request.app.state.services
    if services.buyer is None:
        raise ServiceError("the buyer role is not wired on this node")
    buyer: BuyerService = services.buyer
    return buyer


def _ics(body: bytes, name: str) -> Response:
    return Response(body, media_type=ICS, headers={"Content-Disposition": f'attachment; filename="{name}.ics"'})


# ---- public -------------------------------------------------------------------------------------

async def availability(request: Request, args: Args) -> Response:
    r = _reservations(request)
    return json_response(await r.availability.day(args["provider_id"], args["date"], args["party"], args["resource"]))


async def feed(request: Request, args: Args) -> Response:
    r = _reservations(request)
    body = await r.calendars.feed(args["provider_id"], args["resource_id"], args["token"])
    return Response(body, media_type=ICS)


# ---- the merchant -------------------------------------------------------------------------------

async def list_bookings(request: Request, args: Args) -> Response:
    desk = _reservations(request).desk
    return json_response({"bookings": await desk.list_bookings(args["state"], args["provider"])})


async def day_view(request: Request, args: Args) -> Response:
    desk = _reservations(request).desk
    return json_response(await desk.day(args["provider_id"], args["date"], args["resource"]))


async def get_booking(request: Request, args: Args) -> Response:
    return json_response({"booking": await _reservations(request).desk.get(args["booking_id"])})


async def booking_calendar(request: Request, args: Args) -> Response:
    body = await _reservations(request).calendars.booking(args["booking_id"])
    return _ics(body, args["booking_id"])


async def accept(request: Request, args: Args) -> Response:
    return json_response({"booking": await _reservations(request).desk.accept(args["booking_id"])})


async def decline(request: Request, args: Args) -> Response:
    reason = (args.body or {}).get("reason")
    return json_response({"booking": await _reservations(request).desk.decline(args["booking_id"], reason)})


async def no_show(request: Request, args: Args) -> Response:
    return json_response({"booking": await _reservations(request).desk.no_show(args["booking_id"])})


async def complete(request: Request, args: Args) -> Response:
    return json_response({"booking": await _reservations(request).desk.complete(args["booking_id"])})


def _instant(body: dict[str, Any], name: str) -> Any:
    try:
        return parse_instant(str(body[name]))
    except ValueError as exc:
        raise BadInput(f"$.{name}", str(exc)) from None


async def block(request: Request, args: Args) -> Response:
    body = args.body or {}
    start, end = _instant(body, "start"), _instant(body, "end")
    made = await _reservations(request).desk.block(args["provider_id"], args["resource_id"], start, end,
                                                   body.get("reason"))
    return json_response({"block": made}, status=201)


async def unblock(request: Request, args: Args) -> Response:
    return json_response({"block": await _reservations(request).desk.unblock(args["block_id"])})


def set_approval(request: Request, args: Args) -> Response:
    catalog = request.app.state.services.catalog
    listing = with_approval(catalog.listing(args["provider_id"]).listing, args["resource_id"],
                            str((args.body or {}).get("approval", "")))
    catalog.save_listing(listing)
    return json_response({"resource": resource_view(listing.resource(args["resource_id"]))})


async def feed_link(request: Request, args: Args) -> Response:
    return json_response(await _reservations(request).calendars.feed_link(args["provider_id"], args["resource_id"]))


# ---- the guest (this node books elsewhere) -------------------------------------------------------

async def book(request: Request, args: Args) -> Response:
    buyer = _buyer(request)
    req = booking_request(args.body or {})
    try:
        return json_response(await buyer.place(RESERVATION_PURCHASE, req), status=201)
    except WaitlistJoined as joined:  # nothing booked: the seller tells this node when the slot frees up
        return json_response({"waitlist": joined.entry, "order": joined.order}, status=202)
    except (PeerError, SellerRefused) as exc:
        return _peer_failure(exc)


async def take_hold(request: Request, args: Args) -> Response:
    buyer = _buyer(request)
    order = held_confirm_order(buyer.purchase(args["order_id"]))
    try:
        return json_response(await buyer.confirm_held(args["order_id"], order))
    except (PeerError, SellerRefused) as exc:
        return _peer_failure(exc)


async def guest_calendar(request: Request, args: Args) -> Response:
    buyer = _buyer(request)
    purchase = buyer.purchase(args["order_id"])
    services: Services = request.app.state.services
    return _ics(booking_ics(purchase, buyer.subscriber_id, services.clock.now()), args["order_id"])


_TAG = "reservations"
_ID = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "\\S"}
PROVIDER_ID = Param("provider_id", where=In.PATH, required=True, max_length=100, description="The provider's id")
RESOURCE_ID = Param("resource_id", where=In.PATH, required=True, max_length=100,
                    description="The room, hall or KTV room (e.g. diaoyutai)")
BOOKING_ID = Param("booking_id", where=In.PATH, required=True, max_length=100, description="The booking's id")
DATE = Param("date", max_length=10, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
             description="The day, YYYY-MM-DD, in each location's own calendar (default: today)")
RESOURCE = Param("resource", max_length=100, description="Only this resource")
AVAILABILITY = Spec(
    "Free slots of a day for a party, per resource per location", tag=_TAG,
    params=(PROVIDER_ID, DATE, Param("party", Kind.INTEGER, minimum=1, maximum=10_000,
                                     description="Party size (default: each resource's minimum)"), RESOURCE),
)
FEED = Spec(
    "A resource's bookings and blocks as an iCalendar feed (the token from the merchant's calendar link)",
    tag=_TAG, media_type="text/calendar",
    params=(PROVIDER_ID, RESOURCE_ID, Param("token", required=True, max_length=64, pattern=r"^[0-9a-f]+$",
                                            description="The feed's secret token")),
)
LIST = Spec("The merchant's bookings, newest first", tag=_TAG, admin=True, params=(
    Param("state", max_length=20, description="Only this state (any case): " + ", ".join(BookingState)),
    Param("provider", max_length=100, description="Only this provider's")))
DAY = Spec("The day view: each resource's bookings and blocks of a day", tag=_TAG, admin=True,
           params=(PROVIDER_ID, DATE, RESOURCE))
GET = Spec("One booking with its history", tag=_TAG, admin=True, params=(BOOKING_ID,))
BOOKING_ICS = Spec("One booking as an iCalendar file", tag=_TAG, admin=True, params=(BOOKING_ID,),
                   media_type="text/calendar")
ACCEPT = Spec("Confirm a booking that waits for approval (the guest is told)", tag=_TAG, admin=True,
              params=(BOOKING_ID,))
DECLINE = Spec(
    "Decline a booking that waits for approval, with an optional reason (the guest is told)", tag=_TAG,
    admin=True, params=(BOOKING_ID,),
    body=Body({"type": "object", "properties": {"reason": {"type": ["string", "null"], "maxLength": 500}}},
              "Optional reason", max_bytes=4_000),
)
NO_SHOW = Spec("Mark a confirmed booking a no-show (from its start on)", tag=_TAG, admin=True, params=(BOOKING_ID,))
COMPLETE = Spec("Mark a confirmed booking completed (from its start on)", tag=_TAG, admin=True, params=(BOOKING_ID,))
BLOCK = Spec(
    "Block a resource for a period (private event, maintenance)", tag=_TAG, admin=True, success=201,
    params=(PROVIDER_ID, RESOURCE_ID),
    body=Body({"type": "object", "required": ["start", "end"], "properties": {
        "start": {"type": "string", "format": "date-time", "maxLength": 64},
        "end": {"type": "string", "format": "date-time", "maxLength": 64},
        "reason": {"type": ["string", "null"], "maxLength": 500}}}, "The period and why", required=True,
        max_bytes=4_000),
)
UNBLOCK = Spec("Remove a block", tag=_TAG, admin=True,
               params=(Param("block_id", where=In.PATH, required=True, max_length=100),))
APPROVAL = Spec(
    "Confirm a resource's requests at once (instant) or after the merchant's approval (manual)", tag=_TAG,
    admin=True, params=(PROVIDER_ID, RESOURCE_ID),
    body=Body({"type": "object", "required": ["approval"], "properties": {"approval": {"enum": ["instant", "manual"]}}},
              "The mode", required=True, max_bytes=1_000),
)
FEED_LINK = Spec("The calendar feed link of a resource (to subscribe in a calendar app)", tag=_TAG, admin=True,
                 params=(PROVIDER_ID, RESOURCE_ID))
BOOK = Spec(
    "Book a room at another node: select, init and confirm (or join the slot's waitlist)", tag="buyer",
    admin=True, success=201,
    body=Body({
        "type": "object", "required": ["bpp_uri", "provider_id", "resource_id", "party", "start", "end", "guest"],
        "properties": {
            "bpp_uri": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "^\\s*https?://"},
            "bpp_id": {"type": "string", "maxLength": 256}, "provider_id": _ID, "resource_id": _ID,
            "location_id": _ID, "party": {"type": "integer", "minimum": -1000, "maximum": 100_000},
            "start": {"type": "string", "minLength": 1, "maxLength": 64},
            "end": {"type": "string", "minLength": 1, "maxLength": 64},
            "waitlist": {"type": "boolean"},
            "guest": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
                "phone": {"type": ["string", "null"], "maxLength": 40,
                          "pattern": "^[0-9+()\\-. ]*[0-9][0-9+()\\-. ]*$"},
                "email": {"type": ["string", "null"], "maxLength": 200},
                "requests": {"type": ["string", "null"], "maxLength": 1000}}},
        },
    }, "The booking", required=True, max_bytes=16_000),
)
TAKE = Spec("Take a slot a waitlist offer holds for this node (confirm in its transaction before the hold "
            "runs out)", tag="buyer", admin=True,
            params=(Param("order_id", where=In.PATH, required=True, max_length=100),))
GUEST_ICS = Spec("A booking made from this node as an iCalendar file", tag="buyer", admin=True,
                 media_type="text/calendar",
                 params=(Param("order_id", where=In.PATH, required=True, max_length=100),))

routes: list[BaseRoute] = [
    # POST too (the query in the URL): a guest node asks through its Transport, which only POSTs.
    ApiRoute("/api/providers/{provider_id}/availability", availability, AVAILABILITY, methods=["GET", "POST"]),
    ApiRoute("/calendar/{provider_id}/{resource_id}.ics", feed, FEED),
    ApiRoute("/api/bookings", list_bookings, LIST),
    ApiRoute("/api/bookings/{booking_id}", get_booking, GET),
    ApiRoute("/api/bookings/{booking_id}/ics", booking_calendar, BOOKING_ICS),
    ApiRoute("/api/bookings/{booking_id}/accept", accept, ACCEPT, methods=["POST"]),
    ApiRoute("/api/bookings/{booking_id}/decline", decline, DECLINE, methods=["POST"]),
    ApiRoute("/api/bookings/{booking_id}/no-show", no_show, NO_SHOW, methods=["POST"]),
    ApiRoute("/api/bookings/{booking_id}/complete", complete, COMPLETE, methods=["POST"]),
    ApiRoute("/api/providers/{provider_id}/bookings", day_view, DAY),
    ApiRoute("/api/providers/{provider_id}/resources/{resource_id}/blocks", block, BLOCK, methods=["POST"]),
    ApiRoute("/api/providers/{provider_id}/resources/{resource_id}/calendar", feed_link, FEED_LINK),
    ApiRoute("/api/providers/{provider_id}/resources/{resource_id}/approval", set_approval, APPROVAL,
             methods=["POST"]),
    ApiRoute("/api/blocks/{block_id}/remove", unblock, UNBLOCK, methods=["POST"]),
    ApiRoute("/api/buy/bookings", book, BOOK, methods=["POST"]),
    ApiRoute("/api/buy/bookings/{order_id}/ics", guest_calendar, GUEST_ICS),
    ApiRoute("/api/buy/bookings/{order_id}/take", take_hold, TAKE, methods=["POST"]),
]
