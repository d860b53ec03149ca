"""Browser-test helpers of the pool pages (Playwright, sync API, real node processes)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from playwright.sync_api import Page
from tests.support.networks import SellersNetwork
from tests.support.processes import ServerProcess, duijie


def open_pool(net: SellersNetwork, maximum: str = "400") -> str:
    """A pool of the farm's apples organized on the chuanshan node (its CLI, its admin token)."""
    organizer, farm = net.sellers["chuanshan"], net.sellers["farm"]
    done = duijie("pool", "open", "--data-dir", str(organizer.data_dir), "--node", organizer.base,
                  "--producer", farm.base, "--provider", net.providers["farm"], "--offer", "apples",
                  "--deadline", "+20m", "--pickup", "川陕名吃 Rockville", "--maximum", maximum, "--json",
                  check=True)
    return str(json.loads(done.stdout)["id"])


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
    page.click("form[action$='/pledge'] button[type=submit]")
    page.wait_for_url(re.compile(r"pledged=PL-"))
    found = re.search(r"pledged=(PL-[0-9a-f]+)", page.url)
    assert found, page.url
    return found.group(1)
