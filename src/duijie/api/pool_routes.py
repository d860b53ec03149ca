"""云拼 pools as JSON: the organizer's pools (open, read, cancel), a buyer's pledges into pools on
other nodes (pledge, change, withdraw), and the producer's live pooled demand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from duijie.api.auth import require_admin
from duijie.api.params import Body, In, Kind, Param, Spec
from duijie.api.responses import json_response
from duijie.api.spec_routes import ApiRoute, Args
from duijie.domain.pools import PoolState
from duijie.interchange.pool_json import decimal_in, pool_view, terms_in, terms_out
from duijie.services.container import Services
from duijie.services.errors import NotFound
from duijie.services.trade.pool.buying import PledgeOrder, pledge_items
from duijie.services.trade.pool.demand import pooled_demand
from duijie.services.trade.pool.pools import PoolService


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _pools(services: Services) -> PoolService:
    if services.pools is None:
        raise NotFound("this node organizes no pools")
    return services.pools


def _buyer(request: Request) -> Any:
    require_admin(request)
    buyer = _services(request).buyer
    if buyer is None:
        raise NotFound("this node does not run the buyer role")
    return buyer


async def list_pools(request: Request, args: Args) -> Response:
    services = _services(request)
    states = tuple(PoolState(s.upper()) for s in args["state"] or ())
    now = services.clock.now()
    return json_response({"pools": [pool_view(p, now) for p in await _pools(services).list(states)]})


async def get_pool(request: Request, args: Args) -> Response:
    services = _services(request)
    return json_response({"pool": pool_view(await _pools(services).get(args["pool_id"]), services.clock.now())})


async def open_pool(request: Request, args: Args) -> Response:
    require_admin(request)
    services = _services(request)
    body = args.body or {}
    pool = await _pools(services).open(terms_in(body.get("terms"), "$.terms"), body["producer_uri"],
                                     body.get("pool_id"), body.get("listed_under"), body.get("signed_offer"))
    stored = await _pools(services).get(pool.id)
    return json_response({"pool": pool_view(stored, services.clock.now())}, status=201)


async def cancel_pool(request: Request, args: Args) -> Response:
    require_admin(request)
    services = _services(request)
    await _pools(services).cancel(args["pool_id"])
    return json_response({"pool": pool_view(await _pools(services).get(args["pool_id"]), services.clock.now())})


async def amend_pool(request: Request, args: Args) -> Response:
    """New terms, each field replacing the old one: in effect at once before the first pledge (200),
    else proposed to every pledger over Beckn (202) and in effect once all accepted."""
    require_admin(request)
    services = _services(request)
    body = args.body or {}
    current = await _pools(services).get(args["pool_id"])
    doc = terms_out(current.pool.terms)
    doc.update({k: body[k] for k in ("offer", "deadline", "pickup_points", "maximum") if k in body})
    if "minimum_batch" in body or "tiers" in body:
        doc["offer"] = {**doc["offer"], **{k: body[k] for k in ("minimum_batch", "tiers") if k in body}}
    stored = await _pools(services).propose(args["pool_id"], terms_in(doc, "$"))
    return json_response({"pool": pool_view(stored, services.clock.now())},
                         status=202 if stored.proposal is not None else 200)


async def consent(request: Request, args: Args) -> Response:
    """A pledger's answer to proposed terms: accepting checks the organizer's signature on them first."""
    _buyer(request)
    accept = (args.body or {})["answer"] == "accept"
    answer = await _pools(_services(request)).answer_proposal(args["order_id"], accept)
    return json_response({"pledge": answer.pledge, "answer": "accept" if accept else "decline",
                          "terms_version": answer.proposal.terms_version})


async def pledge(request: Request, args: Args) -> Response:
    buyer = _buyer(request)
    body = args.body or {}
    order = PledgeOrder(body["bpp_uri"], body["provider_id"], body["pool_id"],
                        decimal_in(body["quantity"], "$.quantity"), body["unit"], bpp_id=body.get("bpp_id"))
    kind = _pools(_services(request)).pledge_kind()  # the organizer's signed terms checked first
    return json_response({"pledge": await buyer.place(kind, order)}, status=201)


async def change_pledge(request: Request, args: Args) -> Response:
    buyer = _buyer(request)
    body = args.body or {}
    items = pledge_items(body["pool_id"], decimal_in(body["quantity"], "$.quantity"), body["unit"])
    await buyer.update(args["order_id"], "items", {"items": items})
    return json_response({"pledge": buyer.purchase(args["order_id"])})


async def withdraw_pledge(request: Request, args: Args) -> Response:
    buyer = _buyer(request)
    return json_response({"pledge": await buyer.cancel(args["order_id"])})


def _batch_view(row: dict[str, Any]) -> dict[str, Any]:
    order = row["order"]
    item = (order.get("items") or [{}])[0]
    measure = ((item.get("quantity") or {}).get("selected") or {}).get("measure") or {}
    price = (order.get("quote") or {}).get("price") or {}
    return {**{k: v for k, v in row.items() if k != "order"}, "offer_id": item.get("id"),
            "quantity": measure.get("value"), "unit": measure.get("unit"), "total": price.get("value"),
            "currency": price.get("currency"), "ref_order_ids": order.get("ref_order_ids") or [],
            "status": order.get("status"), "order": order}


async def batch_orders(request: Request, args: Args) -> Response:
    require_admin(request)
    rows = await _pools(_services(request)).batch_orders(args["limit"] or 200)
    return json_response({"batch_orders": [_batch_view(r) for r in rows]})


def _known_organizers(services: Services) -> list[str]:
    """Whom the producer asks when no organizer is named: the gateways this node knows, else the
    sellers (organizers list pools as sellers) from its verified node records."""
    if services.live_search is None:
        return []
    gateways, sellers = services.live_search.targets()
    return [t.url for t in gateways] or [t.url for t in sellers][:50]


async def demand(request: Request, args: Args) -> Response:
    buyer = _buyer(request)
    services = _services(request)
    urls = list(args["organizer"] or ()) or _known_organizers(services)
    answers: list[dict[str, Any]] = []
    if urls:
        found, _failed = await buyer.search_network({"category": {"id": "pool"}}, urls, wait=args["wait"] or 2.0)
        answers = [{"bpp_id": cb.bpp_id, "bpp_uri": cb.document["context"].get("bpp_uri"),
                    "catalog": (cb.document.get("message") or {}).get("catalog")} for cb in found]
    offers = pooled_demand(answers, services.identity.subscriber_id)
    total = sum((Decimal(o["pledged"]) for o in offers), Decimal(0))
    return json_response({"producer_id": services.identity.subscriber_id, "offers": offers,
                          "pledged": format(total, "f"), "asked": urls})


POOL_ID = Param("pool_id", where=In.PATH, required=True, max_length=100, description="The pool's id")
ORDER_ID = Param("order_id", where=In.PATH, required=True, max_length=100, description="The pledge's order id")
_TAG = "pools"
_QTY = {"type": ["string", "integer"], "maxLength": 40, "description": "A decimal such as \"12.5\""}
_ID = {"type": "string", "minLength": 1, "maxLength": 100}
_URI = {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "^\\s*https?://"}
LIST = Spec("The pools organized on this node, newest first, with their progress", tag=_TAG, params=(
    Param("state", Kind.LIST, max_length=60, description="Only these states (comma-separated, any case)",
          choices=tuple(v for s in PoolState for v in (s.value, s.value.lower()))),))
GET = Spec("One pool: terms, progress (pledged, buyers, tier, price, to next tier and minimum, time left), outcome",
           tag=_TAG, params=(POOL_ID,))
OPEN = Spec("Open a pool against a producer's offer", tag=_TAG, admin=True, success=201, body=Body({
    "type": "object", "required": ["terms", "producer_uri"], "properties": {
        "terms": {"type": "object", "description": "offer, producer_id, provider_id, deadline, pickup_points, "
                                                  "maximum (see docs/POOLS.md)"},
        "producer_uri": _URI, "pool_id": {"type": "string", "pattern": "^pool-[A-Za-z0-9_-]{1,60}$"},
        "listed_under": _ID,
        "signed_offer": {"type": "object", "description": "The producer's signed offer (duijie.offer/1, from "
                         "GET /api/providers/{id}/offers/{offer}/signed on its node): embedded, and the pool is "
                         "refused unless it verifies back to the producer"}}}, "The pool's terms", required=True,
        max_bytes=64_000))
CANCEL = Spec("Cancel an open pool: every pledge is released and each buyer told", tag=_TAG, admin=True,
              params=(POOL_ID,))
AMEND = Spec("Change a pool's terms (tiers, minimum batch, deadline, pickup points, maximum): in effect at once "
              "before the first pledge (200); after it, proposed to every pledger by a signed on_status (202) and "
              "in effect only once every pledger accepted over Beckn", tag=_TAG, admin=True, success=200,
              responses={202: "Accepted: proposed to every pledger (the pool's proposal), not in effect yet"},
              params=(POOL_ID,), body=Body({"type": "object", "properties": {
                  "offer": {"type": "object"}, "deadline": {"type": "string", "maxLength": 64},
                  "tiers": {"type": "array", "maxItems": 50, "items": {"type": "object"}},
                  "minimum_batch": {"type": "integer", "minimum": 1},
                  "pickup_points": {"type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 200}},
                  "maximum": _QTY}},
                  "The fields to change", required=True, max_bytes=64_000))
CONSENT = Spec("Accept or decline the proposed terms of the pool a pledge is in (over Beckn; accepting first checks "
               "the organizer's signature on them)", tag=_TAG, admin=True, params=(ORDER_ID,), body=Body({
                   "type": "object", "required": ["answer"], "properties": {
                       "answer": {"type": "string", "enum": ["accept", "decline"]}}},
                   "The answer", required=True, max_bytes=1_000))
PLEDGE = Spec("Pledge into a pool on another node (over Beckn)", tag=_TAG, admin=True, success=201, body=Body({
    "type": "object", "required": ["bpp_uri", "provider_id", "pool_id", "quantity", "unit"], "properties": {
        "bpp_uri": _URI, "bpp_id": {"type": "string", "maxLength": 256}, "provider_id": _ID, "pool_id": _ID,
        "quantity": _QTY, "unit": {"type": "string", "minLength": 1, "maxLength": 20}}},
    "Where and how much", required=True, max_bytes=4_000))
CHANGE = Spec("Change a pledge's quantity (until the pool closes)", tag=_TAG, admin=True, params=(ORDER_ID,),
              body=Body({"type": "object", "required": ["pool_id", "quantity", "unit"], "properties": {
                  "pool_id": _ID, "quantity": _QTY, "unit": {"type": "string", "minLength": 1, "maxLength": 20}}},
                  "The new quantity", required=True, max_bytes=4_000))
WITHDRAW = Spec("Withdraw a pledge (until the pool closes)", tag=_TAG, admin=True, params=(ORDER_ID,))
BATCHES = Spec("The producer's inbox: batch orders confirmed for its offers, newest first, with their member "
                "pledges (ref_order_ids), organizer and pool", tag=_TAG, admin=True, params=(
                    Param("limit", Kind.INTEGER, minimum=1, maximum=1_000, description="At most this many"),))
DEMAND = Spec("The producer's live pooled demand per offer, read from the organizers' catalogs", tag=_TAG,
              admin=True, params=(
                  Param("organizer", Kind.LIST, max_length=2_000, description="Organizer or gateway Beckn URLs "
                        "(comma-separated) to ask; default: the gateways this node knows, else its known sellers"),
                  Param("wait", Kind.NUMBER, minimum=0.1, maximum=30, description="Seconds to wait for answers")))

routes: list[BaseRoute] = [
    ApiRoute("/api/pools", list_pools, LIST),
    ApiRoute("/api/pools/open", open_pool, OPEN, methods=["POST"]),
    ApiRoute("/api/pools/{pool_id}", get_pool, GET),
    ApiRoute("/api/pools/{pool_id}/cancel", cancel_pool, CANCEL, methods=["POST"]),
    ApiRoute("/api/pools/{pool_id}/terms", amend_pool, AMEND, methods=["POST"]),
    ApiRoute("/api/pledges", pledge, PLEDGE, methods=["POST"]),
    ApiRoute("/api/pledges/{order_id}/quantity", change_pledge, CHANGE, methods=["POST"]),
    ApiRoute("/api/pledges/{order_id}/withdraw", withdraw_pledge, WITHDRAW, methods=["POST"]),
    ApiRoute("/api/pledges/{order_id}/consent", consent, CONSENT, methods=["POST"]),
    ApiRoute("/api/demand", demand, DEMAND),
    ApiRoute("/api/batch-orders", batch_orders, BATCHES),
]
