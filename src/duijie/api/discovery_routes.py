"""Discovery endpoints: peer exchange (``/peers/...``), local search and the peer admin API.

Peers call ``/peers/records``, ``/peers/catalogs/{provider_id}`` and ``/peers/self`` with GET
(query parameters) or POST (a JSON object of the same parameters; the node's transport only
POSTs). Each client IP gets a token bucket on ``/peers/*``; one that calls too fast gets 429.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from duijie.api.auth import require_admin
from duijie.api.params import MAX_CURSOR, BadInput, Body, In, Kind, Param, Spec
from duijie.api.responses import error_response, json_response
from duijie.api.spec_routes import ApiRoute, Args
from duijie.domain.catalog import DietTag
from duijie.services.container import Services
from duijie.services.errors import NotFound
from duijie.services.peer_exchange import PeerExchange


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
        rate = _services(request).peer_rate
        state.peer_bucket = TokenBucket(rate, burst=max(rate * 2, 10))
    bucket: TokenBucket = state.peer_bucket
    return bucket


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _exchange(request: Request) -> PeerExchange:
    """The peer exchange, for a route :func:`_gate` let through (discovery is on)."""
    exchange = _services(request).discovery
    assert exchange is not None
    return exchange


def _gate(request: Request) -> Response | None:
    """The 404 (discovery off) or 429 (this client calls too fast) to send instead, if any."""
    if _services(request).discovery is None:
        return error_response(404, "not_found", "discovery is not enabled on this node")
    client = request.client.host if request.client else "unknown"
    if not _bucket(request).allow(client):
        limited = error_response(429, "rate_limited", "too many peer requests; slow down")
        limited.headers["Retry-After"] = "1"
        return limited
    return None


def _merged(args: Args) -> dict[str, Any]:
    """Query parameters, overlaid by the POSTed object's (both already checked against the spec)."""
    params = {k: v for k, v in args.params.items() if v is not None}
    params.update({k: v for k, v in (args.body or {}).items() if v is not None})
    return params


async def peer_records(request: Request, args: Args) -> Response:
    refused = _gate(request)
    if refused is not None:
        return refused
    params = _merged(args)
    since = params.get("since")
    store = _exchange(request).store
    page = await asyncio.to_thread(store.records_page, None if since is None else str(since),
                                          int(params.get("limit", 100)), params.get("from"))
    return json_response(page)


async def peer_self(request: Request, args: Args) -> Response:
    refused = _gate(request)
    if refused is not None:
        return refused
    return json_response(await asyncio.to_thread(_exchange(request).store.own_record))


async def peer_catalog(request: Request, args: Args) -> Response:
    refused = _gate(request)
    if refused is not None:
        return refused
    exchange = _exchange(request)
    provider_id = args["provider_id"]
    owner = _merged(args).get("subscriber_id")
    if owner in (None, "", exchange.store.own.subscriber_id):
        signed = await asyncio.to_thread(exchange.store.sign_catalog, provider_id)
        return json_response(signed.to_dict())
    held = await asyncio.to_thread(exchange.held_catalog, str(owner), provider_id)
    if held is None:
        raise NotFound(f"no catalog {provider_id!r} of {owner!r} here", field="provider_id")
    return json_response(held)


_CRITERIA = {"q": "text", "limit": "limit", "near": "near", "within": "within_km", "open_at": "open_at",
             "min_price": "min_price", "max_price": "max_price", "category": "category", "diet": "diet",
             "kind": "kinds"}


async def search(request: Request, args: Args) -> Response:
    """``GET /api/search?q=&near=LAT,LON&within=KM&open_at=ISO&category=&kind=&diet=`` on the local index;
    with ``live=1`` (or ``auto``: when the node knows a gateway or seller) the network is asked too."""
    criteria = {_CRITERIA[k]: v for k, v in args.params.items() if k in _CRITERIA and v not in (None, ())}
    finder = _services(request).live_search
    if finder is not None:  # a buyer node: one merge (sellers interleaved), with or without the network
        live = {"0": False, "1": True}.get(args["live"])
        return json_response(await finder.search(criteria, live=live, wait=float(args["wait"])))
    if args["live"] == "1":
        return error_response(404, "not_found", "live search needs the buyer role (BAP) on this node")
    local = _services(request).search
    if local is None:
        return error_response(404, "not_found", "this node keeps no local index (not a buyer node)")
    try:
        results = await asyncio.to_thread(lambda: local.search(**criteria))
    except ValueError as exc:
        return error_response(400, "bad_request", str(exc))
    return json_response({"query": args["q"], "results": results})


async def admin_peers(request: Request, args: Args) -> Response:
    """``GET /api/peers``: peers and verified records; ``POST {"url": ...}`` adds a peer."""
    require_admin(request)
    exchange = _services(request).discovery
    if exchange is None:
        return error_response(404, "not_found", "discovery is not enabled on this node")
    if request.method == "POST":
        if args.body is None or "url" not in args.body:
            raise BadInput("$.url", "give an http(s) URL")
        await asyncio.to_thread(exchange.add_peers, [args.body["url"]])
    return json_response(await asyncio.to_thread(exchange.describe))


_URL_PATTERN = "^https?://[^\\s]+$"
_URL: dict[str, Any] = {"type": "string", "maxLength": 300, "pattern": _URL_PATTERN}
_CURSOR = {"type": ["string", "integer"], "pattern": "^[0-9]{1,18}$", "minimum": 0, "maximum": MAX_CURSOR}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return {**schema, "type": [*kinds, "null"]}


def _peer_body(**properties: dict[str, Any]) -> Body:
    # A peer POSTs the query's parameters as a JSON object (null for an absent one).
    schema = {"type": "object", "properties": {k: _nullable(v) for k, v in properties.items()}}
    return Body(schema, "The same parameters as the query string, as a JSON object", max_bytes=10_000)


_PEER_LIMIT = {"type": "integer", "minimum": 1, "maximum": 1000}
_SUBSCRIBER = {"type": "string", "maxLength": 256}
_PEERS = "peers"
PEER_RECORDS = Spec(
    "Verified node records changed after a cursor (the peer exchange)", tag=_PEERS,
    params=(
        Param("since", Kind.CURSOR, minimum=0, maximum=MAX_CURSOR, max_length=18,
              description="Cursor from the previous page's next"),
        Param("limit", Kind.INTEGER, minimum=1, maximum=1000, default=100,
              description="Records per page (pages hold at most 200)"),
        Param("from", max_length=300, pattern=_URL_PATTERN, description="The asking node's base URL"),
    ),
    body=_peer_body(since=_CURSOR, limit=_PEER_LIMIT, **{"from": _URL}),
    responses={429: "Too many peer requests from this address"},
)
PEER_SELF = Spec("This node's own signed record", tag=_PEERS, body=_peer_body(),
                 responses={429: "Too many peer requests from this address"})
PEER_CATALOG = Spec(
    "A merchant-signed catalog this node hosts (or holds for subscriber_id)", tag=_PEERS,
    params=(Param("provider_id", where=In.PATH, required=True, max_length=200),
            Param("subscriber_id", max_length=256, description="Whose catalog; default this node's")),
    body=_peer_body(subscriber_id=_SUBSCRIBER),
    responses={429: "Too many peer requests from this address"},
)
KINDS = ("provider", "item", "resource", "job", "offer")
SEARCH = Spec(
    "Search the catalogs this buyer node has indexed (Chinese or English)", tag="search",
    params=(
        Param("q", max_length=200, description="Free text"),
        Param("limit", Kind.INTEGER, minimum=1, maximum=200, default=20),
        Param("near", Kind.POINT, max_length=60, description="LAT,LON in degrees"),
        Param("within", Kind.NUMBER, minimum=0.001, maximum=20_000, max_length=32, description="Radius in km"),
        Param("open_at", Kind.INSTANT, max_length=64, description="Only places open then (ISO 8601 with offset)"),
        Param("min_price", Kind.DECIMAL, minimum=0, maximum=1e12, max_length=32),
        Param("max_price", Kind.DECIMAL, minimum=0, maximum=1e12, max_length=32),
        Param("category", max_length=100),
        Param("diet", Kind.LIST, choices=tuple(DietTag), max_items=len(DietTag), max_length=400,
              description="Comma-separated diet tags, all required"),
        Param("kind", Kind.LIST, choices=KINDS, max_items=len(KINDS), max_length=200,
              description="Comma-separated document kinds"),
        Param("live", choices=("0", "1", "auto"), max_length=4, default="0",
              description="1: also ask the network now (gateways, else known sellers) and merge the answers, each "
                          "result marked live or indexed; auto: only when the node knows a gateway or seller"),
        Param("wait", Kind.NUMBER, minimum=0, maximum=10, max_length=16, default=2.0,
              description="With live: seconds to wait for answers"),
    ),
)
ADMIN_PEERS = Spec(
    "Peers polled and verified records held; POST adds a peer", tag=_PEERS, admin=True,
    body=Body({"type": "object", "required": ["url"], "properties": {"url": _URL}}, "The peer's base URL",
              max_bytes=4_000),
)

routes: list[BaseRoute] = [
    ApiRoute("/peers/records", peer_records, PEER_RECORDS, methods=["GET", "POST"]),
    ApiRoute("/peers/self", peer_self, PEER_SELF, methods=["GET", "POST"]),
    ApiRoute("/peers/catalogs/{provider_id}", peer_catalog, PEER_CATALOG, methods=["GET", "POST"]),
    ApiRoute("/api/search", search, SEARCH),
    ApiRoute("/api/peers", admin_peers, ADMIN_PEERS, methods=["GET", "POST"]),
]
