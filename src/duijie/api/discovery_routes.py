"""Discovery endpoints: peer exchange (``/peers/...``), local search and the peer admin API.

Peers call ``/peers/records``, ``/peers/catalogs/{provider_id}`` and ``/peers/self`` with GET
(query parameters) or POST (a JSON object of the same parameters; the node's transport only
POSTs). Each client IP gets a token bucket on ``/peers/*``; one that calls too fast gets 429.
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from duijie.api.auth import require_admin
from duijie.api.responses import error_response, json_response
from duijie.services.container import Services
from duijie.services.errors import NotFound


class TokenBucket:
    """Per-key token buckets: ``rate`` tokens a second, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float, max_keys: int = 10_000) -> None:
        self.rate, self.burst, self._max = rate, burst, max_keys
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._state) > self._max:
                self._state.clear()  # bounded memory under an address sweep
            tokens, last = self._state.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                self._state[key] = (tokens, now)
                return False
            self._state[key] = (tokens - 1, now)
            return True


def _bucket(request: Request) -> TokenBucket:
    state = request.app.state
    if not hasattr(state, "peer_bucket"):
        rate = float(os.environ.get("DUIJIE_PEER_RATE", "50"))
        state.peer_bucket = TokenBucket(rate, burst=max(rate * 2, 10))
    bucket: TokenBucket = state.peer_bucket
    return bucket


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _params(request: Request) -> dict[str, Any] | Response:
    """Query parameters, overlaid by a JSON object body on POST; or the 429/404 to send."""
    if _services(request).discovery is None:
        return error_response(404, "not_found", "discovery is not enabled on this node")
    client = request.client.host if request.client else "unknown"
    if not _bucket(request).allow(client):
        limited = error_response(429, "rate_limited", "too many peer requests; slow down")
        limited.headers["Retry-After"] = "1"
        return limited
    params: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        raw = await request.body()
        if len(raw) > 10_000:
            return error_response(413, "too_large", "peer request body too large")
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                return error_response(400, "bad_request", "body must be a JSON object")
            if not isinstance(body, dict):
                return error_response(400, "bad_request", "body must be a JSON object")
            params.update({k: v for k, v in body.items() if v is not None})
    return params


async def peer_records(request: Request) -> Response:
    params = await _params(request)
    if isinstance(params, Response):
        return params
    try:
        limit = int(params.get("limit", 100))
    except (TypeError, ValueError):
        return error_response(400, "bad_request", "limit must be an integer", field="limit")
    since = params.get("since")
    store = _services(request).discovery.store
    caller = params.get("from")
    page = await anyio.to_thread.run_sync(store.records_page, None if since is None else str(since), limit,
                                          caller if isinstance(caller, str) else None)
    return json_response(page)


async def peer_self(request: Request) -> Response:
    params = await _params(request)
    if isinstance(params, Response):
        return params
    return json_response(await anyio.to_thread.run_sync(_services(request).discovery.store.own_record))


async def peer_catalog(request: Request) -> Response:
    params = await _params(request)
    if isinstance(params, Response):
        return params
    exchange = _services(request).discovery
    provider_id = request.path_params["provider_id"]
    owner = params.get("subscriber_id")
    if owner in (None, "", exchange.store.own.subscriber_id):
        signed = await anyio.to_thread.run_sync(exchange.store.sign_catalog, provider_id)
        return json_response(signed.to_dict())
    held = await anyio.to_thread.run_sync(exchange.held_catalog, str(owner), provider_id)
    if held is None:
        raise NotFound(f"no catalog {provider_id!r} of {owner!r} here", field="provider_id")
    return json_response(held)


def _query(request: Request) -> dict[str, Any] | Response:
    q = request.query_params
    criteria: dict[str, Any] = {"text": q.get("q") or None, "limit": int(q.get("limit", "20"))}
    try:
        if q.get("near"):
            lat, lon = (float(x) for x in q["near"].split(","))
            criteria["near"] = (lat, lon)
        if q.get("within"):
            criteria["within_km"] = float(q["within"])
        if q.get("open_at"):
            at = datetime.fromisoformat(q["open_at"].replace("Z", "+00:00").replace(" ", "+"))
            if at.tzinfo is None:
                return error_response(400, "bad_request", "open_at needs a UTC offset", field="open_at")
            criteria["open_at"] = at
        for name in ("min_price", "max_price"):
            if q.get(name):
                criteria[name] = Decimal(q[name])
    except (ValueError, InvalidOperation) as exc:
        return error_response(400, "bad_request", f"bad search parameter: {exc}")
    if q.get("category"):
        criteria["category"] = q["category"]
    if q.get("diet"):
        criteria["diet"] = tuple(q["diet"].split(","))
    if q.get("kind"):
        criteria["kinds"] = tuple(q["kind"].split(","))
    return criteria


async def search(request: Request) -> Response:
    """``GET /api/search?q=&near=LAT,LON&within=KM&open_at=ISO&category=&kind=&diet=`` on the local index."""
    local = _services(request).search
    if local is None:
        return error_response(404, "not_found", "this node keeps no local index (not a buyer node)")
    criteria = _query(request)
    if isinstance(criteria, Response):
        return criteria
    try:
        results = await anyio.to_thread.run_sync(lambda: local.search(**criteria))
    except ValueError as exc:
        return error_response(400, "bad_request", str(exc))
    return json_response({"query": request.query_params.get("q"), "results": results})


async def admin_peers(request: Request) -> Response:
    """``GET /api/peers``: peers and verified records; ``POST {"url": ...}`` adds a peer."""
    require_admin(request)
    exchange = _services(request).discovery
    if exchange is None:
        return error_response(404, "not_found", "discovery is not enabled on this node")
    if request.method == "POST":
        body = json.loads(await request.body() or b"{}")
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return error_response(400, "bad_request", "url: give an http(s) URL", field="url")
        await anyio.to_thread.run_sync(exchange.add_peers, [url])
    return json_response(await anyio.to_thread.run_sync(exchange.describe))


routes: list[BaseRoute] = [
    Route("/peers/records", peer_records, methods=["GET", "POST"]),
    Route("/peers/self", peer_self, methods=["GET", "POST"]),
    Route("/peers/catalogs/{provider_id}", peer_catalog, methods=["GET", "POST"]),
    Route("/api/search", search, methods=["GET"]),
    Route("/api/peers", admin_peers, methods=["GET", "POST"]),
]
