"""Read endpoints of the listings a node hosts: JSON API, open-at, schema.org JSON-LD."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Scope, Send

from duijie.api.params import In, Kind, Param, Spec
from duijie.api.responses import json_response
from duijie.api.spec_routes import ApiRoute, Args, DescribedRoute
from duijie.interchange.jsonld import listing_to_jsonld
from duijie.services.container import Services


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def healthz(request: Request) -> Response:
    s = _services(request)
    body: dict[str, object] = {"status": "ok", "subscriber_id": s.identity.subscriber_id}
    journal = s.beckn.journal_stats() if s.beckn is not None else None
    if journal is not None:
        body["journal"] = journal
    if s.outbox is not None:
        # Messages peers refused (NACK, 409, 401...) or that expired undelivered show here.
        body["outbox"] = await s.outbox.counts()
    return json_response(body)


def list_providers(request: Request) -> Response:
    summaries = _services(request).catalog.providers()
    return json_response(
        {
            "providers": [
                {
                    "id": s.provider_id,
                    "version": s.version,
                    "digest": s.digest,
                    "updated_at": s.updated_at.isoformat(),
                    "href": f"/api/providers/{s.provider_id}",
                }
                for s in summaries
            ]
        }
    )


_PROVIDER_PATH = "/api/providers/"


async def send_cached_listing(services: Services, scope: Scope, send: Send) -> bool:
    """Answer ``GET /api/providers/{id}`` from the cached view, before the middleware and router.

    The busiest read a node serves; the stack in front of it cost more than the answer (bench/catalog_read.py).
    Only a request the full route would answer the same way is taken: a GET with a well-formed id
    whose view was checked within the second. Anything else (a stale or unknown id, a bad one, HEAD)
    returns False having sent nothing, and goes the usual way through :func:`get_provider`.
    """
    if scope["type"] != "http" or scope["method"] != "GET" or scope.get("root_path"):
        return False
    path: str = scope["path"]
    if not path.startswith(_PROVIDER_PATH):
        return False
    provider_id = path[len(_PROVIDER_PATH):]
    if not provider_id or "/" in provider_id or len(provider_id) > PROVIDER_ID.max_length:
        return False
    body = services.catalog.cached_view(provider_id)
    if body is None:
        return False
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
    return True


async def get_provider(request: Request, args: Args) -> Response:
    catalog = _services(request).catalog
    provider_id = args["provider_id"]
    # The hot path: served from memory without a thread hop; the database is consulted (in a
    # worker thread) only when the cached copy is older than a second.
    body = catalog.cached_view(provider_id)
    if body is None:
        body = await run_in_threadpool(catalog.listing_view, provider_id)
    return Response(body, media_type="application/json")


def open_at(request: Request, args: Args) -> Response:
    services = _services(request)
    at = args["at"] or services.clock.now()
    provider_id = args["provider_id"]
    locations = services.catalog.open_status(provider_id, at)
    return json_response({"provider_id": provider_id, "at": at.isoformat(), "locations": locations})


def jsonld(request: Request, args: Args) -> Response:
    stored = _services(request).catalog.listing(args["provider_id"])
    resp = json_response(listing_to_jsonld(stored.listing))
    resp.headers["content-type"] = "application/ld+json"
    return resp


PROVIDER_ID = Param("provider_id", where=In.PATH, required=True, max_length=200,
                    description="The provider's id, e.g. chuanshan")
HEALTHZ = Spec("Liveness, this node's subscriber_id and its journal backlog", tag="node")
PROVIDERS = Spec("The providers this node hosts, each with its version and digest")
PROVIDER = Spec("One provider's listing (the duijie.listing/1 document)", params=(PROVIDER_ID,))
OPEN_AT = Spec(
    "Whether each location is open at an instant, and when that next changes (local time)",
    params=(PROVIDER_ID, Param("at", Kind.INSTANT, description="ISO 8601 with a UTC offset; default now")),
)
JSONLD = Spec("The listing as schema.org JSON-LD", params=(PROVIDER_ID,), media_type="application/ld+json")

routes: list[BaseRoute] = [
    DescribedRoute("/healthz", healthz, HEALTHZ),
    DescribedRoute("/api/providers", list_providers, PROVIDERS),
    ApiRoute("/api/providers/{provider_id}", get_provider, PROVIDER),
    ApiRoute("/api/providers/{provider_id}/open", open_at, OPEN_AT),
    ApiRoute("/providers/{provider_id}.jsonld", jsonld, JSONLD),
]
