"""A pledge is changed or withdrawn only by the buyer node that made it: another signed node that
sends ``update``, ``cancel`` or ``status`` with the pledge's order id is refused by an error
callback (order not found) and the pledge stays as it was (in-process nodes, real signatures)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from tests.integration.test_pools_inprocess import CLUB
from tests.support.mock_network import MockNet
from tests.support.mock_pools import apple_terms

from duijie.domain.pools import PoolState
from duijie.protocol.context import Action
from duijie.services.buyer import Peer, SellerRefused
from duijie.services.container import running
from duijie.services.trade.pool.buying import PledgeOrder, pledge_items

pytestmark = pytest.mark.anyio


async def test_another_buyer_cannot_update_cancel_or_read_a_pledge(net: MockNet) -> None:
    club = net.add("club", roles=("BPP", "BAP"), listing="chuanshan.json")
    owner, outsider = net.add("b0", roles=("BAP",)), net.add("b1", roles=("BAP",))
    async with running(club.services), running(owner.services), running(outsider.services):
        pool = await club.services.pools.open(apple_terms(60, maximum="200"), "http://farm.test/beckn")
        placed = await owner.services.buyer.place(owner.services.pools.pledge_kind(),
                                                  PledgeOrder(CLUB, "chuanshan", pool.id, Decimal(40), "kg"))
        pledge_id = placed["order_id"]

        async def pledges() -> list[tuple[str, str, Decimal]]:
            stored = await club.services.pools.get(pool.id)
            return [(p.id, p.buyer_id, p.quantity) for p in stored.pool.pledges]

        before = await pledges()
        assert before == [(pledge_id, "b0.test", Decimal(40))]
        peer = Peer("tx-foreign", CLUB, "club.test")
        attempts = (
            (Action.UPDATE, {"update_target": "items",
                             "order": {"id": pledge_id, "items": pledge_items(pool.id, Decimal(1), "kg")}}),
            (Action.CANCEL, {"order_id": pledge_id, "cancellation_reason_id": "001"}),
            (Action.STATUS, {"order_id": pledge_id}),
        )
        for action, message in attempts:
            with pytest.raises(SellerRefused) as refused:
                await outsider.services.buyer._request(action, peer, message)
            assert refused.value.code == "30010", (action, refused.value.message)
            # The pledge id is random hex and may hold "40": look for the amount as a number only.
            told = refused.value.message.replace(pledge_id, "")
            assert "b0.test" not in told and not re.search(r"\b40\b", told)
        assert await pledges() == before
        assert (await club.services.pools.get(pool.id)).pool.state is PoolState.OPEN
        assert owner.services.buyer.purchase(pledge_id)["status"] == "ACTIVE"

        # The owner still can: its own update goes through.
        more = {"items": pledge_items(pool.id, Decimal(45), "kg")}
        changed = await owner.services.buyer.update(pledge_id, "items", more)
        assert changed["order"]["items"][0]["quantity"]["selected"]["measure"]["value"] == "45"
        assert await pledges() == [(pledge_id, "b0.test", Decimal(45))]
