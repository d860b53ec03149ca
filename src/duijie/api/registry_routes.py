"""``POST /registry/lookup``: this node answers for itself and the verified keys it knows."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from duijie.api.params import Body, Spec
from duijie.api.responses import json_response
from duijie.api.spec_routes import ApiRoute, Args
from duijie.services.container import Services


async def lookup(request: Request, args: Args) -> Response:
    services: Services = request.app.state.services
    assert services.registry is not None and args.body is not None
    records = await services.registry.lookup(args.body)
    return json_response(records)


_FILTER_TEXT = {"type": "string", "maxLength": 256}
LOOKUP = Spec(
    "This node's keys as Beckn 1.1.1 Subscription records, filtered", tag="registry",
    body=Body(
        {
            "type": "object",
            "properties": {
                name: _FILTER_TEXT
                for name in ("subscriber_id", "key_id", "ukId", "unique_key_id", "type", "domain", "city", "country")
            },
        },
        "A Subscription filter (Beckn registry lookup); every field optional",
        max_bytes=64_000,
    ),
)

routes: list[BaseRoute] = [ApiRoute("/registry/lookup", lookup, LOOKUP, methods=["POST"])]
