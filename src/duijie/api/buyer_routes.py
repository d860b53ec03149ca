"""``/api/buy/...``: the node's owner buys from other nodes (all routes need the admin token)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from duijie.api.auth import require_admin
from duijie.api.responses import error_response, json_response
from duijie.domain.errors import Issue, ValidationFailed
from duijie.protocol import jsonbytes
from duijie.services.buyer import BuyerService, OrderRequest, PeerError, SellerRefused
from duijie.services.container import Services


def _buyer(request: Request) -> BuyerService:
    require_admin(request)
    services: Services = request.app.state.services
    if services.buyer is None:
        raise ValidationFailed([Issue("$", "the buyer role is not wired on this node")])
    buyer: BuyerService = services.buyer
    return buyer


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = jsonbytes.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise ValidationFailed([Issue("$", f"body is not JSON: {exc}")]) from exc
    if not isinstance(data, dict):
        raise ValidationFailed([Issue("$", "body must be a JSON object")])
    return data


def _text(
    data: dict[str, Any], name: str, issues: list[Issue], *, required: bool = True, path: str = "$"
) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        issues.append(Issue(f"{path}.{name}", "required text" if value is None else "must be non-empty text"))
        return None
    return value.strip()


def _url(data: dict[str, Any], name: str, issues: list[Issue], *, required: bool) -> str | None:
    value = _text(data, name, issues, required=required)
    if value is not None and not value.startswith(("http://", "https://")):
        issues.append(Issue(f"$.{name}", "must be an http(s) URL"))
    return value


def _items(data: dict[str, Any], issues: list[Issue]) -> tuple[tuple[str, int, tuple[str, ...]], ...]:
    raw = data.get("items")
    if not isinstance(raw, list) or not raw:
        issues.append(Issue("$.items", "at least one item is required"))
        return ()
    out = []
    for i, item in enumerate(raw):
        path = f"$.items[{i}]"
        if not isinstance(item, dict):
            issues.append(Issue(path, "must be an object"))
            continue
        item_id = _text(item, "id", issues, path=path)
        quantity = item.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 999:
            issues.append(Issue(f"{path}.quantity", "must be a whole number from 1 to 999"))
        add_ons = item.get("add_ons") or []
        if not isinstance(add_ons, list) or not all(isinstance(a, str) and a for a in add_ons):
            issues.append(Issue(f"{path}.add_ons", "must be a list of add-on ids"))
            add_ons = []
        if item_id:
            out.append((item_id, int(quantity) if isinstance(quantity, int) else 1, tuple(add_ons)))
    return tuple(out)


def _order_request(data: dict[str, Any]) -> OrderRequest:
    issues: list[Issue] = []
    bpp_uri = _url(data, "bpp_uri", issues, required=True)
    provider = _text(data, "provider_id", issues)
    location = _text(data, "location_id", issues)
    items = _items(data, issues)
    billing = data.get("billing") if isinstance(data.get("billing"), dict) else None
    if billing is None:
        issues.append(Issue("$.billing", "required: {name, phone}"))
        billing = {}
    name = _text(billing, "name", issues, path="$.billing")
    phone = _text(billing, "phone", issues, path="$.billing")
    if phone and not all(c.isdigit() or c in "+-() ." for c in phone):
        issues.append(Issue("$.billing.phone", "must be a phone number"))
    fulfillment = data.get("fulfillment") or {"type": "pickup"}
    if not isinstance(fulfillment, dict) or fulfillment.get("type", "pickup") != "pickup":
        issues.append(Issue("$.fulfillment.type", 'only "pickup" is offered'))
        fulfillment = {}
    pickup_time = fulfillment.get("time")
    if pickup_time is not None and not isinstance(pickup_time, str):
        issues.append(Issue("$.fulfillment.time", "must be an RFC 3339 timestamp"))
    location = fulfillment.get("location_id") or location
    if issues:
        raise ValidationFailed(issues)
    assert bpp_uri and provider and location and name and phone
    return OrderRequest(
        bpp_uri,
        provider,
        location,
        items,
        name,
        phone,
        "pickup",
        pickup_time,
        data.get("bpp_id") if isinstance(data.get("bpp_id"), str) else None,
    )


def _peer_failure(exc: Exception) -> Response:
    if isinstance(exc, SellerRefused):
        return error_response(409, f"seller_refused:{exc.code}", exc.message, field=exc.field)
    assert isinstance(exc, PeerError)
    return error_response(exc.status, f"peer_error:{exc.code}" if exc.code else "peer_error", exc.message)


async def search(request: Request) -> Response:
    buyer = _buyer(request)
    data = await _body(request)
    issues: list[Issue] = []
    text = _text(data, "text", issues)
    bpp_uri = _url(data, "bpp_uri", issues, required=False) or _url(data, "gateway_uri", issues, required=False)
    wait = data.get("wait", 2)
    if not isinstance(wait, int | float) or isinstance(wait, bool) or not 0 < wait <= 30:
        issues.append(Issue("$.wait", "seconds, more than 0 and at most 30"))
    if bpp_uri is None and not issues:
        issues.append(Issue("$.bpp_uri", "required (or gateway_uri)"))
    if issues:
        raise ValidationFailed(issues)
    assert bpp_uri is not None
    try:
        results = await buyer.search(text, bpp_uri, wait=float(wait))
    except (PeerError, SellerRefused) as exc:
        return _peer_failure(exc)
    return json_response({"results": results})


async def order(request: Request) -> Response:
    buyer = _buyer(request)
    req = _order_request(await _body(request))
    try:
        return json_response(await buyer.order(req), status=201)
    except (PeerError, SellerRefused) as exc:
        return _peer_failure(exc)


async def orders(request: Request) -> Response:
    return json_response({"orders": _buyer(request).purchases()})


async def one_order(request: Request) -> Response:
    return json_response(_buyer(request).purchase(request.path_params["order_id"]))


async def order_action(request: Request) -> Response:
    buyer = _buyer(request)
    order_id = request.path_params["order_id"]
    action = request.path_params["action"]
    data = await _body(request)
    buyer.purchase(order_id)  # 404 before anything is sent
    try:
        if action == "status":
            result = await buyer.status(order_id)
        elif action == "cancel":
            reason = data.get("reason")
            if reason is not None and not isinstance(reason, str):
                raise ValidationFailed([Issue("$.reason", "must be text")])
            result = await buyer.cancel(order_id, reason)
        elif action == "rate":
            result = await buyer.rate(order_id, _rating(data.get("value")))
        elif action == "track":
            result = await buyer.track(order_id)
        elif action == "support":
            result = await buyer.support(order_id)
        else:
            return error_response(404, "not_found", f"no action {action!r}")
    except (PeerError, SellerRefused) as exc:
        return _peer_failure(exc)
    return json_response(result)


def _rating(value: Any) -> Decimal:
    try:
        rating = Decimal(str(value)) if value is not None and not isinstance(value, bool) else None
    except InvalidOperation:
        rating = None
    if rating is None or not rating.is_finite() or not 1 <= rating <= 5:
        raise ValidationFailed([Issue("$.value", "a rating from 1 to 5")])
    return rating


async def transaction(request: Request) -> Response:
    buyer = _buyer(request)
    tid = request.path_params["transaction_id"]
    return json_response({"transaction_id": tid, "callbacks": buyer.transaction(tid)})


routes: list[BaseRoute] = [
    Route("/api/buy/search", search, methods=["POST"]),
    Route("/api/buy/order", order, methods=["POST"]),
    Route("/api/buy/orders", orders, methods=["GET"]),
    Route("/api/buy/orders/{order_id}", one_order, methods=["GET"]),
    Route("/api/buy/orders/{order_id}/{action:str}", order_action, methods=["POST"]),
    Route("/api/buy/transactions/{transaction_id}", transaction, methods=["GET"]),
]
