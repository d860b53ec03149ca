"""Read endpoints of the listings a node hosts: JSON API, open-at, schema.org JSON-LD."""

from __future__ import annotations

from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from duijie.api.responses import error_response, json_response
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


async def get_provider(request: Request) -> Response:
    catalog = _services(request).catalog
    provider_id = request.path_params["provider_id"]
    # The hot path: served from memory without a thread hop; the database is consulted (in a
    # worker thread) only when the cached copy is older than a second.
    body = catalog.cached_view(provider_id)
    if body is None:
        body = await run_in_threadpool(catalog.listing_view, provider_id)
    return Response(body, media_type="application/json")


def open_at(request: Request) -> Response:
    raw = request.query_params.get("at")
    services = _services(request)
    if raw is None:
        at = services.clock.now()
    else:
        try:
            at = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
        except ValueError:
            return error_response(400, "bad_request", f"at: not an ISO 8601 time: {raw!r}", field="at")
        if at.tzinfo is None:
            return error_response(
                400, "bad_request", "at: give a UTC offset (e.g. 2026-11-27T22:30-05:00)", field="at"
            )
    provider_id = request.path_params["provider_id"]
    locations = services.catalog.open_status(provider_id, at)
    return json_response({"provider_id": provider_id, "at": at.isoformat(), "locations": locations})


def jsonld(request: Request) -> Response:
    stored = _services(request).catalog.listing(request.path_params["provider_id"])
    resp = json_response(listing_to_jsonld(stored.listing))
    resp.headers["content-type"] = "application/ld+json"
    return resp


routes = [
    Route("/healthz", healthz),
    Route("/api/providers", list_providers),
    Route("/api/providers/{provider_id}", get_provider),
    Route("/api/providers/{provider_id}/open", open_at),
    Route("/providers/{provider_id}.jsonld", jsonld),
]
