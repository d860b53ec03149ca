"""The merchant's order inbox as JSON: list, read, accept, decline, ready, complete (admin token required)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from duijie.api.auth import require_admin
from duijie.api.params import Body, In, Param, Spec
from duijie.api.responses import json_response
from duijie.api.spec_routes import ApiRoute, Args
from duijie.domain.orders import OrderState
from duijie.services.container import Services
from duijie.services.errors import NotFound
from duijie.services.trade.merchant import MerchantService


def _merchant(request: Request) -> MerchantService:
    require_admin(request)
    services: Services = request.app.state.services
    if services.merchant is None:
        raise NotFound("this node does not run the seller role")
    merchant: MerchantService = services.merchant
    return merchant


async def list_orders(request: Request, args: Args) -> Response:
    merchant = _merchant(request)
    orders = await merchant.list_orders(args["state"])
    return json_response({"orders": orders})


async def get_order(request: Request, args: Args) -> Response:
    merchant = _merchant(request)
    return json_response({"order": await merchant.get_order(args["order_id"])})


async def accept(request: Request, args: Args) -> Response:
    return json_response({"order": await _merchant(request).accept(args["order_id"])})


async def decline(request: Request, args: Args) -> Response:
    merchant = _merchant(request)
    reason = args.body.get("reason") if args.body else None
    return json_response({"order": await merchant.decline(args["order_id"], reason)})


async def ready(request: Request, args: Args) -> Response:
    return json_response({"order": await _merchant(request).mark_ready(args["order_id"])})


async def complete(request: Request, args: Args) -> Response:
    return json_response({"order": await _merchant(request).complete(args["order_id"])})


ORDER_ID = Param("order_id", where=In.PATH, required=True, max_length=100, description="The order's id")
_TAG = "merchant"
LIST_ORDERS = Spec(
    "The merchant's orders, newest first", tag=_TAG, admin=True,
    params=(Param("state", max_length=20, description="Only orders in this state (any case): "
                  + ", ".join(OrderState)),),
)
GET_ORDER = Spec("One order with its history", tag=_TAG, admin=True, params=(ORDER_ID,))
ACCEPT = Spec("Accept a new order (the buyer is told)", tag=_TAG, admin=True, params=(ORDER_ID,))
DECLINE = Spec(
    "Decline an order, with an optional reason for the buyer", tag=_TAG, admin=True, params=(ORDER_ID,),
    body=Body({"type": "object", "properties": {"reason": {"type": ["string", "null"], "maxLength": 500}}},
              "Optional reason", max_bytes=4_000),
)
READY = Spec("Mark an order ready for pickup", tag=_TAG, admin=True, params=(ORDER_ID,))
COMPLETE = Spec("Mark an order picked up and complete", tag=_TAG, admin=True, params=(ORDER_ID,))

routes: list[BaseRoute] = [
    ApiRoute("/api/orders", list_orders, LIST_ORDERS),
    ApiRoute("/api/orders/{order_id}", get_order, GET_ORDER),
    ApiRoute("/api/orders/{order_id}/accept", accept, ACCEPT, methods=["POST"]),
    ApiRoute("/api/orders/{order_id}/decline", decline, DECLINE, methods=["POST"]),
    ApiRoute("/api/orders/{order_id}/ready", ready, READY, methods=["POST"]),
    ApiRoute("/api/orders/{order_id}/complete", complete, COMPLETE, methods=["POST"]),
]
