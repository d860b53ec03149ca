"""The offer page ``/offers/{offer_id}`` (``?provider=`` and ``?seller=`` narrow it): a producer's
offer or a relisting, with its origin, its tiers and, for a relisting, the producer's price beside
the relisted price and the markup; and, for an organizer, the form that opens a 云拼 pool on it,
embedding the producer's signed offer (fetched from the producer's node, verified first).

What it says about provenance is :func:`~duijie.services.trade.offer_listing.offer_view`'s judgement
with this node's trusted keys: ``source-direct`` only for a producer's own offer in its own
signed catalog, ``relisted`` when the chain back to the producer's signed offer holds, and
``unverified`` (with the reason) otherwise, never shown as source-direct.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from duijie.domain.errors import ValidationFailed
from duijie.domain.pools import Pool, PoolError, PoolTerms
from duijie.interchange.pool_json import terms_in
from duijie.interchange.trade_json import offer_out
from duijie.services.container import Services
from duijie.services.errors import Conflict, NotFound
from duijie.services.trade.offer_lookup import FoundOffer
from duijie.services.trade.pool.offer_source import OfferNotSigned, OfferUnreachable
from duijie.web import csrf
from duijie.web.access import merchant_user, require_merchant
from duijie.web.pool_shown import split_name
from duijie.web.templating import gettext_for, render


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _find(request: Request, offer_id: str, source: Any = None) -> FoundOffer | None:
    params = source if source is not None else request.query_params
    lookup = _services(request).offer_lookup
    if lookup is None:
        return None
    provider = str(params.get("provider") or "").strip() or None
    seller = str(params.get("seller") or "").strip() or None
    return lookup.find(provider, offer_id, seller)


def _own_providers(services: Services) -> list[Any]:
    """The providers this node hosts (a pool is listed under one of them)."""
    return services.catalog.providers() if services.pools is not None else []


def _zone(services: Services, provider_id: str | None) -> str:
    """The zone a deadline typed on the form is read in: the listing provider's first location's."""
    if provider_id:
        locations = services.catalog.listing(provider_id).listing.provider.locations
        if locations:
            return locations[0].time_zone
    return "UTC"


async def _page(request: Request, offer_id: str, found: FoundOffer | None, *, form: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status: int = 200) -> Response:
    services = _services(request)
    if found is None:
        _ = gettext_for(request)
        return render(request, "error.html", {"title": _("Offer not found"), "message": _(
            "This node knows no offer %(id)s: search for it first.") % {"id": offer_id}}, status=404)
    providers = _own_providers(services)
    origin = (found.view.get("provenance") or {}).get("origin") or {}
    return render(request, "pools/offer.html", {
        "origin_place": split_name(str(origin["place"])) if origin.get("place") else None,
        "harvest": date.fromisoformat(origin["harvest_date"]) if origin.get("harvest_date") else None,
        "found": found, "offer": found.offer, "view": found.view, "prov": found.view.get("provenance"),
        "currency": found.offer.tiers[0].unit_price.currency if found.offer.tiers else "",
        "providers": providers, "merchant": await merchant_user(request) is not None,
        "can_open": bool(providers) and found.seller_uri is not None,
        "zone": _zone(services, providers[0].provider_id) if providers else "UTC",
        "form": form or {}, "errors": errors or {},
    }, status=status)


async def offer_page(request: Request) -> Response:
    offer_id = request.path_params["offer_id"]
    return await _page(request, offer_id, _find(request, offer_id))


def _terms(found: FoundOffer, form: Any, zone: str, errors: dict[str, str], _: Any) -> dict[str, Any]:
    """The pool's terms from the form (its errors collected by field, in the visitor's language)."""
    deadline = None
    try:
        deadline = datetime.fromisoformat(str(form.get("deadline") or "")).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        errors["deadline"] = _("Choose the date and time the pool closes.")
    pickup = [p.strip() for p in str(form.get("pickup") or "").splitlines() if p.strip()]
    if not pickup:
        errors["pickup"] = _("Name at least one pickup or delivery point.")
    offer = {k: v for k, v in offer_out(found.offer).items() if k != "source"}
    doc: dict[str, Any] = {"offer": offer, "producer_id": found.seller_id, "provider_id": found.provider_id,
                           "deadline": deadline.isoformat() if deadline else "", "pickup_points": pickup}
    maximum = str(form.get("maximum") or "").strip()
    if maximum:
        doc["maximum"] = maximum
    return doc


def _term_errors(message: str, _: Any) -> dict[str, str]:
    """A refusal of the terms (``PoolError`` invalid_terms, or the terms' format) by form field."""
    out: dict[str, str] = {}
    if "deadline" in message:
        out["deadline"] = _("The deadline must be in the future.")
    if "maximum" in message:
        out["maximum"] = _("The maximum must be a number at least the minimum batch.")
    if "pickup" in message:
        out["pickup"] = _("Name at least one pickup or delivery point.")
    return out or {"deadline": _("These terms were refused; check the deadline and the maximum.")}


async def _open_signed(services: Services, found: FoundOffer, offer_id: str, terms: PoolTerms,
                       listed_under: str) -> Pool:
    """Open the pool embedding the producer's signed offer, as ``pool open --signed`` does: this
    node signs its own offer; another producer's is fetched from its node (the pool service's
    port) and verified before the pool embeds it."""
    assert services.pools is not None and found.seller_uri is not None
    if found.hosted_here and services.signed_offers is not None:
        try:
            signed = await run_in_threadpool(services.signed_offers.signed, found.provider_id, offer_id)
        except (NotFound, Conflict) as exc:  # unknown here, or an offer stating no origin
            raise OfferNotSigned(exc.message) from exc
        return await services.pools.open(terms, found.seller_uri, listed_under=listed_under, signed_offer=signed)
    return await services.pools.open_with_producer_offer(terms, found.seller_uri, found.provider_id, offer_id,
                                                         listed_under)


def _offer_error(exc: Exception, _: Any) -> str:
    """Why no pool was opened for want of the producer's signed offer, in the visitor's language."""
    if isinstance(exc, OfferUnreachable):
        return str(_("The producer's node did not answer, so its signed offer could not be fetched: "
                     "no pool was opened. Try again later."))
    if isinstance(exc, OfferNotSigned):
        return str(_("The producer does not sign this offer (it states no origin): no pool was opened."))
    return str(_("The producer's signed offer does not verify: no pool was opened."))


async def open_pool(request: Request) -> Response:
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    form = await csrf.checked_form(request)
    services = _services(request)
    offer_id = request.path_params["offer_id"]
    found = _find(request, offer_id, form)
    _ = gettext_for(request)
    providers = _own_providers(services)
    if found is None or services.pools is None or not providers or found.seller_uri is None:
        return await _page(request, offer_id, found, status=409, errors={
            "deadline": _("This node cannot open a pool: it hosts no provider to list it under.")})
    listed_under = str(form.get("listed_under") or providers[0].provider_id)
    errors: dict[str, str] = {}
    doc = _terms(found, form, _zone(services, listed_under), errors, _)
    values = {k: str(form.get(k) or "") for k in ("deadline", "pickup", "maximum")}
    if not errors:
        try:
            pool = await _open_signed(services, found, offer_id, terms_in(doc), listed_under)
        except ValidationFailed as exc:
            errors = _term_errors(" ".join(i.path for i in exc.issues), _)
        except PoolError as exc:
            errors = _term_errors(exc.message, _)
        except (OfferUnreachable, OfferNotSigned, Conflict) as exc:  # the producer's signed offer
            errors = {"producer": _offer_error(exc, _)}
        else:
            return RedirectResponse(f"/pools/{pool.id}", status_code=303)
    return await _page(request, offer_id, found, form=values, errors=errors, status=400)


routes: list[BaseRoute] = [
    Route("/offers/{offer_id}", offer_page, methods=["GET"]),
    Route("/offers/{offer_id}/pool", open_pool, methods=["POST"]),
]
