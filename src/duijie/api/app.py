"""The node's ASGI application: Beckn endpoints, JSON API and JSON-LD, on Starlette."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette

from duijie.api import (
    beckn_routes,
    buyer_routes,
    catalog_routes,
    discovery_routes,
    merchant_routes,
    registry_routes,
)
from duijie.api.errors import HANDLERS
from duijie.services.container import Services

log = logging.getLogger("duijie.api")


def create_app(services: Services) -> Starlette:
    """Build the app for one node; background loops run for the app's lifetime."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tasks: list[asyncio.Task[None]] = [
            asyncio.create_task(job(), name=getattr(job, "__name__", "job")) for job in services.background
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            for close in services.shutdown:
                with contextlib.suppress(Exception):
                    await close()

    routes = [
        *beckn_routes.routes,  # first: the router tries routes in order, and these take the traffic
        *catalog_routes.routes,
        *registry_routes.routes,
        *merchant_routes.routes,
        *buyer_routes.routes,
        *discovery_routes.routes,
    ]
    app = Starlette(routes=routes, exception_handlers=HANDLERS, lifespan=lifespan)
    app.state.services = services
    return app
