"""The merchant's order inbox as JSON: list, read, accept, decline, ready, complete (admin token required)."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from duijie.api.auth import require_admin
from duijie.api.responses import json_response
from duijie.services.container import Services
from duijie.services.errors import NotFound, ServiceError
from duijie.services.trade.merchant import MerchantService


def _merchant(request: Request) -> MerchantService:
    require_admin(request)
    services: Services = request.app.state.services
    if services.merchant is None:
        raise NotFound("this node does not run the seller role")
    merchant: MerchantService = services.merchant
    return merchant


async def list_orders(request: Request) -> Response:
    merchant = _merchant(request)
    orders = await merchant.list_orders(request.query_params.get("state"))
    return json_response({"orders": orders})


async def get_order(request: Request) -> Response:
    merchant = _merchant(request)
    return json_response({"order": await merchant.get_order(request.path_params["order_id"])})


async def _reason(request: Request) -> str | None:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        raise ServiceError('body must be JSON like {"reason": "..."}', field="reason") from None
    reason = data.get("reason") if isinstance(data, dict) else None
    if reason is not None and not isinstance(reason, str):
        raise ServiceError("reason must be a string", field="reason")
    return reason


async def change_order(request: Request) -> Response:
    merchant = _merchant(request)
    order_id = request.path_params["order_id"]
    action = request.path_params["action"]
    if action == "accept":
        view = await merchant.accept(order_id)
    elif action == "decline":
        view = await merchant.decline(order_id, await _reason(request))
    elif action == "ready":
        view = await merchant.mark_ready(order_id)
    elif action == "complete":
        view = await merchant.complete(order_id)
    else:
        raise NotFound(f"unknown order action {action!r}: accept, decline, ready or complete", field="action")
    return json_response({"order": view})


routes: list[BaseRoute] = [
    Route("/api/orders", list_orders, methods=["GET"]),
    Route("/api/orders/{order_id}", get_order, methods=["GET"]),
    Route("/api/orders/{order_id}/{action}", change_order, methods=["POST"]),
]
