"""The organizer's signed pool terms and re-consent over Beckn, between in-process nodes.

A pool is opened signed by its organizer; its signed terms travel in on_search and on_select, and a
pledger's node checks them before pledging (a forged one is refused, naming the rule, and nothing
is pledged). A change of terms after the first pledge is proposed to every pledger by a signed
on_status; it takes effect only once every pledger accepted it over Beckn (a decliner may withdraw,
and then it does)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from tests.support.beckn_spec import spec_available, validate_message
from tests.support.mock_network import MockNet
from tests.support.mock_pools import apple_terms

from duijie.bootstrap import Node
from duijie.domain.pools import PoolError
from duijie.protocol.mapping.pools import proposal_of, signed_terms_of
from duijie.protocol.pool_terms import check_signed_terms
from duijie.protocol.receipts import StaticKeySource
from duijie.services.container import running
from duijie.services.trade.pool.buying import PledgeOrder, PoolPledge
from duijie.storage.uow import SqlUnitOfWorkFactory

pytestmark = pytest.mark.anyio

CLUB = "http://club.test/beckn"


@pytest.fixture
def net(net: MockNet, monkeypatch: pytest.MonkeyPatch) -> MockNet:
    monkeypatch.setenv("DUIJIE_POOL_INTERVAL", "0.2")  # pools due to close are looked for often
    return net


def keys_of(node: Node) -> StaticKeySource:
    return StaticKeySource("organizer", {(k.subscriber_id, k.unique_key_id): k.signing.public_key_base64()
                                         for k in node.signer.all_keys()})


async def eventually(check: Any, seconds: float = 5.0) -> Any:
    for _ in range(int(seconds / 0.05)):
        value = check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def api(node: Node) -> httpx.AsyncClient:
    token = (node.data_dir / "admin-token").read_text().strip()
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app), base_url="http://api.test",
                             headers={"Authorization": f"Bearer {token}"})


def club_node(net: MockNet) -> Node:
    club = net.add("club", roles=("BPP", "BAP"), listing="chuanshan.json")
    return club


async def test_signed_terms_travel_and_a_forged_pool_is_refused_before_pledging(net: MockNet) -> None:
    club = club_node(net)
    buyer = net.add("b0", roles=("BAP",))
    async with running(club.services), running(buyer.services):
        pool = await club.services.pools.open(apple_terms(60), "http://farm.test/beckn")
        stored = await club.services.pools.get(pool.id)
        check = check_signed_terms(stored.signed_terms, [keys_of(club)])
        assert check.proven and check.pool_id == pool.id and check.organizer_id == "club.test"
        assert check.terms is not None and check.terms.offer.minimum_batch == 200

        found = await buyer.services.buyer.search("云拼", CLUB, wait=2)
        items = [i for r in found for p in (r["catalog"] or {}).get("providers", []) for i in p.get("items", [])]
        listed = next(i for i in items if i["id"] == pool.id)
        assert signed_terms_of(listed["tags"]) == stored.signed_terms

        async with api(buyer) as client:  # the pledger's node checks the terms, then pledges
            body = {"bpp_uri": CLUB, "provider_id": "chuanshan", "pool_id": pool.id, "quantity": "40", "unit": "kg"}
            ok = await client.post("/api/pledges", json=body)
            assert ok.status_code == 201, ok.text
            unasked = await client.post(f"/api/pledges/{ok.json()['pledge']['order_id']}/consent",
                                        json={"answer": "accept"})
            assert unasked.status_code == 409 and "no_proposal" in unasked.text  # nothing proposed to answer

            # The organizer's node now serves altered terms (a lower minimum) under the old signature.
            forged = json.loads(json.dumps(stored.signed_terms))
            forged["statement"]["terms"]["offer"]["minimum_batch"] = 20
            with SqlUnitOfWorkFactory(club.engine)() as uow:
                uow.pools.set_signed_terms(pool.id, forged)
                uow.commit()
            refused = await client.post("/api/pledges", json=body)
            assert refused.status_code == 400, refused.text
            assert "terms_not_verified" in refused.text and "signature" in refused.text
        assert (await club.services.pools.get(pool.id)).pool.total == Decimal(40)  # nothing more pledged

        # A pool that carries no signed terms is refused the same way.
        with pytest.raises(PoolError) as caught:
            buyer.services.pools.verify_terms(None, pool.id)
        assert caught.value.rule.value == "terms_not_verified"


async def test_changed_terms_take_effect_only_when_every_pledger_accepted(net: MockNet) -> None:
    club = club_node(net)
    buyers = [net.add(f"b{i}", roles=("BAP",)) for i in range(3)]
    async with running(club.services), running(buyers[0].services), running(buyers[1].services), \
            running(buyers[2].services):
        pool = await club.services.pools.open(apple_terms(60), "http://farm.test/beckn")
        pledges = []
        for node, qty in zip(buyers[:2], ("40", "30"), strict=True):
            kind = PoolPledge(node.services.pools.verify_terms)
            pledges.append((await node.services.buyer.place(kind, PledgeOrder(
                CLUB, "chuanshan", pool.id, Decimal(qty), "kg")))["order_id"])

        later = (datetime.now(UTC) + timedelta(seconds=120)).replace(microsecond=0).isoformat()
        async with api(club) as client:
            proposed = await client.post(f"/api/pools/{pool.id}/terms", json={"deadline": later, "minimum_batch": 150})
        assert proposed.status_code == 202, proposed.text
        view = proposed.json()["pool"]
        assert view["terms_version"] == 1 and view["proposal"]["terms_version"] == 2
        assert view["terms"]["offer"]["minimum_batch"] == 200  # not in effect yet

        def told(node: Node, pledge_id: str, state: str) -> bool:
            order = node.services.buyer.purchase(pledge_id)["order"] or {}
            return (proposal_of(order.get("tags")) or {}).get("state") == state

        # A buyer pledging while the change is proposed is asked too (its on_confirm carries it).
        late = await buyers[2].services.buyer.place(PoolPledge(buyers[2].services.pools.verify_terms), PledgeOrder(
            CLUB, "chuanshan", pool.id, Decimal(10), "kg"))
        pledges.append(late["order_id"])
        for node, pledge_id in zip(buyers, pledges, strict=True):
            await eventually(lambda n=node, p=pledge_id: told(n, p, "proposed"))
            tags = node.services.buyer.purchase(pledge_id)["order"]["tags"]
            assert proposal_of(tags)["minimum_batch"] == "150"
            assert check_signed_terms(signed_terms_of(tags), [keys_of(club)]).terms_version == 2

        async with api(buyers[0]) as client:
            accepted = await client.post(f"/api/pledges/{pledges[0]}/consent", json={"answer": "accept"})
        assert accepted.status_code == 200, accepted.text
        assert (await club.services.pools.get(pool.id)).pool.terms_version == 1  # b1 has not accepted
        async with api(buyers[1]) as client:
            declined = await client.post(f"/api/pledges/{pledges[1]}/consent", json={"answer": "decline"})
            assert declined.status_code == 200, declined.text
            assert (await club.services.pools.get(pool.id)).pool.terms_version == 1
            # An answer to a version never proposed is refused, naming the rule.
            stale = await club.services.pools.get(pool.id)
            with pytest.raises(PoolError) as caught:
                await club.services.pools.consent(pool.id, "b1.test", 7, True)
            assert caught.value.rule.value == "no_proposal" and stale.proposal is not None
            # The decliner withdraws; the late pledger has not answered yet.
            gone = await client.post(f"/api/pledges/{pledges[1]}/withdraw")
            assert gone.status_code == 200, gone.text
        assert (await club.services.pools.get(pool.id)).pool.terms_version == 1
        async with api(buyers[2]) as client:  # now every remaining pledger has accepted: the change takes effect
            accepted = await client.post(f"/api/pledges/{pledges[2]}/consent", json={"answer": "accept"})
            assert accepted.status_code == 200, accepted.text

        stored = await club.services.pools.get(pool.id)
        assert stored.pool.terms_version == 2 and stored.proposal is None
        assert stored.pool.terms.offer.minimum_batch == 150 and stored.pool.terms.deadline.isoformat() == later
        check = check_signed_terms(stored.signed_terms, [keys_of(club)])
        assert check.proven and check.terms_version == 2 and check.terms is not None
        assert check.terms.offer.minimum_batch == 150
        await eventually(lambda: told(buyers[0], pledges[0], "in_effect"))

        if spec_available():  # the proposal, the consent and the notice of effect are valid Beckn 1.1.1
            tx = buyers[0].services.buyer.purchase(pledges[0])["transaction_id"]
            docs = [c for c in buyers[0].services.buyer.transaction(tx) if c["action"] == "on_status"]
            assert len(docs) >= 2
            for c in docs:
                assert validate_message(c["action"], c["document"]) == [], c["document"]
