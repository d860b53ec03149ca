"""The node's ASGI application: Beckn endpoints, JSON API, JSON-LD and pages, on Starlette."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from duijie.api import (
    application_routes,
    beckn_routes,
    booking_routes,
    buyer_routes,
    catalog_routes,
    discovery_routes,
    merchant_routes,
    openapi,
    pool_routes,
    provenance_routes,
    registry_routes,
)
from duijie.api.errors import HANDLERS
from duijie.api.route_groups import grouped
from duijie.services.container import Services, running
from duijie.web import errors as web_errors
from duijie.web import routes as web_routes

log = logging.getLogger("duijie.api")

ROUTE_GROUPS = ("/api", "/merchant")
"""Path prefixes whose routes are tried as one group each (see :mod:`duijie.api.route_groups`)."""


class NodeApp(Starlette):
    """Starlette, with ``POST /beckn/{action}`` taken straight to its endpoint.

    Node-to-node messages are nearly all of a node's requests; the middleware stack and router
    in front of them cost a tenth of an ACK. The endpoint answers its own errors, so nothing is
    lost by skipping the exception middleware. A fresh cached listing (``GET /api/providers/{id}``)
    is answered the same way; every other request goes the usual way.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if beckn_routes.beckn_path_action(scope) is not None:
            scope["app"] = self
            await beckn_routes.beckn_endpoint(scope, receive, send)
            return
        if await catalog_routes.send_cached_listing(self.state.services, scope, send):
            return  # the hot catalog read, answered from memory (see send_cached_listing)
        await super().__call__(scope, receive, send)


def create_app(services: Services) -> Starlette:
    """Build the app for one node; background loops run for the app's lifetime."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with running(services):
            yield

    routes = [
        *beckn_routes.routes,
        *catalog_routes.routes,
        *registry_routes.routes,
        *merchant_routes.routes,
        *buyer_routes.routes,
        *pool_routes.routes,
        *provenance_routes.routes,
        *booking_routes.routes,
        *application_routes.routes,
        *discovery_routes.routes,
        *openapi.routes,
        *web_routes.routes,
    ]
    # A browser asking for a page gets the error as a page; API and Beckn callers get JSON.
    handlers = {**{kind: web_errors.for_people(api) for kind, api in HANDLERS.items()}, **web_errors.HANDLERS}
    app = NodeApp(routes=grouped(routes, ROUTE_GROUPS), exception_handlers=handlers, lifespan=lifespan)
    app.state.services = services
    return app
