"""Live search across in-process nodes (MockTransport): through a gateway, and straight to sellers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from tests.support.mock_network import MockNet, learn, url

pytestmark = pytest.mark.anyio


@pytest.fixture
def net(net: MockNet, monkeypatch: pytest.MonkeyPatch) -> MockNet:
    monkeypatch.delenv("DUIJIE_LOCAL_INDEX")  # a buyer node keeps its local search index, as by default
    return net


async def _sellers_behind_a_gateway(net: MockNet) -> None:
    for name, listing in (("shop", "chuanshan.json"), ("farm", "farm.json")):
        net.add(name, peers=(url("gw"),), roles=("BPP",), listing=listing)
    net.add("gw", peers=(url("shop"), url("farm")), roles=(), gateway=True)
    net.add("buyer", peers=(url("gw"),), roles=("BAP",))
    await learn(*net.nodes.values(), rounds=3)


@pytest.fixture
async def senders(net: MockNet) -> AsyncIterator[None]:
    """Every node's outbox sender runs (the sellers' on_search go out through it)."""
    await _sellers_behind_a_gateway(net)
    tasks = [asyncio.create_task(node.outbox.run(0.05)) for node in net.nodes.values()]
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _search(net: MockNet, **criteria: Any) -> dict[str, Any]:
    result: dict[str, Any] = await net.nodes["buyer"].services.live_search.search(criteria, live=True, wait=5)
    return result


async def test_both_sellers_answer_through_the_gateway_and_the_wait_ends_when_they_have(
    net: MockNet, senders: None
) -> None:
    out = await _search(net, limit=50)
    assert [t["role"] for t in out["live"]["asked"]] == ["BG"]
    assert out["live"]["answered"] == ["farm.test", "shop.test"]
    assert out["live"]["took_seconds"] < 5  # every known seller answered: no need to wait longer
    live = {r["provider_id"] for r in out["results"] if r["source"] == "live"}
    assert live == {"chuanshan", "greenvalley-farm"}


async def test_with_the_gateway_gone_the_sellers_are_asked_directly(net: MockNet, senders: None) -> None:
    net.transport.down.add(url("gw"))
    out = await _search(net, text="凉皮")
    assert [t["role"] for t in out["live"]["asked"]] == ["BG", "BPP", "BPP"]
    assert f"{url('gw')}/beckn" in out["live"]["failed"]
    rows = [r for r in out["results"] if r["provider_id"] == "chuanshan" and r["kind"] == "item"]
    assert {(r["source"], r["location"]["id"]) for r in rows} == {("live", "dc"), ("live", "rockville")}
