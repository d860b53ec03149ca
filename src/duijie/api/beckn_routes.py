"""``POST /beckn/{action}``: the Beckn endpoints. All checking happens in the inbound pipeline.

The endpoint is a plain ASGI callable: it reads the body and headers from the ASGI messages
and writes the JSON reply itself. Every message between nodes comes through here, and Starlette's
request and response objects cost more CPU than the rest of answering an ACK except the
signature and schema checks. :func:`beckn_path_action` lets the app send these requests
straight here, ahead of its middleware and router (see ``api/app.py``).
"""

from __future__ import annotations

import logging

from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from duijie.api.responses import INTERNAL_ERROR, error_body, json_bytes
from duijie.protocol.errors import BecknErrorCode, nack_body
from duijie.services.container import Services

MAX_BODY_BYTES = 1_000_000
PREFIX = "/beckn/"

log = logging.getLogger("duijie.api")


def beckn_path_action(scope: Scope) -> str | None:
    """The ``{action}`` of a ``POST /beckn/{action}`` request, else None."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    path: str = scope["path"]
    if not path.startswith(PREFIX):
        return None
    action = path[len(PREFIX):]
    return action if action and "/" not in action else None


async def _read_capped(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The body, or None once it grows past ``limit`` (so a huge upload is never held whole)."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _reply(send: Send, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def beckn_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer one Beckn request: ACK, NACK, 401, 413 or 503 as the inbound pipeline decides."""
    services: Services = scope["app"].state.services
    assert services.beckn is not None
    action = scope.get("path_params", {}).get("action") or beckn_path_action(scope) or ""
    body = await _read_capped(scope, receive, MAX_BODY_BYTES)
    if body is None:
        nack = nack_body(BecknErrorCode.INVALID_REQUEST, f"body exceeds {MAX_BODY_BYTES} bytes")
        await _reply(send, 413, json_bytes(nack))
        return
    # ASGI header names are lower-case bytes; latin-1 is HTTP's own header encoding.
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    try:
        reply = await services.beckn.receive(body, headers, action)
    except Exception:  # noqa: BLE001 - answered like every other endpoint's unexpected error
        log.exception("unhandled error on POST %s", scope["path"])
        await _reply(send, 500, json_bytes(error_body(*INTERNAL_ERROR)))
        return
    await _reply(send, reply.status, json_bytes(reply.body), reply.headers)


class _AsgiEndpoint:
    """Starlette runs a Route's endpoint as raw ASGI only when it is not a function."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await beckn_endpoint(scope, receive, send)


# Kept as a route too, so the router answers other methods with 405 and lists the endpoint.
routes = [Route("/beckn/{action}", _AsgiEndpoint(), methods=["POST"])]
