"""GET /api/providers/{id} answered from the cached view ahead of the router reads exactly as the
full route does, and every request it cannot answer the same way still goes the usual way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from tests.support.mock_network import MockNet

from duijie.bootstrap import Node


@pytest.fixture
def shop(net: MockNet) -> Iterator[tuple[Node, TestClient]]:
    node = net.add("shop", listing="chuanshan.json")
    with TestClient(node.app, base_url="http://shop.test") as client:
        yield node, client


def _served_by_fast_path(node: Node) -> list[str]:
    """Wrap the catalog so a test sees whether the fast path (cached_view) answered."""
    catalog: Any = node.services.catalog
    seen: list[str] = []
    original = catalog.cached_view

    def cached_view(provider_id: str, max_age: float = 1.0) -> bytes | None:
        body: bytes | None = original(provider_id, max_age)
        if body is not None:
            seen.append(provider_id)
        return body

    catalog.cached_view = cached_view
    return seen


def test_the_cached_answer_is_the_full_routes_answer(shop: tuple[Node, TestClient]) -> None:
    node, client = shop
    seen = _served_by_fast_path(node)
    first = client.get("/api/providers/chuanshan")  # not cached yet: the route reads the database
    second = client.get("/api/providers/chuanshan")  # cached: answered ahead of the router
    assert seen == ["chuanshan"]
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second.json()["listing"]["provider"]["id"] == "chuanshan"
    assert dict(second.headers) == dict(first.headers)
    assert second.headers["content-type"] == "application/json"


def test_a_change_made_here_shows_at_once(shop: tuple[Node, TestClient]) -> None:
    node, client = shop
    client.get("/api/providers/chuanshan")
    before = client.get("/api/providers/chuanshan").json()  # cached
    doc = json.loads(node.services.catalog.export_document("chuanshan"))
    doc["provider"]["description"] = {"zh": "川陕名吃，新菜单", "en": "A new menu"}
    node.services.catalog.import_document(doc)
    after = client.get("/api/providers/chuanshan").json()
    assert after["version"] == before["version"] + 1
    assert after["listing"]["provider"]["description"]["zh"] == "川陕名吃，新菜单"


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/api/providers/nobody", 404),
    ("GET", "/api/providers/" + "x" * 201, 400),
    ("GET", "/api/providers/chuanshan/nothing-here", 404),
    ("POST", "/api/providers/chuanshan", 405),
])
def test_what_the_cache_cannot_answer_goes_the_usual_way(shop: tuple[Node, TestClient], method: str, path: str,
                                                          status: int) -> None:
    node, client = shop
    client.get("/api/providers/chuanshan")  # cached
    resp = client.request(method, path)
    assert resp.status_code == status
    if status != 405:
        assert resp.json()["error"]["message"]


def test_head_is_answered_by_the_route_without_a_body(shop: tuple[Node, TestClient]) -> None:
    node, client = shop
    seen = _served_by_fast_path(node)
    client.get("/api/providers/chuanshan")
    seen.clear()
    resp = client.head("/api/providers/chuanshan")
    assert resp.status_code == 200 and resp.content == b""
    assert int(resp.headers["content-length"]) > 1000
    assert seen == ["chuanshan"]  # the route itself used the cache, the fast path did not send it
