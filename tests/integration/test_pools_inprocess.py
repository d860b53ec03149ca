"""Pools between in-process nodes (MockTransport): buyers on three nodes find a pool in the
organizer's on_search, pledge over Beckn with a signed pledge receipt, change and withdraw only
their own pledge; the pool closes once when full and every member holds a verifiable allocation
receipt at the reached tier; a pool that misses its minimum releases every pledge by callback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from tests.support.beckn_spec import spec_available, validate_message
from tests.support.mock_network import MockNet
from tests.support.mock_pools import apple_terms

from duijie.bootstrap import Node
from duijie.domain.pools import PoolState
from duijie.protocol.context import Action
from duijie.protocol.receipts import StaticKeySource, receipt_from_tags, verify_receipt
from duijie.services.buyer import Peer, SellerRefused
from duijie.services.container import running
from duijie.services.trade.pool.buying import PledgeOrder, pledge_items
from duijie.storage.uow import SqlUnitOfWorkFactory

pytestmark = pytest.mark.anyio

CLUB = "http://club.test/beckn"


@pytest.fixture
def net(net: MockNet, monkeypatch: pytest.MonkeyPatch) -> MockNet:
    monkeypatch.setenv("DUIJIE_POOL_INTERVAL", "0.1")  # pools due to close are looked for often
    return net


async def eventually(check: Any, seconds: float = 5.0) -> Any:
    for _ in range(int(seconds / 0.05)):
        value = check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def keys_of(node: Node) -> StaticKeySource:
    return StaticKeySource("organizer", {(k.subscriber_id, k.unique_key_id): k.signing.public_key_base64()
                                         for k in node.signer.all_keys()})


async def test_three_buyers_fill_a_pool_and_each_holds_an_allocation_receipt(net: MockNet) -> None:
    farm = net.add("farm", roles=("BPP", "BAP"), listing="farm.json")
    club = net.add("club", roles=("BPP", "BAP"), listing="chuanshan.json")
    buyers = [net.add(f"b{i}", roles=("BAP",)) for i in range(3)]
    async with running(farm.services), running(club.services), running(buyers[0].services), \
            running(buyers[1].services), running(buyers[2].services):
        pool = await club.services.pools.open(apple_terms(60, maximum="200"), "http://farm.test/beckn")
        found = await buyers[0].services.buyer.search("云拼", CLUB, wait=2)
        items = [i for r in found for p in (r["catalog"] or {}).get("providers", []) for i in p.get("items", [])]
        listed = [i for i in items if i["id"] == pool.id]
        assert len(listed) == 1 and listed[0]["price"]["value"] == "3.00"
        tags = {t["descriptor"]["code"]: {e["descriptor"]["code"]: e["value"] for e in t["list"]}
                for t in listed[0]["tags"]}
        assert tags["duijie.pool"]["minimum_batch"] == "200" and tags["duijie.pool.tiers"]["100"] == "2.60"

        placed = []
        for node, qty in zip(buyers[:1], ("80",), strict=True):
            placed.append(await node.services.buyer.place(node.services.pools.pledge_kind(), PledgeOrder(
                CLUB, "chuanshan", pool.id, Decimal(qty), "kg")))
        # The producer reads its pooled demand from the organizer's catalog (JSON API).
        token = (farm.data_dir / "admin-token").read_text().strip()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=farm.app), base_url="http://farm.test") as api:
            resp = await api.get("/api/demand", params={"organizer": CLUB, "wait": "1"},
                                 headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200, resp.text
        offers = resp.json()["offers"]
        assert [(o["offer_id"], o["pledged"], o["buyers"]) for o in offers] == [("apples", "80", 1)]
        assert offers[0]["pools"][0]["organizer_id"] == "club.test" and offers[0]["pools"][0]["to_minimum"] == "120"
        # The organizer cannot change the terms under the first buyer: the change is only proposed
        # (re-consent over Beckn: tests/integration/test_pool_terms_inprocess.py).
        club_token = (club.data_dir / "admin-token").read_text().strip()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=club.app), base_url="http://club.test") as api:
            later = (datetime.now(UTC) + timedelta(seconds=90)).isoformat()
            proposed = await api.post(f"/api/pools/{pool.id}/terms", json={"deadline": later},
                                      headers={"Authorization": f"Bearer {club_token}"})
            assert proposed.status_code == 202, proposed.text
            assert proposed.json()["pool"]["terms_version"] == 1
            assert proposed.json()["pool"]["proposal"]["terms_version"] == 2
        for node, qty in zip(buyers[1:], ("70", "45.5"), strict=True):
            placed.append(await node.services.buyer.place(node.services.pools.pledge_kind(), PledgeOrder(
                CLUB, "chuanshan", pool.id, Decimal(qty), "kg")))
        assert all(p["receipt_state"] == "countersigned" for p in placed)
        pledge_ids = [p["order_id"] for p in placed]

        # Bad inputs: a zero pledge, one beyond the maximum, another buyer's withdrawal.
        for qty, rule in (("0", "quantity_not_positive"), ("60", "beyond_maximum")):
            with pytest.raises(SellerRefused) as refused:
                await buyers[0].services.buyer.place(buyers[0].services.pools.pledge_kind(),
                                                     PledgeOrder(CLUB, "chuanshan", pool.id, Decimal(qty), "kg"))
            assert rule in refused.value.message
        with pytest.raises(SellerRefused) as refused:
            await buyers[1].services.buyer._request(Action.CANCEL, Peer("tx-x", CLUB, "club.test"),
                                                    {"order_id": pledge_ids[0]})
        assert refused.value.code == "30010"

        # The third buyer tops up to exactly the maximum: the pool falls due and closes at once.
        changed = await buyers[2].services.buyer.update(pledge_ids[2], "items", {
            "items": pledge_items(pool.id, Decimal(50), "kg")})
        assert changed["order"]["items"][0]["quantity"]["selected"]["measure"]["value"] == "50"
        closed = await eventually(lambda: club.services.pool_closer.closed)
        assert closed == 1
        stored = await club.services.pools.get(pool.id)
        assert stored.pool.state is PoolState.SUCCEEDED and stored.outcome["unit_price"] == "2.60"

        # The farm receives one batch order for the 200 kg at 2.60, linking the three pledges.
        batch_id = await eventually(lambda: club.services.pool_closer.place_batch.placed.get(pool.id))
        with SqlUnitOfWorkFactory(farm.engine)(read_only=True) as uow:
            batch = uow.receipts.get(batch_id)
            assert batch is not None and batch_id.startswith("B-")
            assert batch["agreement"]["quote"]["price"] == {"currency": "USD", "value": "520.00"}
            assert batch["agreement"]["bap_id"] == "club.test"
        assert (await club.services.pools.get(pool.id)).batch_state == "confirmed"

        organizer_keys = keys_of(club)
        for node, pledge_id, qty in zip(buyers, pledge_ids, ("80", "70", "50"), strict=True):
            held = await eventually(lambda n=node, p=pledge_id: _purchase(n, f"{p}-allocation"))
            receipt = receipt_from_tags(held["order"]["tags"])
            check = verify_receipt(receipt, [organizer_keys])
            assert check.ok and check.agreement is not None
            quote = check.agreement["quote"]
            assert quote["price"]["value"] == str(Decimal(qty) * Decimal("2.60"))
            assert check.agreement["bap_id"] == node.config.subscriber_id
        if spec_available():  # every message a member got is valid Beckn 1.1.1
            for node, pledge_id in zip(buyers, pledge_ids, strict=True):
                tx = node.services.buyer.purchase(pledge_id)["transaction_id"]
                docs = [c for c in node.services.buyer.transaction(tx) if c["action"] != "on_search"]
                assert {c["action"] for c in docs} >= {"on_select", "on_init", "on_confirm", "on_status"}
                for c in docs:
                    assert validate_message(c["action"], c["document"]) == [], c["action"]

        with pytest.raises(SellerRefused):  # closed: no more pledges
            await buyers[0].services.buyer.place(buyers[0].services.pools.pledge_kind(),
                                                 PledgeOrder(CLUB, "chuanshan", pool.id, Decimal(1), "kg"))


def _purchase(node: Node, order_id: str) -> dict[str, Any] | None:
    try:
        return dict(node.services.buyer.purchase(order_id))
    except Exception:  # noqa: BLE001 - not arrived yet
        return None


async def test_a_pool_below_its_minimum_releases_every_pledge_by_callback(net: MockNet) -> None:
    club = net.add("club", roles=("BPP", "BAP"), listing="chuanshan.json")
    buyer = net.add("b0", roles=("BAP",))
    async with running(club.services), running(buyer.services):
        pool = await club.services.pools.open(apple_terms(8), "http://farm.test/beckn")
        placed = await buyer.services.buyer.place(buyer.services.pools.pledge_kind(),
                                                  PledgeOrder(CLUB, "chuanshan", pool.id, Decimal(50), "kg"))
        released = await eventually(
            lambda: (_purchase(buyer, placed["order_id"]) or {}).get("status") == "CANCELLED", seconds=20)
        assert released
        stored = await club.services.pools.get(pool.id)
        assert stored.pool.state is PoolState.FAILED and stored.outcome["allocations"] == []
