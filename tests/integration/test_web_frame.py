"""The frame of the pages: static files, the language switch and the CSRF check (in-process node)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from tests.support.mock_network import MockNet


@pytest.fixture
def client(net: MockNet) -> Iterator[TestClient]:
    node = net.add("web")
    with TestClient(node.app, base_url="http://web.test") as c:
        yield c


def test_static_files_are_served_from_the_package(client: TestClient) -> None:
    css = client.get("/static/site.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert client.get("/static/live.js").status_code == 200


def test_language_choice_is_remembered_and_returns_to_the_page(client: TestClient) -> None:
    r = client.get("/lang/en", params={"next": "/mine?x=1"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/mine?x=1"
    assert "duijie_lang=en" in r.headers["set-cookie"] and "Max-Age=31536000" in r.headers["set-cookie"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_language_switch_never_sends_the_visitor_to_another_site(client: TestClient, target: str) -> None:
    r = client.get("/lang/zh", params={"next": target}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_unknown_language_changes_nothing(client: TestClient) -> None:
    r = client.get("/lang/xx", follow_redirects=False)
    assert r.status_code == 303 and "set-cookie" not in r.headers
