"""The provider page is kept rendered (keyed by the minute), yet its open-now badge turns the moment a
location opens: opening hours change on a minute's boundary, where the kept page's key changes too."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient
from tests.support.mock_network import MockNet, learn, url

EN = {"accept-language": "en-US,en;q=0.9"}


@dataclass
class SetClock:
    moment: datetime

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def page(net: MockNet, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, SetClock]]:
    monkeypatch.delenv("DUIJIE_LOCAL_INDEX")  # the buyer keeps its local search index, as by default
    shop = net.add("shop", roles=("BPP",), listing="chuanshan.json")
    buyer = net.add("buyer", peers=(url("shop"),), roles=("BAP",))
    asyncio.run(learn(shop, buyer))
    clock = SetClock(datetime(2026, 12, 2, 15, 59, 59, 500000, tzinfo=UTC))  # Wed 10:59:59.5 in Rockville
    buyer.services.clock = clock
    with TestClient(buyer.app, base_url=url("buyer"), client=("127.0.0.1", 50000)) as client:
        yield client, clock


def _badges(html: str) -> list[str]:
    return re.findall(r'<span class="badge (?:open|closed)">([^<]*)</span>', html)


def test_the_badge_turns_open_at_eleven_not_a_minute_later(page: tuple[TestClient, SetClock]) -> None:
    client, clock = page
    before = client.get("/p/chuanshan", headers=EN)
    assert before.status_code == 200 and _badges(before.text) == ["Closed", "Closed"]
    assert re.findall(r"(?:Opens|Closes) [^<]*", before.text) == ["Opens 11:00\u202fAM"] * 2
    assert client.get("/p/chuanshan", headers=EN).text == before.text  # the kept page, same token
    clock.moment += timedelta(seconds=1)  # 11:00:00.5
    after = client.get("/p/chuanshan", headers=EN)
    assert _badges(after.text) == ["Open", "Open"]
    assert re.findall(r"(?:Opens|Closes) [^<]*", after.text) == ["Closes 10:00\u202fPM"] * 2


def test_search_results_turn_open_at_eleven_too(page: tuple[TestClient, SetClock]) -> None:
    """Search results keep each open state for its minute: the badge still turns at 11:00:00, and the
    price and distance shown are the formatted ones."""
    client, clock = page
    ask = "/?q=%E7%BE%8A%E8%82%89%E6%B3%A1%E9%A6%8D&near=Rockville&source=index"  # 羊肉泡馍
    before = client.get(ask, headers=EN)
    assert before.status_code == 200 and _badges(before.text) == ["Closed"]
    assert "$14.95" in before.text and "0 m away" in before.text
    assert _badges(client.get(ask, headers=EN).text) == ["Closed"]
    clock.moment += timedelta(seconds=1)  # 11:00:00.5
    assert _badges(client.get(ask, headers=EN).text) == ["Open"]
