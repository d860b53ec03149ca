"""Changing or withdrawing one of this node's pledges from its pool page, until the pool closes,
and answering the terms its organizer proposes (``…/terms``: accept or decline).

``POST /pools/{pool_id}/pledges/{order_id}/change`` (a new quantity) sends a Beckn ``update`` of
the pledge's items; ``…/withdraw`` sends ``cancel``: what ``duijie pool change`` and ``duijie pool
withdraw`` do. Only the pledge's own buyer may (the organizer checks the signer), and only while
the pool is open; the quantity rules are checked here first, and every refusal is shown beside
the pledge's field in the visitor's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from duijie.domain.pools import PoolError
from duijie.l10n.rule_texts import refusal_said
from duijie.services.buyer import BuyerService, PeerError, SellerRefused
from duijie.services.container import Services
from duijie.services.errors import NotFound, ServiceError
from duijie.services.trade.pool.buying import pledge_items
from duijie.web import csrf
from duijie.web.access import require_owner
from duijie.web.pool_pages import Where, checked_quantity, page_response, refusal_text, refusal_words, shown_pool
from duijie.web.purchases_shown import measure_of
from duijie.web.templating import gettext_for


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _held(buyer: BuyerService, order_id: str, pool_id: str) -> Decimal | None:
    """What this node's pledge ``order_id`` into ``pool_id`` holds now; None when it is not one."""
    try:
        order = buyer.purchase(order_id).get("order") or {}
    except NotFound:
        return None
    items = order.get("items") or [{}]
    return measure_of(order)[0] if items and items[0].get("id") == pool_id else None


@dataclass(frozen=True)
class _PledgePost:
    """A form POSTed about one of this node's pledges, by the node's owner, its token checked."""

    services: Services
    form: FormData
    pool_id: str
    order_id: str
    where: Where
    #: What the pledge holds now; None when this node made no such pledge.
    held: Decimal | None


async def _pledge_post(request: Request) -> _PledgePost | Response:
    """The POST to a ``/pools/{pool_id}/pledges/{order_id}/…`` route, or the answer that sends a
    visitor who is not the owner to sign in (a bad form token raises CsrfRefused: 403)."""
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    form = await csrf.checked_form(request)
    services = _services(request)
    pool_id, order_id = request.path_params["pool_id"], request.path_params["order_id"]
    held = _held(services.buyer, order_id, pool_id) if services.buyer is not None else None
    return _PledgePost(services, form, pool_id, order_id, Where(request, form), held)


async def _act(request: Request, step: str) -> Response:
    post = await _pledge_post(request)
    if isinstance(post, Response):
        return post
    services, pool_id, order_id, where, held = post.services, post.pool_id, post.order_id, post.where, post.held
    field = f"change-{order_id}"
    raw = str(post.form.get("quantity") or "")
    pool = await shown_pool(request, pool_id, where)
    _ = gettext_for(request)
    error: str | None = None
    quantity: Decimal | None = None
    if services.buyer is None or held is None:
        error = str(_("This node made no such pledge."))
    elif step == "withdraw":
        error = None if pool is not None and pool.is_open else refusal_text(request, "pool_closed:", pool)
    else:
        quantity, error = checked_quantity(request, raw, pool, services.clock.now(), already=held)
    if error is None and services.buyer is not None and pool is not None:
        try:
            if step == "withdraw":
                await services.buyer.cancel(order_id)
            else:
                assert quantity is not None
                await services.buyer.update(order_id, "items", {"items": pledge_items(pool_id, quantity, pool.unit)})
        except (SellerRefused, PoolError) as exc:
            left = None if pool.remaining is None else pool.remaining + (held or Decimal(0))
            error = refusal_text(request, refusal_words(exc), pool, left)
        except PeerError:
            error = str(_("The pool's organizer did not answer. Try again in a moment."))
        else:
            return RedirectResponse(where.link(pool_id, **{step: order_id}), status_code=303)
    return await page_response(request, pool_id, where, form={field: raw}, errors={field: error or ""}, status=400)


async def change(request: Request) -> Response:
    return await _act(request, "change")


async def withdraw(request: Request) -> Response:
    return await _act(request, "withdraw")


def answer_refusal(request: Request, message: str) -> str:
    """Why an answer to proposed terms was refused (this node's check or the organizer's), in the
    visitor's language and without the rule's prefix."""
    _ = gettext_for(request)
    if "no_proposal:" in message:
        return str(_("There are no proposed terms to answer: they took effect or were replaced. Reload the page."))
    if "terms_not_verified:" in message:
        return str(_("The organizer's signature on the proposed terms does not verify: nothing was accepted."))
    if "pool_closed:" in message:
        return str(_("This pool is closed: its terms can no longer change."))
    return refusal_said(message, _) or str(_("The organizer refused this answer."))


async def answer(request: Request) -> Response:
    """Accept or decline the proposed terms on one of this node's pledges (the pool service checks
    the organizer's signature on them first); the refusal is shown beside the buttons."""
    post = await _pledge_post(request)
    if isinstance(post, Response):
        return post
    services, pool_id, order_id, where = post.services, post.pool_id, post.order_id, post.where
    choice = str(post.form.get("answer") or "")
    field = f"terms-{order_id}"
    _ = gettext_for(request)
    error: str | None = None
    if services.pools is None or post.held is None:
        error = str(_("This node made no such pledge."))
    elif choice not in ("accept", "decline"):
        error = str(_("Choose Accept or Decline."))
    else:
        try:
            told = await services.pools.answer_proposal(order_id, choice == "accept")
        except PeerError:  # before ServiceError, its base: the organizer was not reached
            error = str(_("The pool's organizer did not answer. Try again in a moment."))
        except (ServiceError, PoolError) as exc:  # this node's check, or the organizer's refusal
            error = answer_refusal(request, refusal_words(exc))
        else:
            result = "in_effect" if told.in_effect else choice
            return RedirectResponse(where.link(pool_id, answered=order_id, answer=result), status_code=303)
    return await page_response(request, pool_id, where, errors={field: error}, status=400)


routes: list[BaseRoute] = [
    Route("/pools/{pool_id}/pledges/{order_id}/terms", answer, methods=["POST"]),
    Route("/pools/{pool_id}/pledges/{order_id}/change", change, methods=["POST"]),
    Route("/pools/{pool_id}/pledges/{order_id}/withdraw", withdraw, methods=["POST"]),
]
