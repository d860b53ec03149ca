"""Proposed pool terms on "Mine" and after a decline, between in-process nodes (MockTransport): a
pledge whose organizer proposed new terms is flagged on ``/mine`` ("new terms to answer", linking
to its pool page's proposal); a pledger who declined sees the proposal still open on the pool page
and may accept it there (the organizer counts a pledger's last answer), and the terms then take
effect; once answered, nothing is flagged any more."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from dataclasses import dataclass
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

pytestmark = pytest.mark.anyio

CLUB = "http://club.test/beckn"
WHERE = {"bpp": CLUB, "provider": "chuanshan", "bpp_id": "club.test"}


@dataclass
class Pledged:
    club: Node
    diner: Node
    pool_id: str
    order_id: str

    def state(self) -> str | None:
        assert self.diner.services.buyer is not None
        tags = self.diner.services.buyer.purchase(self.order_id)["order"].get("tags")
        return (proposal_of(tags) or {}).get("state")

    async def propose(self) -> None:
        """The organizer proposes a minimum batch of 150; its signed word reaches the diner."""
        assert self.club.services.pools is not None
        doc = terms_out((await self.club.services.pools.get(self.pool_id)).pool.terms)
        doc["offer"] = {**doc["offer"], "minimum_batch": 150}
        await self.club.services.pools.propose(self.pool_id, terms_in(doc, "$"))
        for _ in range(100):
            if self.state() == "proposed":
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the proposal did not reach the diner's node")


@pytest.fixture
async def pledged(net: MockNet) -> AsyncIterator[Pledged]:
    """A pool organized by the club with the diner's pledge of 40 kg (the only pledge)."""
    club = net.add("club", roles=("BPP", "BAP"), listing="chuanshan.json")
    diner = net.add("diner", peers=(url("club"),), roles=("BAP",))
    async with running(club.services), running(diner.services):
        assert club.services.pools is not None and diner.services.pools is not None
        assert diner.services.buyer is not None and diner.services.discovery is not None
        await diner.services.discovery.run_round()
        pool = await club.services.pools.open(apple_terms(), "http://farm.test/beckn")
        placed = await diner.services.buyer.place(diner.services.pools.pledge_kind(), PledgeOrder(
            CLUB, "chuanshan", pool.id, Decimal(40), "kg"))
        yield Pledged(club, diner, pool.id, str(placed["order_id"]))


def card(page: str, order_id: str) -> str:
    start = page.index(f'data-order="{order_id}"')
    return html.unescape(page[start:page.index("</li>", start)])


async def answer(web: httpx.AsyncClient, p: Pledged, choice: str) -> httpx.Response:
    page = await web.get(f"/pools/{p.pool_id}", params=WHERE)
    return await web.post(f"/pools/{p.pool_id}/pledges/{p.order_id}/terms",
                          data={**WHERE, "answer": choice, "csrf_token": form_token(page.text)})


async def test_mine_flags_a_pledge_with_new_terms_to_answer_and_links_to_them(pledged: Pledged) -> None:
    async with page_client(pledged.diner) as web, page_client(pledged.diner, lang="zh") as zh:
        before = card((await web.get("/mine")).text, pledged.order_id)
        await pledged.propose()
        flagged = card((await web.get("/mine")).text, pledged.order_id)
        chinese = card((await zh.get("/mine")).text, pledged.order_id)
        pool_page = (await web.get(f"/pools/{pledged.pool_id}", params=WHERE)).text
    assert "New terms to answer" not in before
    assert "New terms to answer" in flagged
    link = f'href="/pools/{pledged.pool_id}?bpp='
    assert link in flagged and f'#proposal-h-{pledged.order_id}">New terms to answer</a>' in flagged
    assert "有新条款待答复" in chinese
    assert f'id="proposal-h-{pledged.order_id}"' in pool_page  # the anchor the flag links to


async def test_a_pledger_who_declined_may_still_accept_and_the_terms_take_effect(pledged: Pledged) -> None:
    assert pledged.club.services.pools is not None
    await pledged.propose()
    async with page_client(pledged.diner) as web:
        declined = await answer(web, pledged, "decline")
        assert declined.status_code == 303, declined.text
        assert pledged.state() == "declined"
        page = (await web.get(declined.headers["location"])).text
        mine = card((await web.get("/mine")).text, pledged.order_id)
        accepted = await answer(web, pledged, "accept")
        after_mine = card((await web.get("/mine")).text, pledged.order_id)
    assert f"You declined the new terms for your pledge {pledged.order_id}</h2>" in page
    assert 'value="accept"' in page and 'value="decline"' not in page  # the way back, not a dead end
    assert "If you decline" not in page  # they already have
    assert "You declined the new terms: you may still accept them" in mine and "New terms to answer" not in mine
    assert accepted.status_code == 303 and "answer=in_effect" in accepted.headers["location"], accepted.text
    stored = await pledged.club.services.pools.get(pledged.pool_id)
    assert stored.pool.terms_version == 2 and stored.proposal is None
    assert "New terms to answer" not in after_mine and "you may still accept" not in after_mine
