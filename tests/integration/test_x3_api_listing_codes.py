"""A node's JSON API answers a refused document with each problem's code and values beside its
English reason (api/errors.py), and the command line says them from the code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from tests.support.mock_network import MockNet

from duijie.bootstrap import Node
from duijie.cli.node_client import refusal_text


@pytest.fixture
def club(net: MockNet) -> Iterator[tuple[Node, TestClient]]:
    node = net.add("club", listing="chuanshan.json")
    with TestClient(node.app, base_url="http://club.test") as client:
        yield node, client


def test_refused_pool_terms_carry_each_problems_code(club: tuple[Node, TestClient]) -> None:
    node, client = club
    token = (node.data_dir / "admin-token").read_text().strip()
    terms = {"offer": {"id": "apples", "name": {"en": "Apples"}, "unit": "kg", "tiers": []},
             "producer_id": "farm", "provider_id": "chuanshan", "deadline": "soon", "pickup_points": [1]}
    resp = client.post("/api/pools/open", json={"terms": terms, "producer_uri": "http://farm.test/beckn"},
                       headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 422, resp.text
    details = resp.json()["error"]["details"]
    by_path = {d["path"]: d for d in details}
    assert by_path["$.terms.deadline"] == {"path": "$.terms.deadline", "code": "not_a_datetime", "params": {},
                                           "reason": "expected an ISO 8601 date-time with its offset"}
    assert by_path["$.terms.pickup_points"]["code"] == "not_strings"
    assert all(d["code"] for d in details), details
    said = refusal_text(422, resp.json(), resp.text)
    assert "  $.terms.deadline: expected a date and time with its UTC offset" in said, said
