"""``POST /registry/lookup``: this node answers for itself and the verified keys it knows."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from duijie.api.responses import error_response, json_response
from duijie.services.container import Services


async def lookup(request: Request) -> Response:
    services: Services = request.app.state.services
    raw = await request.body()
    if len(raw) > 64_000:
        return error_response(413, "too_large", "lookup body too large")
    try:
        query: Any = json.loads(raw or b"{}")
    except ValueError:
        return error_response(400, "bad_request", "body is not JSON")
    if not isinstance(query, dict):
        return error_response(400, "bad_request", "body must be a JSON object (a Subscription filter)")
    assert services.registry is not None
    records = await services.registry.lookup(query)
    return json_response(records)


routes = [Route("/registry/lookup", lookup, methods=["POST"])]
