"""A pledge into a pool on another node, buyer side: the orders of select, init and confirm."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from duijie.domain.pools import PoolError, PoolRule
from duijie.protocol.mapping import pools as pm
from duijie.protocol.pool_terms import TermsCheck


@dataclass(frozen=True, slots=True)
class PledgeOrder:
    """``quantity`` of ``unit`` into ``pool_id``, listed under ``provider_id`` at ``bpp_uri``."""

    bpp_uri: str
    provider_id: str
    pool_id: str
    quantity: Decimal
    unit: str
    billing_name: str = "pool member"
    bpp_id: str | None = None


def pledge_items(pool_id: str, quantity: Decimal, unit: str) -> list[dict[str, Any]]:
    """``order.items`` of a pledge (also of an update changing its quantity)."""
    return [{"id": pool_id, "quantity": {"selected": {"measure": {"unit": unit, "value": format(quantity, "f")}}}}]


VerifyTerms = Callable[[Any, str, str | None], TermsCheck]
"""``(signed_terms, pool_id, organizer_id)``: the check, raising (``terms_not_verified``) unless the
pool's signed terms hold with a key this node trusts and, with ``organizer_id``, are signed by that
node (:meth:`~duijie.services.trade.pool.pools.PoolService.verify_terms`)."""


class PoolPledge:
    """:class:`~duijie.services.trade.kinds.BuyerKind` of a pledge. Rule: no pledge under terms its
    organizer has not signed. The pool's signed terms in ``on_select`` are checked with ``verify``
    before anything is committed (``init``), and they must be signed by the node that answered: a
    pool relayed or answered by another node than its organizer is refused (``terms_not_verified``).
    Every pledge is checked: there is no unchecked pledge kind (build one with
    :meth:`~duijie.services.trade.pool.pools.PoolService.pledge_kind`)."""

    def __init__(self, verify: VerifyTerms) -> None:
        self.verify = verify

    def select_order(self, request: PledgeOrder) -> dict[str, Any]:
        return {"provider": {"id": request.provider_id},
                "items": pledge_items(request.pool_id, request.quantity, request.unit)}

    def check_answer(self, request: PledgeOrder, answered_by: str | None, quoted: dict[str, Any]) -> None:
        """The check of ``on_select``'s order, answered by the node ``answered_by``."""
        if not answered_by:
            raise PoolError(PoolRule.TERMS_NOT_VERIFIED, f"the answer for pool {request.pool_id} names no node")
        self.verify(pm.signed_terms_of(quoted.get("tags")), request.pool_id, answered_by)

    def init_order(self, request: PledgeOrder, selected: dict[str, Any], quoted: dict[str, Any]) -> dict[str, Any]:
        return {**selected, "billing": {"name": request.billing_name}}

    def confirm_order(self, request: PledgeOrder, draft: dict[str, Any], terms: dict[str, Any]) -> dict[str, Any]:
        return {**draft, "fulfillments": terms.get("fulfillments", []), "quote": terms.get("quote", {})}
