"""Every page route of the node, and the static files they use (one line per page module)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from duijie.web import (
    booking_pages,
    booking_status,
    job_pages,
    lang_routes,
    listing_pages,
    merchant_applications,
    merchant_bookings,
    merchant_pages,
    merchant_pools,
    mine_pages,
    offer_pages,
    order_pages,
    pool_pages,
    pool_pledges,
    provider_pages,
    search_pages,
    session_routes,
)

routes: list[BaseRoute] = [
    Mount("/static", StaticFiles(packages=[("duijie.web", "static")]), name="static"),
    *lang_routes.routes,
    *search_pages.routes,
    *provider_pages.routes,
    *order_pages.routes,
    *session_routes.routes,
    *merchant_pages.routes,
    *listing_pages.routes,
    *booking_pages.routes,
    *booking_status.routes,
    *job_pages.routes,
    *merchant_bookings.routes,
    *merchant_applications.routes,
    *pool_pages.routes,
    *pool_pledges.routes,
    *offer_pages.routes,
    *mine_pages.routes,
    *merchant_pools.routes,
]
