"""Pool, offer and "Mine" pages between in-process nodes (MockTransport): a buyer node shows a pool
organized on another node, refuses bad pledges beside the field (zero, negative, fractional,
beyond the maximum, after the close) without pledging, pledges a good one over Beckn and lists
it in "Mine" with its receipt verified and downloadable; the offer page tells source-direct from
unverified; the owner's and merchant's pages are not open to anybody."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from tests.support.mock_network import DEMO_DATA, MockNet
from tests.support.mock_pools import apple_terms
from tests.support.mock_web import form_token, page_client, sign_in_as_merchant

from duijie.bootstrap import Node
from duijie.domain.money import Money
from duijie.domain.offers import PriceTier
from duijie.interchange.listing_json import listing_from_document
from duijie.interchange.trade_json import offer_out
from duijie.protocol.keys import SigningKey
from duijie.protocol.provenance import relisted_offer, sign_offer
from duijie.services.container import running
from duijie.services.ports import KnownKey
from duijie.storage.uow import SqlUnitOfWorkFactory

pytestmark = pytest.mark.anyio

CLUB = "http://club.test/beckn"
WHERE = {"bpp": CLUB, "provider": "chuanshan", "bpp_id": "club.test"}


@pytest.fixture
def net(net: MockNet, monkeypatch: pytest.MonkeyPatch) -> MockNet:
    monkeypatch.setenv("DUIJIE_POOL_INTERVAL", "0.2")  # pools due to close are looked for often
    return net


@pytest.fixture
async def nodes(net: MockNet) -> AsyncIterator[tuple[Node, Node]]:
    club = net.add("club", roles=("BPP", "BAP"), listing="chuanshan.json")
    diner = net.add("diner", roles=("BAP",))
    async with running(club.services), running(diner.services):
        yield club, diner


async def pledge(web: httpx.AsyncClient, pool_id: str, quantity: str) -> httpx.Response:
    page = await web.get(f"/pools/{pool_id}", params=WHERE)
    assert page.status_code == 200, page.text
    return await web.post(f"/pools/{pool_id}/pledge", data={**WHERE, "quantity": quantity,
                                                            "csrf_token": form_token(page.text)})


async def test_a_buyer_node_shows_a_pool_organized_elsewhere(nodes: tuple[Node, Node]) -> None:
    club, diner = nodes
    pool = await club.services.pools.open(apple_terms(maximum="200"), "http://farm.test/beckn")
    async with page_client(diner) as web:
        page = await web.get(f"/pools/{pool.id}", params=WHERE)
        live = await web.get(f"/pools/{pool.id}/progress", params=WHERE)
    assert page.status_code == 200
    html = page.text
    assert "<title>Pool: Fuji apples" in html and 'lang="en"' in html
    assert 'class="to-minimum" value="0" max="200"' in html and "200 kg more to reach the minimum" in html
    assert "data-countdown=" in html and f'data-live="/pools/{pool.id}/progress?' in html
    assert "$2.60" in html and "$2.20" in html and "Maximum 200 kg; 200 kg left." in html
    assert '<label for="f-quantity">Quantity (kg)</label>' in html
    assert live.status_code == 200 and "<html" not in live.text and "0 kg pledged" in live.text


@pytest.mark.parametrize(("quantity", "lang", "message"), [
    ("0", "en", "Enter a quantity above 0."),
    ("-5", "en", "Enter a quantity above 0."),
    ("1.2345", "en", "at most 3 decimal places"),
    ("abc", "en", "Enter the quantity as a number"),
    ("250", "en", "Only 200 kg are left under the pool&#39;s maximum."),
    ("0", "zh", "请输入大于 0 的数量。"),
])
async def test_a_bad_pledge_is_refused_beside_the_field_and_nothing_is_pledged(
        nodes: tuple[Node, Node], quantity: str, lang: str, message: str) -> None:
    club, diner = nodes
    pool = await club.services.pools.open(apple_terms(maximum="200"), "http://farm.test/beckn")
    async with page_client(diner, lang=lang) as web:
        refused = await pledge(web, pool.id, quantity)
    assert refused.status_code == 400
    assert message in refused.text
    assert 'aria-invalid="true" aria-describedby="e-quantity"' in refused.text
    assert f'value="{quantity}"' in refused.text  # what was typed stays in the field
    assert "on_confirm" not in refused.text and "quantity_not" not in refused.text  # no internal prefixes
    assert (await club.services.pools.get(pool.id)).pool.total == 0
    assert diner.services.buyer.purchases() == []


async def test_a_pledge_after_the_close_is_refused(nodes: tuple[Node, Node]) -> None:
    club, diner = nodes
    pool = await club.services.pools.open(apple_terms(maximum="200"), "http://farm.test/beckn")
    async with page_client(diner) as web:
        page = await web.get(f"/pools/{pool.id}", params=WHERE)
        await club.services.pools.cancel(pool.id)
        refused = await web.post(f"/pools/{pool.id}/pledge", data={**WHERE, "quantity": "10",
                                                                   "csrf_token": form_token(page.text)})
        gone = await web.get(f"/pools/{pool.id}", params=WHERE)
    assert refused.status_code == 400 and "This pool is closed: it takes no more pledges." in refused.text
    assert diner.services.buyer.purchases() == []
    assert gone.status_code == 404 and "No open pool" in gone.text


async def test_a_pledge_is_signed_over_beckn_and_mine_lists_it_with_its_verified_receipt(
        nodes: tuple[Node, Node]) -> None:
    club, diner = nodes
    pool = await club.services.pools.open(apple_terms(maximum="200"), "http://farm.test/beckn")
    async with page_client(diner) as web:
        done = await pledge(web, pool.id, "40")
        assert done.status_code == 303, done.text
        after = await web.get(done.headers["location"])
        mine = await web.get("/mine")
        pledge_id = re.search(r"(PL-[0-9a-f]{16})", mine.text)
        assert pledge_id is not None
        receipt_page = await web.get(f"/mine/receipts/{pledge_id.group(1)}")
        download = await web.get(f"/mine/receipts/{pledge_id.group(1)}.json")
    assert (await club.services.pools.get(pool.id)).pool.total == 40
    assert "40 kg pledged" in after.text and "Your pledges in this pool" in after.text and "verified" in after.text
    assert "Pool pledges" in mine.text and 'class="badge open verified"' in mine.text
    assert "Verified: every signature matches the agreement." in receipt_page.text
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    receipt = download.json()
    assert receipt["format"] == "duijie.receipt/1" and receipt["agreement"]["bap_id"] == "diner.test"
    assert {s["role"] for s in receipt["signatures"]} == {"seller", "buyer"}


async def test_the_organizers_own_page_reads_the_pool_itself(nodes: tuple[Node, Node]) -> None:
    club, _diner = nodes
    pool = await club.services.pools.open(apple_terms(maximum="200"), "http://farm.test/beckn")
    async with page_client(club, host="198.51.100.7") as web:  # anybody may read a pool
        page = await web.get(f"/pools/{pool.id}")
    assert page.status_code == 200 and "Fuji apples" in page.text
    assert "马里兰州弗雷德里克果园" in page.text or "Frederick, Maryland" in page.text  # the offer's origin
    assert 'name="quantity"' not in page.text  # only the node's owner pledges from it


async def test_owner_and_merchant_pages_send_a_stranger_to_sign_in(nodes: tuple[Node, Node]) -> None:
    club, diner = nodes
    pool = await club.services.pools.open(apple_terms(maximum="200"), "http://farm.test/beckn")
    async with page_client(diner, host="203.0.113.9") as web:
        mine = await web.get("/mine")
        post = await web.post(f"/pools/{pool.id}/pledge", data={**WHERE, "quantity": "5"})
    async with page_client(club, host="203.0.113.9") as web:
        merchant = await web.get("/merchant/pools")
    for answer in (mine, post, merchant):
        assert answer.status_code == 303 and answer.headers["location"].startswith("/merchant/login?next=")
    assert (await club.services.pools.get(pool.id)).pool.total == 0


async def test_the_offer_page_shows_a_producers_own_offer_as_source_direct(net: MockNet) -> None:
    farm = net.add("farm", roles=("BPP", "BAP"), listing="farm.json")
    async with running(farm.services), page_client(farm, host="198.51.100.7") as web:
        page = await web.get("/offers/apples")
        missing = await web.get("/offers/pears")
    assert page.status_code == 200
    assert "source-direct, verified" in page.text and "Frederick, Maryland (orchard)" in page.text
    assert "FJ-2026-41" in page.text and "minimum batch 200 kg" in page.text
    assert missing.status_code == 404



async def test_a_merchant_opens_a_pool_from_an_offer_and_sees_it_on_its_pools_page(net: MockNet) -> None:
    farm = net.add("farm", roles=("BPP", "BAP"))
    for listing in ("farm.json", "chuanshan.json"):  # a co-op hosting both: producer and organizer
        farm.services.catalog.import_document(json.loads((DEMO_DATA / listing).read_text()))
    async with running(farm.services), page_client(farm, host="198.51.100.7") as web:
        await sign_in_as_merchant(web, farm)
        page = await web.get("/offers/apples")
        assert 'name="deadline"' in page.text and 'name="pickup"' in page.text
        past = await web.post("/offers/apples/pool", data={
            "csrf_token": form_token(page.text), "deadline": "2020-01-01T10:00", "pickup": "", "maximum": "50"})
        later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        opened = await web.post("/offers/apples/pool", data={
            "csrf_token": form_token(page.text), "deadline": later, "pickup": "Rockville Town Square\n",
            "maximum": "300", "listed_under": "chuanshan"})
        pools = await web.get("/merchant/pools")
        live = await web.get("/merchant/pools/live")
    assert past.status_code == 400
    assert "Name at least one pickup or delivery point." in past.text and 'aria-describedby="e-pickup"' in past.text
    assert opened.status_code == 303 and opened.headers["location"].startswith("/pools/pool-")
    pool_id = opened.headers["location"].removeprefix("/pools/")
    stored = await farm.services.pools.get(pool_id)
    assert stored.listed_under == "chuanshan" and stored.pool.terms.maximum == 300
    assert stored.pool.terms.pickup_points == ("Rockville Town Square",)
    assert pools.status_code == 200 and f'data-pool="{pool_id}"' in pools.text and "Pooled demand" in pools.text
    assert 'data-offer="apples"' in pools.text and f'data-pool="{pool_id}"' in live.text


def relisting_listing(signed: dict[str, Any], forged: bool = False) -> dict[str, Any]:
    """川陕名吃's listing relisting the farm's signed apples at 3.60 (the producer's offer altered when ``forged``)."""
    relisted = relisted_offer(signed, (PriceTier(1, Money(Decimal("3.60"), "USD")),
                                       PriceTier(20, Money(Decimal("3.20"), "USD"))))
    offer = offer_out(relisted)
    if forged:  # a cheaper "producer price" than the farm signed
        offer["source"]["statement"]["offer"]["tiers"][0]["unit_price"]["amount"] = "1.00"
    doc = json.loads((DEMO_DATA / "chuanshan.json").read_text())
    return {**doc, "offers": [offer]}


@pytest.mark.parametrize("forged", [False, True])
async def test_the_offer_page_shows_a_relisting_with_the_markup_or_as_unverified(net: MockNet, forged: bool) -> None:
    key = SigningKey.generate()
    now = datetime.now(UTC)
    farm = json.loads((DEMO_DATA / "farm.json").read_text())
    apples = listing_from_document(farm).offers[0]
    signed = sign_offer(apples, producer_id="farm.test", provider_id="greenvalley-farm", key=key,
                        unique_key_id="f1", signed_at=now)
    club = net.add("club", roles=("BPP", "BAP"))
    club.services.catalog.import_document(relisting_listing(signed, forged))
    with SqlUnitOfWorkFactory(club.engine)() as uow:  # the farm's key, as the club learned it from the farm
        uow.known_keys.put(KnownKey("farm.test", "f1", key.public_key_base64(), None, "http://farm.test/beckn",
                                    now - timedelta(hours=1), now + timedelta(days=1), "lookup"), now)
        uow.commit()
    async with running(club.services), page_client(club, host="198.51.100.7") as web:
        page = await web.get("/offers/apples")
    assert page.status_code == 200
    assert 'class="notice source-direct"' not in page.text  # a relisting is never shown as the producer's own
    if forged:
        assert "unverified" in page.text and "cannot be proved" in page.text
        assert "Claimed place of origin" in page.text
    else:
        assert "relisted, verified" in page.text and "farm.test" in page.text
        producer = re.search(r'class="producer-price">([^<]+)<', page.text)
        relisted = re.search(r'class="relisted-price">([^<]+)<', page.text)
        markup = re.search(r'class="markup-amount">([^<]+)<', page.text)
        assert producer and relisted and markup
        assert (producer.group(1), relisted.group(1), markup.group(1)) == ("$3.00", "$3.60", "$0.60 (20.0%)")


async def test_a_pledge_is_changed_and_withdrawn_from_its_pool_page(nodes: tuple[Node, Node]) -> None:
    club, diner = nodes
    pool = await club.services.pools.open(apple_terms(maximum="200"), "http://farm.test/beckn")
    async with page_client(diner) as web:
        done = await pledge(web, pool.id, "40")
        page = await web.get(done.headers["location"])
        pledge_id = re.search(r"pledged=(PL-[0-9a-f]+)", done.headers["location"])
        assert pledge_id is not None
        base = f"/pools/{pool.id}/pledges/{pledge_id.group(1)}"
        field = f'id="f-change-{pledge_id.group(1)}"'
        assert field in page.text and f'action="{base}/withdraw"' in page.text
        form = {**WHERE, "csrf_token": form_token(page.text)}
        too_much = await web.post(f"{base}/change", data={**form, "quantity": "201"})
        changed = await web.post(f"{base}/change", data={**form, "quantity": "60"})
        total_after_change = (await club.services.pools.get(pool.id)).pool.total
        withdrawn = await web.post(f"{base}/withdraw", data={**WHERE, "csrf_token": form_token(page.text)})
        after = await web.get(withdrawn.headers.get("location", "/"))
    assert too_much.status_code == 400 and "Only 200 kg are left under the pool&#39;s maximum." in too_much.text
    assert f'aria-describedby="e-change-{pledge_id.group(1)}"' in too_much.text
    assert changed.status_code == 303 and total_after_change == 60
    assert withdrawn.status_code == 303 and (await club.services.pools.get(pool.id)).pool.total == 0
    assert "is withdrawn" in after.text and f'action="{base}/withdraw"' not in after.text
