"""The producer's signed offers (源头直供): ``GET /api/providers/{provider_id}/offers/{offer_id}/signed``.

Public, like the listing itself: the offer with its origin, signed by this node now
(``duijie.offer/1``, see docs/POOLS.md), for an organizer opening a pool against it or anyone
relisting it. An unknown offer is 404; an offer that states no origin is 409.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from duijie.api.params import In, Param, Spec
from duijie.api.responses import json_response
from duijie.api.spec_routes import ApiRoute, Args
from duijie.services.container import Services
from duijie.services.errors import NotFound


async def signed_offer(request: Request, args: Args) -> Response:
    services: Services = request.app.state.services
    if services.signed_offers is None:
        raise NotFound("this node signs no offers (it does not host providers)")
    doc = await run_in_threadpool(services.signed_offers.signed, args["provider_id"], args["offer_id"])
    return json_response(doc)


SIGNED_OFFER = Spec(
    "A producer offer with its origin, signed by this node (duijie.offer/1), to relist or pool against",
    params=(Param("provider_id", where=In.PATH, required=True, max_length=200, description="The provider's id"),
            Param("offer_id", where=In.PATH, required=True, max_length=200, description="The offer's id, e.g. apples")),
)

routes: list[BaseRoute] = [
    ApiRoute("/api/providers/{provider_id}/offers/{offer_id}/signed", signed_offer, SIGNED_OFFER),
]
