"""``/merchant/pools``: the organizer's pools with their progress (live), and the producer's pooled
demand per offer across every organizer's open pools (what ``duijie demand`` shows).

The demand is read the way ``duijie demand`` reads it (docs/POOLS.md §2): one signed ``search``
for the category ``pool`` to the gateways this node knows (else the sellers it knows), summing
the open pools whose ``duijie.pool`` tags name this node as producer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from duijie.services.container import Services
from duijie.services.trade.pool.demand import pooled_demand
from duijie.web.access import require_merchant
from duijie.web.pool_shown import PoolShown, from_stored
from duijie.web.templating import render

DEMAND_WAIT = 2.0
"""Seconds the demand search waits for the organizers (it stops once every known seller answered)."""


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _pools(services: Services) -> list[PoolShown]:
    return [from_stored(p) for p in await services.pools.list()] if services.pools is not None else []


def _offers(services: Services) -> list[Any]:
    """The producer offers this node publishes (any provider it hosts)."""
    return [o for s in services.catalog.providers() for o in services.catalog.listing(s.provider_id).listing.offers]


async def _demand(services: Services) -> tuple[list[dict[str, Any]], list[str]]:
    """(pooled demand per offer, the organizers or gateways asked)."""
    if services.buyer is None or services.live_search is None:
        return [], []
    gateways, sellers = services.live_search.targets()
    asked = gateways or sellers
    if not asked:
        return [], []
    found, _failed = await services.buyer.search_network(
        {"category": {"id": "pool"}}, [t.url for t in asked], wait=DEMAND_WAIT,
        expect={t.subscriber_id for t in sellers})
    answers = [{"bpp_id": cb.bpp_id, "bpp_uri": cb.document["context"].get("bpp_uri"),
                "catalog": (cb.document.get("message") or {}).get("catalog")} for cb in found]
    return pooled_demand(answers, services.identity.subscriber_id), [t.subscriber_id for t in asked]


async def pools_page(request: Request) -> Response:
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    services = _services(request)
    offers = _offers(services)
    demand, asked = await _demand(services) if offers else ([], [])
    by_offer = {d["offer_id"]: d for d in demand}
    total = sum((Decimal(d["pledged"]) for d in demand), Decimal(0))
    return render(request, "pools/merchant.html", {
        "user": user, "pools": await _pools(services), "organizes": services.pools is not None,
        "offers": offers, "demand": by_offer, "asked": asked, "total": total, "now": services.clock.now(),
    })


async def pools_live(request: Request) -> Response:
    """The live part: the pools organized here and their progress."""
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    services = _services(request)
    return render(request, "pools/merchant_live.html", {"pools": await _pools(services),
                                                         "organizes": services.pools is not None})


routes: list[BaseRoute] = [
    Route("/merchant/pools", pools_page, methods=["GET"]),
    Route("/merchant/pools/live", pools_live, methods=["GET"]),
]
