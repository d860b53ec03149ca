"""Browser-test helpers of the pool pages (Playwright, sync API, real node processes)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
from playwright.sync_api import Page
from tests.support.networks import SellersNetwork
from tests.support.processes import ServerProcess

from duijie.storage.node_config import read_admin_token


def open_pool(net: SellersNetwork, maximum: str = "400") -> str:
    """A pool of the farm's apples organized on the chuanshan node, through its JSON API with its admin
    token (what ``duijie pool open`` sends, without starting a process on a loaded machine)."""
    organizer, farm = net.sellers["chuanshan"], net.sellers["farm"]
    listing = httpx.get(f"{farm.base}/api/providers/{net.providers['farm']}", timeout=60).json()
    offer = next(o for o in listing.get("listing", listing)["offers"] if o["id"] == "apples")
    terms = {"offer": {k: v for k, v in offer.items() if k not in ("origin", "source")},
             "producer_id": net.subscriber_id(farm), "provider_id": net.providers["farm"],
             "pickup_points": ["川陕名吃 Rockville"], "maximum": maximum,
             "deadline": (datetime.now(UTC) + timedelta(minutes=20)).isoformat(timespec="seconds")}
    token = read_admin_token(organizer.data_dir)
    answer = httpx.post(f"{organizer.base}/api/pools/open", timeout=60, headers={"Authorization": f"Bearer {token}"},
                        json={"terms": terms, "producer_uri": f"{farm.base}/beckn"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["pool"]["id"])


def pool_url(net: SellersNetwork, buyer: ServerProcess, pool_id: str) -> str:
    """The pool page on ``buyer``'s node, naming where the pool is organized."""
    organizer = net.sellers["chuanshan"]
    where = {"bpp": f"{organizer.base}/beckn", "provider": net.providers["chuanshan"],
             "bpp_id": net.subscriber_id(organizer)}
    return f"{buyer.base}/pools/{pool_id}?{urlencode(where)}"


def pledge(page: Page, url: str, quantity: str) -> str:
    """Pledge ``quantity`` from the node of the pool page ``url``; the pledge id it reports."""
    page.goto(url)
    page.fill("#f-quantity", quantity)
    # select, init and confirm go to the organizer and back, signed: slow on a loaded machine.
    page.click("form[action$='/pledge'] button[type=submit]", no_wait_after=True)
    page.wait_for_url(re.compile(r"pledged=PL-"), timeout=90_000)
    found = re.search(r"pledged=(PL-[0-9a-f]+)", page.url)
    assert found, page.url
    return found.group(1)
