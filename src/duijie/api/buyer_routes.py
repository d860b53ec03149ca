"""``/api/buy/...``: the node's owner buys from other nodes (all routes need the admin token)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from duijie.api.auth import require_admin
from duijie.api.params import Body, In, Param, Spec
from duijie.api.responses import error_response, json_response
from duijie.api.spec_routes import ApiRoute, Args, Endpoint
from duijie.domain.errors import Issue, ValidationFailed
from duijie.services.buyer import BuyerService, OrderRequest, PeerError, SellerRefused
from duijie.services.container import Services


def _buyer(request: Request) -> BuyerService:
    require_admin(request)
    services: Services = request.app.state.services
    if services.buyer is None:
        raise ValidationFailed([Issue("$", "the buyer role is not wired on this node")])
    buyer: BuyerService = services.buyer
    return buyer


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


async def search(request: Request, args: Args) -> Response:
    buyer = _buyer(request)
    data = args.body or {}
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


async def order(request: Request, args: Args) -> Response:
    buyer = _buyer(request)
    req = _order_request(args.body or {})
    try:
        return json_response(await buyer.order(req), status=201)
    except (PeerError, SellerRefused) as exc:
        return _peer_failure(exc)


async def orders(request: Request, args: Args) -> Response:
    return json_response({"orders": _buyer(request).purchases()})


async def one_order(request: Request, args: Args) -> Response:
    return json_response(_buyer(request).purchase(args["order_id"]))


def _order_action(action: Callable[[BuyerService, str, dict[str, Any]], Awaitable[dict[str, Any]]]) -> Endpoint:
    """An endpoint that sends one Beckn request about a purchase and waits for its callback."""

    async def endpoint(request: Request, args: Args) -> Response:
        buyer = _buyer(request)
        order_id = args["order_id"]
        buyer.purchase(order_id)  # 404 before anything is sent
        try:
            result = await action(buyer, order_id, args.body or {})
        except (PeerError, SellerRefused) as exc:
            return _peer_failure(exc)
        return json_response(result)

    return endpoint


def _rating(value: Any) -> Decimal:
    try:
        rating = Decimal(str(value)) if value is not None and not isinstance(value, bool) else None
    except InvalidOperation:
        rating = None
    if rating is None or not rating.is_finite() or not 1 <= rating <= 5:
        raise ValidationFailed([Issue("$.value", "a rating from 1 to 5")])
    return rating


async def transaction(request: Request, args: Args) -> Response:
    buyer = _buyer(request)
    tid = args["transaction_id"]
    return json_response({"transaction_id": tid, "callbacks": buyer.transaction(tid)})


_TAG = "buyer"
_ID = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"}  # not blank
_URL = {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "^\\s*https?://"}
ORDER_ID = Param("order_id", where=In.PATH, required=True, max_length=100, description="The purchase's order id")
SEARCH = Spec(
    "Send a Beckn search to one seller or gateway and gather the on_search answers", tag=_TAG, admin=True,
    body=Body({
        "type": "object", "required": ["text"],
        "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 200}, "bpp_uri": _URL,
                       "gateway_uri": _URL, "wait": {"type": "number", "exclusiveMinimum": 0, "maximum": 30}},
    }, "What to look for and where", required=True, max_bytes=8_000),
)
ORDER = Spec(
    "Order for pickup: select, init and confirm with one seller", tag=_TAG, admin=True, success=201,
    body=Body({
        "type": "object", "required": ["bpp_uri", "provider_id", "items", "billing"],
        # A pickup location: at the top or in the fulfillment.
        "anyOf": [{"required": ["location_id"]},
                  {"required": ["fulfillment"], "properties": {"fulfillment": {"required": ["location_id"]}}}],
        "properties": {
            "bpp_uri": _URL, "bpp_id": {"type": "string", "maxLength": 256}, "provider_id": _ID, "location_id": _ID,
            "items": {"type": "array", "minItems": 1, "maxItems": 50, "items": {
                "type": "object", "required": ["id"],
                "properties": {"id": _ID, "quantity": {"type": "integer", "minimum": 1, "maximum": 999},
                               "add_ons": {"type": "array", "maxItems": 20, "items": _ID}}}},
            "billing": {"type": "object", "required": ["name", "phone"],
                        "properties": {"name": _ID,
                                       "phone": {"type": "string", "maxLength": 40,
                                                 "pattern": "^[0-9+()\\-. ]*[0-9][0-9+()\\-. ]*$"}}},
            "fulfillment": {"type": "object", "properties": {
                "type": {"enum": ["pickup"]}, "time": {"type": "string", "maxLength": 64}, "location_id": _ID}},
        },
    }, "The order", required=True, max_bytes=32_000),
)
PURCHASES = Spec("This node's purchases, newest first", tag=_TAG, admin=True)
PURCHASE = Spec("One purchase with the seller's latest answer", tag=_TAG, admin=True, params=(ORDER_ID,))
_NO_BODY = Body({"type": "object"}, "No fields", max_bytes=1_000)
ACTIONS: dict[str, tuple[Spec, Callable[[BuyerService, str, dict[str, Any]], Awaitable[dict[str, Any]]]]] = {
    "status": (Spec("Ask the seller for the order's status", tag=_TAG, admin=True, params=(ORDER_ID,), body=_NO_BODY),
               lambda b, oid, body: b.status(oid)),
    "cancel": (Spec("Cancel the order", tag=_TAG, admin=True, params=(ORDER_ID,), body=Body(
        {"type": "object", "properties": {"reason": {"type": ["string", "null"], "maxLength": 500}}},
        "Optional reason", max_bytes=4_000)),
        lambda b, oid, body: b.cancel(oid, body.get("reason"))),
    "rate": (Spec("Rate the order from 1 to 5", tag=_TAG, admin=True, params=(ORDER_ID,), body=Body(
        {"type": "object", "required": ["value"],
         "properties": {"value": {"type": ["number", "string"], "maxLength": 10, "minimum": 1, "maximum": 5}}},
        "The rating", required=True, max_bytes=1_000)),
        lambda b, oid, body: b.rate(oid, _rating(body.get("value")))),
    "track": (Spec("Ask the seller for tracking", tag=_TAG, admin=True, params=(ORDER_ID,), body=_NO_BODY),
              lambda b, oid, body: b.track(oid)),
    "support": (Spec("Ask the seller for support contacts", tag=_TAG, admin=True, params=(ORDER_ID,),
                     body=_NO_BODY),
                lambda b, oid, body: b.support(oid)),
}
TRANSACTION = Spec(
    "Every callback received for one transaction", tag=_TAG, admin=True,
    params=(Param("transaction_id", where=In.PATH, required=True, max_length=100),),
)

routes: list[BaseRoute] = [
    ApiRoute("/api/buy/search", search, SEARCH, methods=["POST"]),
    ApiRoute("/api/buy/order", order, ORDER, methods=["POST"]),
    ApiRoute("/api/buy/orders", orders, PURCHASES),
    ApiRoute("/api/buy/orders/{order_id}", one_order, PURCHASE),
    *(ApiRoute(f"/api/buy/orders/{{order_id}}/{name}", _order_action(act), spec, methods=["POST"])
      for name, (spec, act) in ACTIONS.items()),
    ApiRoute("/api/buy/transactions/{transaction_id}", transaction, TRANSACTION),
]
