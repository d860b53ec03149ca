"""The pool page ``/pools/{pool_id}``: progress, tiers, countdown, the pledge form, and after the
close the allocation and its receipt.

On the organizer's node the page reads the pool itself. On a buyer's node (the link from a
search result, or from "Mine") it names where the pool is organized (``?bpp=`` the organizer's
Beckn URL, ``provider=`` the provider listing it, ``bpp_id=`` its subscriber id) and reads what
the organizer publishes in ``on_search``, asked again at each live refresh. A pledge is sent from
this node, signed, over Beckn (``BuyerService.place`` with a :class:`PoolPledge` that checks the
organizer's signed terms before anything is committed), exactly as ``duijie pool pledge`` does;
the quantity rules a node can check alone (positive, whole units, under the maximum, before the
close) are checked first, and the organizer's refusals come back next to the field, in the
visitor's language.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from duijie.domain.pools import PoolError, PoolRule, quantity_problem
from duijie.l10n.rule_texts import refusal_said
from duijie.services.buyer import PeerError, SellerRefused
from duijie.services.container import Services
from duijie.services.errors import NotFound, ServiceError
from duijie.services.trade.pool.buying import PledgeOrder
from duijie.web import csrf
from duijie.web.access import require_owner
from duijie.web.pool_proposals import pending
from duijie.web.pool_shown import PoolShown, from_item, from_stored, split_name
from duijie.web.purchases_shown import PurchaseShown, own_purchases, pool_link, receipt_check
from duijie.web.templating import gettext_for, render

REMOTE_WAIT = 3.0
"""Seconds a buyer's node waits for the organizer's on_search (it stops at the answer)."""


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


class Where:
    """Where the pool is organized: this node, or ``bpp`` (with its provider and subscriber id)."""

    def __init__(self, request: Request, source: Any = None) -> None:
        params = source if source is not None else request.query_params
        services = _services(request)
        self.bpp = str(params.get("bpp") or "").strip()
        self.provider = str(params.get("provider") or "").strip()
        self.bpp_id = str(params.get("bpp_id") or "").strip() or None
        own = services.identity.subscriber_url
        self.here = not self.bpp or self.bpp.rstrip("/") == own.rstrip("/")

    def link(self, pool_id: str, suffix: str = "", **extra: str) -> str:
        """This pool's page (``suffix`` ``/progress``: its live part) with ``extra`` query parameters."""
        if self.here:
            base = f"/pools/{pool_id}{suffix}"
        else:
            base = pool_link(pool_id, self.bpp, self.provider, self.bpp_id).replace("?", f"{suffix}?", 1)
        tail = urlencode(extra)
        return base + (("&" if "?" in base else "?") + tail if tail else "")


async def _local(services: Services, pool_id: str) -> PoolShown | None:
    if services.pools is None:
        return None
    try:
        return from_stored(await services.pools.get(pool_id))
    except PoolError:
        return None


async def _remote(services: Services, pool_id: str, where: Where) -> PoolShown | None:
    """The pool as its organizer lists it now (only open pools are listed), or None."""
    if services.buyer is None or not where.bpp.startswith(("http://", "https://")) or not where.provider:
        return None
    intent = {"provider": {"id": where.provider}, "category": {"id": "pool"},
              "item": {"descriptor": {"name": pool_id}}}
    found, _failed = await services.buyer.search_network(intent, [where.bpp], wait=REMOTE_WAIT,
                                                         expect=(where.bpp_id,) if where.bpp_id else ())
    for cb in found:
        catalog = (cb.document.get("message") or {}).get("catalog") or {}
        for provider in catalog.get("providers") or []:
            for item in provider.get("items") or []:
                if isinstance(item, dict) and item.get("id") == pool_id:
                    return from_item(item, str(provider.get("id") or where.provider))
    return None


async def shown_pool(request: Request, pool_id: str, where: Where) -> PoolShown | None:
    """The pool as this node can read it now (None when it is not listed: closed, cancelled, unknown)."""
    services = _services(request)
    return await _local(services, pool_id) if where.here else await _remote(services, pool_id, where)


def _origin(services: Services, pool: PoolShown) -> dict[str, Any] | None:
    """The offer's origin: the pool's own terms, else the producer's catalog this node holds."""
    if pool.origin is not None or services.offer_lookup is None:
        return pool.origin
    found = services.offer_lookup.find(None, pool.offer_id, pool.producer_id)
    origin = (found.view.get("provenance") or {}).get("origin") if found is not None else None
    if not origin:
        return None
    harvest = origin.get("harvest_date")
    return {"place": split_name(str(origin["place"])), "harvest_date": date.fromisoformat(harvest) if harvest else None,
            "batch": origin.get("batch")}


def _zone(services: Services, pool: PoolShown | None) -> str:
    """The time zone the deadline is shown in: the organizer's location's (its listing here, or the
    catalog this node holds of the provider listing it), else UTC."""
    locations: tuple[Any, ...] = ()
    if pool is not None and pool.local and pool.listed_under:
        try:
            locations = tuple(services.catalog.listing(pool.listed_under).listing.provider.locations)
        except NotFound:  # a listing removed since: the deadline is shown in UTC
            locations = ()
    elif pool is not None and pool.listed_under and services.held is not None:
        try:
            held = services.held.get(pool.listed_under, pool.organizer_id or None)
            locations = tuple(held.listing.provider.locations)
        except NotFound:  # a provider this node holds no catalog of
            locations = ()
    return str(locations[0].time_zone) if locations else "UTC"


def _mine(services: Services, pool_id: str) -> list[PurchaseShown]:
    return own_purchases(services.buyer, pool_id) if services.buyer is not None else []


def _receipt_checks(services: Services, rows: list[PurchaseShown]) -> dict[str, Any]:
    """Each shown receipt checked with this node's trusted keys (verified on the page)."""
    return {r.receipt_id: receipt_check(services, r.receipt_id) for r in rows if r.receipt_id}


async def page_response(request: Request, pool_id: str, where: Where, *, form: dict[str, str] | None = None,
                        errors: dict[str, str] | None = None, status: int = 200) -> Response:
    """The pool page, with what was typed (``form``) and the errors beside its fields."""
    services = _services(request)
    pool = await shown_pool(request, pool_id, where)
    owner = not isinstance(await require_owner(request), Response)  # this node's own pledges are private
    mine = _mine(services, pool_id) if owner else []
    if pool is None and not mine and not errors:
        _ = gettext_for(request)
        return render(request, "error.html", {
            "title": _("Pool not found"),
            "message": _("No open pool %(id)s is listed there. It may have closed or been cancelled.")
            % {"id": pool_id}},
            status=404)
    now = services.clock.now()
    proposals = pending(services.buyer, [r.order_id for r in mine if r.status == "ACTIVE"], pool) if owner else {}
    return render(request, "pools/pool.html", {
        "pool": pool, "pool_id": pool_id, "where": where, "mine": mine, "now": now,
        "origin": _origin(services, pool) if pool is not None else None, "zone": _zone(services, pool),
        "checks": _receipt_checks(services, mine), "form": form or {}, "errors": errors or {},
        "pledged": request.query_params.get("pledged"), "changed": request.query_params.get("change"),
        "withdrawn": request.query_params.get("withdraw"), "proposals": proposals,
        "answered": request.query_params.get("answered"), "answer": request.query_params.get("answer"),
        "owner": owner, "can_pledge": (owner and pool is not None and pool.is_open
                                       and not pool.past_deadline(now) and services.buyer is not None),
    }, status=status)


async def pool_page(request: Request) -> Response:
    return await page_response(request, request.path_params["pool_id"], Where(request))


async def progress_fragment(request: Request) -> Response:
    """The live part of the page (``data-live``): progress, tiers and, after the close, the outcome."""
    services = _services(request)
    pool_id = request.path_params["pool_id"]
    pool = await shown_pool(request, pool_id, Where(request))
    return render(request, "pools/_progress.html", {"pool": pool, "pool_id": pool_id, "now": services.clock.now()})


def refusal_text(request: Request, message: str, pool: PoolShown | None, left: Decimal | None = None) -> str:
    """A pool rule's refusal (the organizer's, or this node's own check) in the visitor's language:
    the page's own sentence for the rules it can say more about, else the rule's text
    (:func:`~duijie.l10n.rule_texts.refusal_said`); ``left``: what may still be pledged, when not
    the pool's remaining quantity."""
    _ = gettext_for(request)
    unit = pool.unit if pool is not None else ""
    texts = {
        PoolRule.POOL_CLOSED: _("This pool is closed: it takes no more pledges."),
        PoolRule.QUANTITY_NOT_POSITIVE: _("Enter a quantity above 0."),
        PoolRule.QUANTITY_NOT_DIVISIBLE: (_("Pledge whole units of %(unit)s, or at most 3 decimal places.")
                                          % {"unit": unit}),
        PoolRule.POOL_NOT_FOUND: _("The organizer no longer lists this pool."),
        PoolRule.TERMS_NOT_VERIFIED: _("The organizer's signature on the pool's terms does not verify: "
                                       "nothing was pledged."),
    }
    left = left if left is not None else (pool.remaining if pool is not None else None)
    if "beyond_maximum" in message and left is not None:
        return str(_("Only %(left)s %(unit)s are left under the pool's maximum.") % {"left": left, "unit": unit})
    for rule, text in texts.items():
        if f"{rule.value}:" in message:
            return str(text)
    if "beyond_maximum" in message:
        return str(_("That is more than the pool's maximum allows."))
    return refusal_said(message, _) or str(_("The organizer refused this pledge."))


def refusal_words(exc: SellerRefused | ServiceError | PoolError) -> str:
    """What a refusal says: the organizer's own words (``not_the_pledger: …``), without the Beckn
    action and code this node wrapped them in; this node's own error's message."""
    reason = exc.reason if isinstance(exc, SellerRefused) else ""
    return reason or exc.message


def checked_quantity(request: Request, raw: str, pool: PoolShown | None, now: Any,
                     already: Decimal = Decimal(0)) -> tuple[Decimal | None, str | None]:
    """The quantity, or the error to show beside the field (rules this node can check alone);
    ``already``: what the pledge being changed holds now (it counts toward the maximum no more)."""
    _ = gettext_for(request)
    try:
        quantity = Decimal(raw.strip())
    except InvalidOperation:
        return None, str(_("Enter the quantity as a number, such as 40 or 12.5."))
    if pool is None or not pool.is_open or pool.past_deadline(now):
        return None, refusal_text(request, "pool_closed:", pool)
    problem = quantity_problem(quantity, pool.unit)
    if problem is not None:
        return None, refusal_text(request, f"{problem[0].value}:", pool)
    if pool.remaining is not None and quantity > pool.remaining + already:
        return None, refusal_text(request, "beyond_maximum:", pool, pool.remaining + already)
    return quantity, None


async def pledge(request: Request) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    form = await csrf.checked_form(request)
    services = _services(request)
    pool_id = request.path_params["pool_id"]
    where = Where(request, form)
    raw = str(form.get("quantity") or "")
    pool = await shown_pool(request, pool_id, where)
    quantity, error = checked_quantity(request, raw, pool, services.clock.now())
    if error is None and quantity is not None and pool is not None and services.buyer is not None:
        bpp = services.identity.subscriber_url if where.here else where.bpp
        provider = pool.listed_under if where.here else where.provider
        order = PledgeOrder(bpp, provider, pool_id, quantity, pool.unit,
                            bpp_id=pool.organizer_id or where.bpp_id)
        try:
            if services.pools is None:  # no node to check the organizer's signed terms with: nothing pledged
                raise PoolError(PoolRule.TERMS_NOT_VERIFIED, "this node cannot check pool terms")
            placed = await services.buyer.place(services.pools.pledge_kind(), order)
        except (SellerRefused, PoolError) as exc:
            error = refusal_text(request, refusal_words(exc), pool)
        except PeerError:
            _ = gettext_for(request)
            error = str(_("The pool's organizer did not answer. Try again in a moment."))
        else:
            return RedirectResponse(where.link(pool_id, pledged=str(placed["order_id"])), status_code=303)
    return await page_response(request, pool_id, where, form={"quantity": raw}, errors={"quantity": error or ""},
                       status=400)


routes: list[BaseRoute] = [
    Route("/pools/{pool_id}", pool_page, methods=["GET"]),
    Route("/pools/{pool_id}/progress", progress_fragment, methods=["GET"]),
    Route("/pools/{pool_id}/pledge", pledge, methods=["POST"]),
]
