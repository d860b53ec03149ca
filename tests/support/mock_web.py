"""The pages of an in-process node (:mod:`tests.support.mock_network`), read with httpx as a browser would."""

from __future__ import annotations

import re

import httpx

from duijie.bootstrap import Node
from duijie.storage.node_config import read_admin_token

LOOPBACK = "127.0.0.1"


def page_client(node: Node, host: str = LOOPBACK, lang: str = "en") -> httpx.AsyncClient:
    """A client of ``node``'s pages from address ``host`` (loopback: the node's owner), in ``lang``."""
    transport = httpx.ASGITransport(app=node.app, client=(host, 50000))
    return httpx.AsyncClient(transport=transport, base_url=f"http://{node.config.subscriber_id}",
                             cookies={"duijie_lang": lang})


def form_token(html: str) -> str:
    """The CSRF token of the (first) form of a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, f"the page has no form: {html[:2000]}"
    return found.group(1)


async def sign_in_as_merchant(web: httpx.AsyncClient, node: Node) -> None:
    """Sign ``web`` in on ``node``'s merchant pages as ``admin`` with the node's admin token."""
    form = await web.get("/merchant/login")
    signed = await web.post("/merchant/login", data={"csrf_token": form_token(form.text), "name": "admin",
                                                     "password": read_admin_token(node.data_dir)})
    assert signed.status_code == 303, signed.text
