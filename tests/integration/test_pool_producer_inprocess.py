"""The producer's side of 云拼 between in-process nodes: `duijie demand` without naming organizers
asks the nodes the farm knows, and after the close the farm's batch-order inbox (JSON API, and
`duijie orders batches`) shows the one batch order with the member pledges it gathers."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from tests.support.mock_network import DEMO_DATA, MockNet, learn, url

from duijie.bootstrap import Node
from duijie.interchange.pool_json import terms_in
from duijie.services.container import running
from duijie.services.trade.pool.buying import PledgeOrder, PoolPledge

pytestmark = pytest.mark.anyio

CLUB = "http://club.test/beckn"


@pytest.fixture
def net(net: MockNet, monkeypatch: pytest.MonkeyPatch) -> MockNet:
    monkeypatch.setenv("DUIJIE_POOL_INTERVAL", "0.1")  # pools due to close are looked for often
    return net


def api(node: Node) -> httpx.AsyncClient:
    token = (node.data_dir / "admin-token").read_text().strip()
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app), base_url="http://api.test",
                             headers={"Authorization": f"Bearer {token}"})


async def eventually(check: Any, seconds: float = 8.0) -> Any:
    for _ in range(int(seconds / 0.05)):
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_the_farm_sees_pooled_demand_unasked_and_its_batch_order_with_the_member_pledges(
        net: MockNet) -> None:
    club = net.add("club", roles=("BPP", "BAP"), listing="chuanshan.json")
    farm = net.add("farm", peers=(url("club"),), roles=("BPP", "BAP"), listing="farm.json")
    buyers = [net.add(f"b{i}", roles=("BAP",)) for i in range(2)]
    await learn(club, farm)  # the farm learns the club's record
    farm_doc = json.loads((DEMO_DATA / "farm.json").read_text())
    offer = next(o for o in farm_doc["offers"] if o["id"] == "apples")
    terms = terms_in({"offer": offer, "producer_id": "farm.test", "provider_id": "greenvalley-farm",
                      "deadline": (datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
                      "pickup_points": ["川陕名吃 Rockville"], "maximum": "200"})
    async with running(club.services), running(farm.services), running(buyers[0].services), \
            running(buyers[1].services):
        pool = await club.services.pools.open(terms, "http://farm.test/beckn")
        first = await buyers[0].services.buyer.place(PoolPledge(buyers[0].services.pools.verify_terms), PledgeOrder(
            CLUB, "chuanshan", pool.id, Decimal(120), "kg"))

        async with api(farm) as client:  # no organizer named: the farm asks the nodes it knows
            resp = await client.get("/api/demand", params={"wait": "1"})
            assert resp.status_code == 200, resp.text
            found = resp.json()
            assert found["asked"] == [CLUB]
            assert [(o["offer_id"], o["pledged"]) for o in found["offers"]] == [("apples", "120")]
            assert (await client.get("/api/batch-orders")).json()["batch_orders"] == []

            second = await buyers[1].services.buyer.place(buyers[1].services.pools.pledge_kind(), PledgeOrder(
                CLUB, "chuanshan", pool.id, Decimal(80), "kg"))

            async def inbox() -> list[dict[str, Any]]:
                return list((await client.get("/api/batch-orders")).json()["batch_orders"])

            batch = (await eventually(inbox))[0]
        assert batch["organizer_id"] == "club.test" and batch["pool_id"] == pool.id
        assert batch["offer_id"] == "apples" and batch["quantity"] == "200" and batch["unit"] == "kg"
        assert batch["total"] == "520.00" and batch["currency"] == "USD"
        assert sorted(batch["ref_order_ids"]) == sorted([first["order_id"], second["order_id"]])
        assert batch["order_id"].startswith("B-") and batch["organizer_uri"] == CLUB
