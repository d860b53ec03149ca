"""Opening a pool from the offer page embeds the producer's signed offer (in-process nodes,
MockTransport): the organizer's node fetches it from the producer's node through the pool
service's port, verifies it and embeds it, as ``pool open --signed`` does; with the producer's
node down the page says so beside the form, in the visitor's language, and opens nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tests.support.mock_network import DEMO_DATA, MockNet, url
from tests.support.mock_web import form_token, page_client, sign_in_as_merchant

from duijie.bootstrap import Node
from duijie.protocol.provenance import check_signed_offer
from duijie.services.container import running

pytestmark = pytest.mark.anyio
FARM_OFFER = {"seller": "farm.test", "provider": "greenvalley-farm"}


@pytest.fixture
async def organizer(net: MockNet) -> AsyncIterator[tuple[Node, Node]]:
    """The club (organizer, holding the farm's catalog) and the farm (producer of the apples)."""
    farm = net.add("farm", roles=("BPP",), listing="farm.json")
    club = net.add("club", peers=(url("farm"),), roles=("BPP", "BAP"), listing="chuanshan.json")
    async with running(farm.services), running(club.services):
        assert club.services.discovery is not None
        await club.services.discovery.run_round()
        yield club, farm


@asynccontextmanager
async def signed_in(node: Node, lang: str) -> AsyncIterator[httpx.AsyncClient]:
    """The node's pages as its merchant (signed in from another address), in ``lang``."""
    async with page_client(node, host="198.51.100.7", lang=lang) as web:
        await sign_in_as_merchant(web, node)
        yield web


async def open_from_page(web: httpx.AsyncClient) -> httpx.Response:
    page = await web.get("/offers/apples", params=FARM_OFFER)
    assert page.status_code == 200 and 'name="deadline"' in page.text, page.text
    later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    return await web.post("/offers/apples/pool", data={**FARM_OFFER, "csrf_token": form_token(page.text),
                                                       "deadline": later, "pickup": "Rockville Town Square"})


async def test_the_pool_embeds_the_producers_signed_offer_fetched_from_its_node(
        net: MockNet, organizer: tuple[Node, Node]) -> None:
    club, _farm = organizer
    assert club.services.pools is not None
    async with signed_in(club, "en") as web:
        opened = await open_from_page(web)
    assert opened.status_code == 303, opened.text
    stored = await club.services.pools.get(opened.headers["location"].removeprefix("/pools/"))
    assert stored.signed_offer is not None
    check = check_signed_offer(stored.signed_offer)  # signed by the farm (the club hosts no farm listing)
    assert check.ok and check.producer_id == "farm.test" and check.provider_id == "greenvalley-farm"
    assert stored.pool.terms.producer_id == "farm.test" and stored.pool.terms.offer.minimum_batch == 200
    assert stored.pool.terms.offer.origin is not None  # the embedded offer's origin is the pool's


@pytest.mark.parametrize(("lang", "message"), [
    ("en", "The producer&#39;s node did not answer, so its signed offer could not be fetched"),
    ("zh", "生产者的节点没有响应，无法取得其签名报价"),
])
async def test_an_unreachable_producer_is_told_beside_the_form_and_nothing_is_opened(
        net: MockNet, organizer: tuple[Node, Node], lang: str, message: str) -> None:
    club, _farm = organizer
    assert club.services.pools is not None
    net.transport.down.add("http://farm.test")
    async with signed_in(club, lang) as web:
        refused = await open_from_page(web)
    assert refused.status_code == 400
    assert message in refused.text and 'aria-describedby="e-producer"' in refused.text
    assert "HTTP" not in refused.text and "farm.test/api" not in refused.text  # no internal detail
    assert 'value="Rockville Town Square"' in refused.text or "Rockville Town Square</textarea>" in refused.text
    assert await club.services.pools.list() == []


async def test_a_coop_hosting_the_offer_embeds_the_offer_it_signs_itself(net: MockNet) -> None:
    coop = net.add("coop", roles=("BPP", "BAP"))
    for listing in ("farm.json", "chuanshan.json"):  # producer and organizer on one node
        coop.services.catalog.import_document(json.loads((DEMO_DATA / listing).read_text()))
    async with running(coop.services), signed_in(coop, "en") as web:
        assert coop.services.pools is not None
        page = await web.get("/offers/apples")
        later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        opened = await web.post("/offers/apples/pool", data={"csrf_token": form_token(page.text), "deadline": later,
                                                             "pickup": "Rockville", "listed_under": "chuanshan"})
        assert opened.status_code == 303, opened.text
        stored = await coop.services.pools.get(opened.headers["location"].removeprefix("/pools/"))
    assert stored.signed_offer is not None
    check = check_signed_offer(stored.signed_offer)
    assert check.ok and check.producer_id == "coop.test"
