""""Mine" ``/mine``: this buyer node's orders, reservations, applications and pledges, each with
its state, a link to its page and its receipt; ``/mine/receipts/{order_id}`` shows one receipt
verified on the page (every signature, each key against the keys this node trusts) and
``/mine/receipts/{order_id}.json`` downloads it for ``duijie verify``.

Only the node's owner sees these pages (:func:`duijie.web.access.require_owner`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from duijie.protocol import jsonbytes
from duijie.services.container import Services
from duijie.web.access import require_owner
from duijie.web.purchases_shown import Kind, own_purchases, receipt_check, receipt_for
from duijie.web.templating import gettext_for, render

SECTIONS = (Kind.ORDER, Kind.RESERVATION, Kind.APPLICATION, Kind.PLEDGE, Kind.BATCH)


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def mine(request: Request) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    services = _services(request)
    rows = own_purchases(services.buyer) if services.buyer is not None else []
    groups = {kind: [r for r in rows if r.kind is kind] for kind in SECTIONS}
    checks = {r.receipt_id: receipt_check(services, r.receipt_id) for r in rows if r.receipt_id}
    return render(request, "mine/mine.html", {"groups": groups, "checks": checks, "total": len(rows),
                                              "buyer": services.buyer is not None})


def _not_found(request: Request, order_id: str) -> Response:
    _ = gettext_for(request)
    return render(request, "error.html", {"title": _("No receipt"), "message": _(
        "This node holds no receipt for %(id)s.") % {"id": order_id}}, status=404)


async def receipt_page(request: Request) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    services = _services(request)
    order_id = request.path_params["order_id"]
    receipt = receipt_for(services, order_id)
    if receipt is None:
        return _not_found(request, order_id)
    check = receipt_check(services, order_id)
    agreement = receipt.get("agreement") if isinstance(receipt.get("agreement"), dict) else {}
    return render(request, "mine/receipt.html", {"order_id": order_id, "check": check, "agreement": agreement})


async def receipt_download(request: Request) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    order_id = request.path_params["order_id"]
    receipt = receipt_for(_services(request), order_id)
    if receipt is None:
        return _not_found(request, order_id)
    safe = "".join(c for c in order_id if c.isalnum() or c in "-_.") or "receipt"
    return Response(jsonbytes.dumps(receipt, sort_keys=True), media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="receipt-{safe}.json"', "Cache-Control": "no-store"})


routes: list[BaseRoute] = [
    Route("/mine", mine, methods=["GET"]),
    Route("/mine/receipts/{order_id}.json", receipt_download, methods=["GET"]),
    Route("/mine/receipts/{order_id}", receipt_page, methods=["GET"]),
]
