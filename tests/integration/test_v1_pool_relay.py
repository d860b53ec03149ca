"""Every pledge (the one pledge kind, built by the pool service) checks the organizer's signed
terms, and that the node answering is that organizer: terms altered after signing are refused; a
node that serves another organizer's signed terms for a pool (a relay, or a copy) is refused
before anything is pledged, naming both nodes; the same pool pledged at its organizer passes."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from tests.support.mock_network import MockNet
from tests.support.mock_pools import apple_terms

from duijie.bootstrap import Node
from duijie.domain.pools import PoolError
from duijie.services.container import running
from duijie.services.trade.pool.buying import PledgeOrder
from duijie.storage.uow import SqlUnitOfWorkFactory

pytestmark = pytest.mark.anyio


def seller(net: MockNet, name: str) -> Node:
    node = net.add(name, roles=("BPP", "BAP"), listing="chuanshan.json")
    return node


async def test_a_pool_answered_by_another_node_than_its_organizer_is_refused(net: MockNet) -> None:
    club, relay = seller(net, "club"), seller(net, "relay")
    buyer = net.add("b0", roles=("BAP",))
    async with running(club.services), running(relay.services), running(buyer.services):
        assert club.services.pools is not None and relay.services.pools is not None
        assert buyer.services.pools is not None and buyer.services.buyer is not None
        pool = await club.services.pools.open(apple_terms(), "http://farm.test/beckn")
        signed = (await club.services.pools.get(pool.id)).signed_terms
        # The relay lists the same pool and serves the club's signed terms, intact, as its own.
        await relay.services.pools.open(apple_terms(), "http://farm.test/beckn", pool_id=pool.id)
        with SqlUnitOfWorkFactory(relay.engine)() as uow:
            uow.pools.set_signed_terms(pool.id, signed)
            uow.commit()

        kind = buyer.services.pools.pledge_kind()
        with pytest.raises(PoolError) as refused:
            await buyer.services.buyer.place(kind, PledgeOrder(
                "http://relay.test/beckn", "chuanshan", pool.id, Decimal(10), "kg"))
        assert refused.value.rule.value == "terms_not_verified"
        assert "signed by club.test, not its organizer relay.test" in refused.value.message
        assert (await relay.services.pools.get(pool.id)).pool.total == 0 and buyer.services.buyer.purchases() == []

        placed = await buyer.services.buyer.place(kind, PledgeOrder(
            "http://club.test/beckn", "chuanshan", pool.id, Decimal(10), "kg"))
        assert placed["order_id"].startswith("PL-")
        assert (await club.services.pools.get(pool.id)).pool.total == 10


async def test_the_pledge_kind_refuses_terms_altered_after_signing(net: MockNet) -> None:
    club = seller(net, "club")
    buyer = net.add("b0", roles=("BAP",))
    async with running(club.services), running(buyer.services):
        assert club.services.pools is not None and buyer.services.pools is not None
        assert buyer.services.buyer is not None
        pool = await club.services.pools.open(apple_terms(), "http://farm.test/beckn")
        forged = json.loads(json.dumps((await club.services.pools.get(pool.id)).signed_terms))
        forged["statement"]["terms"]["offer"]["minimum_batch"] = 20  # a lower minimum under the old signature
        with SqlUnitOfWorkFactory(club.engine)() as uow:
            uow.pools.set_signed_terms(pool.id, forged)
            uow.commit()
        with pytest.raises(PoolError) as refused:
            await buyer.services.buyer.place(buyer.services.pools.pledge_kind(), PledgeOrder(
                "http://club.test/beckn", "chuanshan", pool.id, Decimal(10), "kg"))
        assert refused.value.rule.value == "terms_not_verified" and "signature" in refused.value.message
        assert (await club.services.pools.get(pool.id)).pool.total == 0 and buyer.services.buyer.purchases() == []
