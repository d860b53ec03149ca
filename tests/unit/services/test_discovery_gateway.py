"""The gateway multicasts a BAP's search, both signatures intact; /peers is rate-limited."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from tests.support.mock_network import DEMO_DATA, MockNet, learn, url

from duijie.protocol.context import Action, Context, format_timestamp
from duijie.protocol.outbound import wire_bytes
from duijie.protocol.pipeline import Verified
from duijie.services.beckn_inbox import Nack

pytestmark = pytest.mark.anyio


@pytest.fixture
def net(net: MockNet, monkeypatch: pytest.MonkeyPatch) -> MockNet:
    monkeypatch.delenv("DUIJIE_LOCAL_INDEX")  # a buyer node keeps its local search index, as by default
    return net


def _search(bpp_id: str | None = None) -> bytes:
    ctx = Context(domain="retail", action=Action.SEARCH, bap_id="buyer.test", bap_uri="http://buyer.test/beckn",
                  transaction_id="t-1", message_id="m-1", timestamp=format_timestamp(datetime.now(UTC)),
                  ttl="PT30S", bpp_id=bpp_id, bpp_uri="http://shop.test/beckn" if bpp_id else None)
    return wire_bytes({"context": ctx.to_dict(), "message": {"intent": {"descriptor": {"name": "凉皮"}}}})


async def test_gateway_forwards_the_bap_search_with_both_signatures_verified(net: MockNet) -> None:
    peers = (url("shop"), url("gw"), url("buyer"))
    for name, extra in (("shop", {}), ("gw", {"gateway": True}), ("buyer", {})):
        net.add(name, peers=tuple(p for p in peers if p != url(name)), **extra)  # type: ignore[arg-type]
    net.nodes["shop"].services.catalog.import_document(json.loads((DEMO_DATA / "chuanshan.json").read_text()))
    await learn(*net.nodes.values())
    seen: list[Verified] = []

    async def record(verified: Verified) -> Nack | None:
        seen.append(verified)
        return None

    net.nodes["shop"].services.beckn.register(Action.SEARCH, record)
    body = _search()
    headers = net.nodes["buyer"].signer.headers_for(body, datetime.now(UTC))
    resp = await net.transport.send(url("gw") + "/beckn/search", body, headers)
    assert resp.status == 200
    await net.nodes["gw"].services.discovery.gateway.drain()
    shop_hits = [v for v in seen if v.gateway_subscriber_id == "gw.test"]
    assert len(shop_hits) == 1 and shop_hits[0].signer_subscriber_id == "buyer.test"


async def test_gateway_does_not_multicast_a_search_addressed_to_one_bpp(net: MockNet) -> None:
    net.add("shop", roles=("BPP",))
    gw = net.add("gw", peers=(url("shop"),), gateway=True)
    net.add("buyer", peers=(url("gw"),))
    for name in ("gw", "buyer", "gw"):
        await net.nodes[name].services.discovery.run_round()
    body = _search(bpp_id="shop.test")
    headers = net.nodes["buyer"].signer.headers_for(body, datetime.now(UTC))
    await net.transport.send(url("gw") + "/beckn/search", body, headers)
    await gw.services.discovery.gateway.drain()
    assert gw.services.discovery.gateway.stats.forwarded == 0


async def test_a_peer_calling_too_fast_is_rate_limited(net: MockNet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUIJIE_PEER_RATE", "5")
    net.add("shop")
    statuses = [(await net.transport.send(url("shop") + "/peers/self", b"{}", {})).status for _ in range(40)]
    assert statuses[0] == 200 and 429 in statuses


async def test_on_search_comes_back_through_the_gateway_and_the_buyer_verifies_both(net: MockNet) -> None:
    peers = (url("shop"), url("gw"), url("buyer"))
    for name, extra in (("shop", {}), ("gw", {"gateway": True}), ("buyer", {})):
        net.add(name, peers=tuple(p for p in peers if p != url(name)), **extra)  # type: ignore[arg-type]
    net.nodes["shop"].services.catalog.import_document(json.loads((DEMO_DATA / "chuanshan.json").read_text()))
    await learn(*net.nodes.values())
    got: list[Verified] = []
    buyer_inbox = net.nodes["buyer"].services.beckn
    stored = buyer_inbox.handler_for(Action.ON_SEARCH)

    async def record(verified: Verified) -> Nack | None:
        got.append(verified)
        return await stored(verified) if stored else None

    buyer_inbox.register(Action.ON_SEARCH, record)
    body = _search()
    headers = net.nodes["buyer"].signer.headers_for(body, datetime.now(UTC))
    assert (await net.transport.send(url("gw") + "/beckn/search", body, headers)).status == 200
    await net.nodes["gw"].services.discovery.gateway.drain()
    await net.nodes["shop"].outbox.deliver_due()  # the shop's on_search goes to the gateway
    gateway = net.nodes["gw"].services.discovery.gateway
    await gateway.drain()
    assert gateway.stats.relayed == 1
    relayed = [v for v in got if v.gateway_subscriber_id == "gw.test"]
    assert len(relayed) == 1
    assert relayed[0].signer_subscriber_id == "shop.test"  # the shop's own signature, unchanged
    assert "川陕名吃" in json.dumps(relayed[0].message, ensure_ascii=False)
    sent_to_gateway = [u for u, _ in net.transport.sent if u == url("gw") + "/beckn/on_search"]
    assert sent_to_gateway, "the shop answered the BAP directly instead of through the gateway"


async def test_every_sellers_answer_is_relayed_and_a_gateway_without_providers_adds_none(net: MockNet) -> None:
    # Every seller's on_search answers the one search under its message_id: the gateway and the
    # buyer accept each (replays are per sender), and the gateway, hosting no provider, adds none.
    sellers = {"shop": "chuanshan.json", "farm": "farm.json", "factory": "factory.json"}
    names = (*sellers, "gw", "buyer")
    for name in names:
        net.add(name, peers=tuple(url(p) for p in names if p != name), gateway=name == "gw")
    for name, listing in sellers.items():
        net.nodes[name].services.catalog.import_document(json.loads((DEMO_DATA / listing).read_text()))
    await learn(*net.nodes.values())
    got: list[Verified] = []
    buyer_inbox = net.nodes["buyer"].services.beckn
    stored = buyer_inbox.handler_for(Action.ON_SEARCH)

    async def record(verified: Verified) -> Nack | None:
        got.append(verified)
        return await stored(verified) if stored else None

    buyer_inbox.register(Action.ON_SEARCH, record)
    body = wire_bytes({**json.loads(_search()), "message": {"intent": {}}})  # everything each one sells
    headers = net.nodes["buyer"].signer.headers_for(body, datetime.now(UTC))
    assert (await net.transport.send(url("gw") + "/beckn/search", body, headers)).status == 200
    gateway = net.nodes["gw"].services.discovery.gateway
    await gateway.drain()
    assert gateway.stats.forwarded == 3
    for name in sellers:
        await net.nodes[name].outbox.deliver_due()
    await net.nodes["gw"].outbox.deliver_due()  # an answer of the gateway's own would go now
    await gateway.drain()
    assert sorted(v.signer_subscriber_id for v in got) == ["factory.test", "farm.test", "shop.test"]
    assert {v.gateway_subscriber_id for v in got} == {"gw.test"}
    assert {v.context.message_id for v in got} == {"m-1"}
    assert all(v.message["catalog"]["providers"] for v in got)
    assert gateway.stats.relayed == 3 and gateway.stats.failed == 0
