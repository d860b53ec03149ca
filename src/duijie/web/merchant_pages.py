"""The merchant's inbox, ``/merchant``: new orders with the guest's name, phone and pickup time,
the buttons to accept, decline (with a reason), mark ready and complete, and the hub's links and
counts of bookings, applications, pools and the listing.

The order list and the counts are one fragment, ``/merchant/live``, that ``static/live.js``
fetches every few seconds (``data-live``), so new orders appear without reloading. Every
button is a POST form with the CSRF token; it answers 303 back to the inbox (post/redirect/get)
with a notice of what was done, or the inbox with the error beside the order (409).
Other merchant pages extend ``merchant/layout.html`` for the same navigation and sign-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from duijie.domain.listing import Listing
from duijie.domain.pools import PoolState
from duijie.services.container import Services
from duijie.services.errors import NotFound, ServiceError
from duijie.web import csrf
from duijie.web.access import merchant_user, require_merchant
from duijie.web.merchant_orders import OrderCard, Step, inbox_cards
from duijie.web.templating import gettext_for, render, request_lang

REASON_MAX = 500


@dataclass(frozen=True, slots=True)
class HubCounts:
    """What waits in each part of the merchant's work (None: this node does not do that part)."""

    orders: int | None
    bookings: int | None
    applications: int | None
    pools: int | None


async def _counts(services: Services, cards: list[OrderCard]) -> HubCounts:
    bookings = applications = pools = None
    if services.reservations is not None:
        bookings = len(await services.reservations.desk.list_bookings("PENDING_APPROVAL"))
    if services.applications is not None:
        applications = len(await services.applications.list_applications("RECEIVED"))
    if services.pools is not None:
        pools = len(await services.pools.list((PoolState.OPEN,)))
    orders = sum(1 for c in cards if c.is_new) if services.merchant is not None else None
    return HubCounts(orders, bookings, applications, pools)


async def _cards(request: Request) -> list[OrderCard] | None:
    """The orders as the inbox shows them; None when this node does not sell."""
    services: Services = request.app.state.services
    if services.merchant is None:
        return None
    orders = await services.merchant.list_orders()

    def listing_of(provider_id: str) -> Listing | None:
        try:
            return services.catalog.listing(provider_id).listing
        except NotFound:
            return None

    return inbox_cards(orders, listing_of, request_lang(request))


async def _inbox(request: Request) -> dict[str, Any]:
    """The live part's context: the orders as cards and the hub's counts."""
    cards = await _cards(request)
    counts = await _counts(request.app.state.services, cards or [])
    return {"cards": cards or [], "counts": counts, "sells": cards is not None}


def _notice(request: Request) -> str | None:
    _ = gettext_for(request)
    done = request.query_params.get("done")
    notices = {
        Step.ACCEPT: _("Order accepted: the guest has been told."),
        Step.DECLINE: _("Order declined: the guest has been told."),
        Step.READY: _("Order marked ready for pickup: the guest has been told."),
        Step.COMPLETE: _("Order completed."),
    }
    return notices.get(Step(done)) if done is not None and done in Step._value2member_map_ else None


async def inbox(request: Request, *, error: tuple[str, str] | None = None, status: int = 200) -> Response:
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    context = await _inbox(request)
    return render(request, "merchant/inbox.html",
                  {**context, "user": user, "notice": _notice(request), "error": error}, status=status)


async def inbox_live(request: Request) -> Response:
    """The fragment ``live.js`` swaps in; 401 without a session (the page keeps what it shows)."""
    user = await merchant_user(request)
    if user is None:
        return Response(status_code=401)
    context = await _inbox(request)
    return render(request, "merchant/inbox_live.html", {**context, "error": None})


async def order_step(request: Request) -> Response:
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    form = await csrf.checked_form(request)
    services: Services = request.app.state.services
    order_id = request.path_params["order_id"]
    raw_step = request.path_params["step"]
    if raw_step not in Step._value2member_map_ or services.merchant is None:
        return Response(status_code=404)
    step = Step(raw_step)
    merchant = services.merchant
    try:
        if step is Step.ACCEPT:
            await merchant.accept(order_id)
        elif step is Step.DECLINE:
            reason = str(form.get("reason") or "").strip()[:REASON_MAX]
            await merchant.decline(order_id, reason or None)
        elif step is Step.READY:
            await merchant.mark_ready(order_id)
        else:
            await merchant.complete(order_id)
    except ServiceError:
        _ = gettext_for(request)
        # The service's message is for the API (English, with the state's code): say it plainly.
        message = _("This order could not be changed: someone changed it first (it shows its state now).")
        return await inbox(request, error=(order_id, message), status=409)
    return RedirectResponse(f"/merchant?done={step.value}#order-{order_id}", status_code=303)


async def decline_form(request: Request) -> Response:
    """The reason for declining, asked on a page of its own (the inbox refreshes while one types)."""
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    order_id = request.path_params["order_id"]
    card = next((c for c in await _cards(request) or [] if c.id == order_id and Step.DECLINE in c.steps), None)
    if card is None:  # gone, or past declining: the inbox shows what it is now
        return RedirectResponse(f"/merchant#order-{order_id}", status_code=303)
    return render(request, "merchant/decline.html", {"card": card, "user": user})


routes: list[BaseRoute] = [
    Route("/merchant", inbox, methods=["GET"]),
    Route("/merchant/live", inbox_live, methods=["GET"]),
    Route("/merchant/orders/{order_id}/decline", decline_form, methods=["GET"]),
    Route("/merchant/orders/{order_id}/{step}", order_step, methods=["POST"]),
]
