"""Answering proposed pool terms from the pool page, between in-process nodes (MockTransport): the
pledger's node shows the proposed terms beside those in effect (what changes marked, the deadline
in the organizer's zone, in the visitor's language) with Accept / Decline; accepting goes over
Beckn and the change takes effect; a forged proposal is refused beside the buttons, translated,
without internal prefixes, and nothing is accepted; declining keeps the terms in effect."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from tests.support.mock_network import MockNet, url
from tests.support.mock_pools import apple_terms
from tests.support.mock_web import form_token, page_client

from duijie.bootstrap import Node
from duijie.interchange.pool_json import terms_in, terms_out
from duijie.protocol.mapping.pools import proposal_of
from duijie.services.container import running
from duijie.services.trade.pool.buying import PledgeOrder
from duijie.storage.uow import SqlUnitOfWorkFactory

pytestmark = pytest.mark.anyio

CLUB = "http://club.test/beckn"
WHERE = {"bpp": CLUB, "provider": "chuanshan", "bpp_id": "club.test"}
LATER = datetime(2031, 3, 7, 18, 30, tzinfo=UTC)  # 13:30 in Rockville (EST)


@pytest.fixture
async def proposed(net: MockNet) -> AsyncIterator[tuple[Node, Node, str, str]]:
    """A pool with the diner's pledge of 40 kg, and proposed terms: minimum 150, a later deadline."""
    async with scenario(net) as found:
        yield found


@asynccontextmanager
async def scenario(net: MockNet, others: int = 0) -> AsyncIterator[tuple[Node, Node, str, str]]:
    """:func:`proposed`, with ``others`` more buyer nodes pledging 10 kg each before the proposal."""
    club = net.add("club", roles=("BPP", "BAP"), listing="chuanshan.json")
    diner = net.add("diner", peers=(url("club"),), roles=("BAP",))
    async with running(club.services), running(diner.services), AsyncExitStack() as stack:
        assert club.services.pools is not None and diner.services.pools is not None
        assert diner.services.buyer is not None and diner.services.discovery is not None
        await diner.services.discovery.run_round()  # the diner holds the club's catalog (its zone)
        pool = await club.services.pools.open(apple_terms(), "http://farm.test/beckn")
        placed = await diner.services.buyer.place(diner.services.pools.pledge_kind(), PledgeOrder(
            CLUB, "chuanshan", pool.id, Decimal(40), "kg"))
        for i in range(others):
            other = net.add(f"b{i}", roles=("BAP",))
            await stack.enter_async_context(running(other.services))
            assert other.services.buyer is not None and other.services.pools is not None
            await other.services.buyer.place(other.services.pools.pledge_kind(), PledgeOrder(
                CLUB, "chuanshan", pool.id, Decimal(10), "kg"))
        doc = terms_out(pool.terms)
        doc["deadline"] = LATER.isoformat()
        doc["offer"] = {**doc["offer"], "minimum_batch": 150}
        await club.services.pools.propose(pool.id, terms_in(doc, "$"))
        order_id = str(placed["order_id"])
        for _ in range(100):  # the signed on_status reaches the diner's node
            if (proposal_of(diner.services.buyer.purchase(order_id)["order"].get("tags")) or {}).get("state"):
                break
            await asyncio.sleep(0.05)
        yield club, diner, pool.id, order_id


def row(html: str, name: str) -> str:
    found = re.search(rf'<tr( class="changed")?>\s*<th scope="row">{name}.*?</tr>', html, re.S)
    assert found, f"no row {name}"
    return found.group(0)


async def answer(web: httpx.AsyncClient, pool_id: str, order_id: str, choice: str) -> httpx.Response:
    page = await web.get(f"/pools/{pool_id}", params=WHERE)
    return await web.post(f"/pools/{pool_id}/pledges/{order_id}/terms",
                          data={**WHERE, "answer": choice, "csrf_token": form_token(page.text)})


async def test_the_page_shows_the_proposal_beside_the_terms_and_accepting_applies_it(
        proposed: tuple[Node, Node, str, str]) -> None:
    club, diner, pool_id, order_id = proposed
    assert club.services.pools is not None
    async with page_client(diner) as web:
        page = await web.get(f"/pools/{pool_id}", params=WHERE)
        html = page.text
        assert page.status_code == 200 and f"New terms proposed for your pledge {order_id}" in html
        minimum = row(html, "Minimum batch")
        assert 'class="changed"' in minimum and "200 kg" in minimum and "150 kg" in minimum
        deadline = row(html, "Closes")
        assert 'class="changed"' in deadline and "1:30" in deadline and "America/New_York" in deadline
        assert 'class="changed"' not in row(html, "Price tiers") and "$2.20" in row(html, "Price tiers")
        assert 'name="answer" value="accept"' in html and 'name="answer" value="decline"' in html
        done = await answer(web, pool_id, order_id, "accept")
        assert done.status_code == 303, done.text
        after = await web.get(done.headers["location"])
    assert "answer=in_effect" in done.headers["location"]  # the only pledger: its answer applied the change
    assert "Every pledger has accepted them: they are in effect now." in after.text
    assert "New terms proposed" not in after.text
    stored = await club.services.pools.get(pool_id)  # the only pledger accepted: the change is in effect
    assert stored.pool.terms_version == 2 and stored.pool.terms.offer.minimum_batch == 150


async def test_the_proposal_reads_in_chinese(proposed: tuple[Node, Node, str, str]) -> None:
    _club, diner, pool_id, order_id = proposed
    async with page_client(diner, lang="zh") as web:
        page = await web.get(f"/pools/{pool_id}", params=WHERE)
    assert "收到新条款提议" in page.text and "接受新条款" in page.text and "拒绝新条款" in page.text
    assert "Accept the new terms" not in page.text and "Minimum batch" not in page.text


async def test_a_forged_proposal_is_refused_beside_the_buttons_and_nothing_is_accepted(
        proposed: tuple[Node, Node, str, str]) -> None:
    club, diner, pool_id, order_id = proposed
    assert club.services.pools is not None
    with SqlUnitOfWorkFactory(diner.engine)() as uow:  # the proposal as stored here, altered after signing
        held = uow.purchases.get(order_id)
        assert held is not None
        document = json.loads(json.dumps(held.document))
        terms = next(t for t in document["order"]["tags"] if t["descriptor"]["code"] == "duijie.pool.terms")
        signed = json.loads(terms["list"][0]["value"])
        assert signed["statement"]["terms"]["offer"]["minimum_batch"] == 150
        signed["statement"]["terms"]["offer"]["minimum_batch"] = 15
        terms["list"][0]["value"] = json.dumps(signed)
        uow.purchases.put(replace(held, document=document))
        uow.commit()
    for lang, message in (("en", "The organizer&#39;s signature on the proposed terms does not verify"),
                          ("zh", "组织者对新条款的签名验证失败")):
        async with page_client(diner, lang=lang) as web:
            refused = await answer(web, pool_id, order_id, "accept")
        assert refused.status_code == 400 and message in refused.text
        assert f'aria-describedby="e-terms-{order_id}"' in refused.text
        assert "terms_not_verified" not in refused.text and "HTTP" not in refused.text
    stored = await club.services.pools.get(pool_id)
    assert stored.pool.terms_version == 1 and stored.proposal is not None


async def test_declining_keeps_the_terms_in_effect(proposed: tuple[Node, Node, str, str]) -> None:
    club, diner, pool_id, order_id = proposed
    assert club.services.pools is not None
    async with page_client(diner) as web:
        done = await answer(web, pool_id, order_id, "decline")
        assert done.status_code == 303, done.text
        after = await web.get(done.headers["location"])
    # (a decliner may still accept while the proposal is open: test_x1_mine_proposals.py)
    assert "You declined the new terms" in after.text and "New terms proposed" not in after.text
    stored = await club.services.pools.get(pool_id)
    assert stored.pool.terms_version == 1 and stored.proposal is not None


async def test_accepting_before_the_others_is_recorded_and_the_terms_wait(net: MockNet) -> None:
    async with scenario(net, others=1) as (club, diner, pool_id, order_id):
        assert club.services.pools is not None and diner.services.buyer is not None
        async with page_client(diner) as web:
            done = await answer(web, pool_id, order_id, "accept")
            assert done.status_code == 303 and "answer=accept" in done.headers["location"], done.text
            after = await web.get(done.headers["location"])
        assert "They take effect once every pledger has accepted them." in after.text
        assert "New terms proposed" not in after.text  # the organizer recorded the answer: nothing left to answer
        tags = diner.services.buyer.purchase(order_id)["order"]["tags"]
        assert (proposal_of(tags) or {}).get("state") == "accepted"
        stored = await club.services.pools.get(pool_id)
        assert stored.pool.terms_version == 1 and stored.proposal is not None  # b0 has not answered


async def test_an_answer_without_the_forms_token_or_from_a_stranger_changes_nothing(
        proposed: tuple[Node, Node, str, str]) -> None:
    club, diner, pool_id, order_id = proposed
    assert club.services.pools is not None and diner.services.buyer is not None
    async with page_client(diner) as web:
        forged = await web.post(f"/pools/{pool_id}/pledges/{order_id}/terms",
                                data={**WHERE, "answer": "accept", "csrf_token": "forged"})
    async with page_client(diner, host="203.0.113.9") as stranger:
        outside = await stranger.post(f"/pools/{pool_id}/pledges/{order_id}/terms", data={**WHERE, "answer": "accept"})
        page = await stranger.get(f"/pools/{pool_id}", params=WHERE)
    assert forged.status_code == 403
    assert outside.status_code == 303 and outside.headers["location"].startswith("/merchant/login")
    assert "New terms proposed" not in page.text  # a pledge's proposal is shown to the node's owner only
    tags = diner.services.buyer.purchase(order_id)["order"]["tags"]
    assert (proposal_of(tags) or {}).get("state") == "proposed"
    assert (await club.services.pools.get(pool_id)).pool.terms_version == 1
