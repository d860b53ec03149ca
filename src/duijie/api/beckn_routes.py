"""``POST /beckn/{action}``: the Beckn endpoints. All checking happens in the inbound pipeline."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from duijie.api.responses import json_response
from duijie.protocol.errors import BecknErrorCode, nack_body
from duijie.services.container import Services

MAX_BODY_BYTES = 1_000_000


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None once it grows past ``limit`` (so a huge upload is never held whole)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def beckn_action(request: Request) -> Response:
    services: Services = request.app.state.services
    assert services.beckn is not None
    body = await _read_capped(request, MAX_BODY_BYTES)
    if body is None:
        return json_response(
            nack_body(BecknErrorCode.INVALID_REQUEST, f"body exceeds {MAX_BODY_BYTES} bytes"), status=413
        )
    reply = await services.beckn.receive(body, dict(request.headers), request.path_params["action"])
    return json_response(reply.body, status=reply.status, headers=reply.headers)


routes = [Route("/beckn/{action}", beckn_action, methods=["POST"])]
