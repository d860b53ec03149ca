"""Two real nodes trade over Beckn: a buyer orders 肉夹馍 and 羊肉泡馍 for pickup at Rockville.

The restaurant imports the 川陕名吃 demo listing; the buyer node is empty. Each trusts only the
other's own lookup endpoint (``--registry``), so every signature is really checked. Every
callback the buyer received is validated against the Beckn 1.1.1 transaction.yaml.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from tests.e2e.conftest import DEMO_DATA
from tests.support.beckn_spec import SKIP_REASON, spec_available, validate_message
from tests.support.processes import ServerProcess, duijie, free_port

from duijie.storage.engine import make_engine, sqlite_url
from duijie.storage.uow import SqlUnitOfWorkFactory


@dataclass
class Network:
    restaurant: ServerProcess
    buyer: ServerProcess

    @property
    def bpp(self) -> str:
        return f"{self.restaurant.base}/beckn"

    def buy(self, *args: str) -> Any:
        """Run ``duijie buy ... --json`` against the buyer node; returns the parsed output."""
        res = duijie("buy", *args, "--data-dir", str(self.buyer.data_dir), "--json", timeout=120)
        assert res.returncode == 0, f"duijie buy {args} failed:\n{res.stdout}\n{res.stderr}"
        return json.loads(res.stdout)

    def merchant(self, action: str, order_id: str) -> None:
        duijie("orders", action, order_id, "--data-dir", str(self.restaurant.data_dir), check=True)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("trade")
    ports = {"restaurant": free_port(), "buyer": free_port()}
    for name, port in ports.items():
        duijie("init", "--data-dir", str(root / name), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(root / "restaurant"), check=True)
    registry = {name: f"http://127.0.0.1:{port}/registry" for name, port in ports.items()}
    restaurant = ServerProcess(root / "restaurant", ports["restaurant"], ["--registry", registry["buyer"]])
    buyer = ServerProcess(root / "buyer", ports["buyer"], ["--registry", registry["restaurant"]])
    try:
        restaurant.start()
        buyer.start()
        yield Network(restaurant, buyer)
    finally:
        buyer.stop()
        restaurant.stop()


def next_lunch() -> str:
    """Tomorrow 12:30 in Rockville (open every day 11:00-22:00), as RFC 3339 UTC."""
    local = datetime.now(ZoneInfo("America/New_York")) + timedelta(days=1)
    lunch = local.replace(hour=12, minute=30, second=0, microsecond=0)
    return lunch.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def place_order(net: Network, *items: str) -> dict[str, Any]:
    item_args = [a for item in items for a in ("--item", item)]
    result: dict[str, Any] = net.buy(
        "order",
        "--bpp",
        net.bpp,
        "--provider",
        "chuanshan",
        "--location",
        "rockville",
        *item_args,
        "--name",
        "韩梅梅",
        "--phone",
        "+1-301-555-0199",
        "--time",
        next_lunch(),
    )
    return result


def seller_receipt(net: Network, order_id: str) -> dict[str, Any] | None:
    """The receipt as the restaurant node stores it (read from its database)."""
    engine = make_engine(sqlite_url(net.restaurant.data_dir))
    try:
        with SqlUnitOfWorkFactory(engine)(read_only=True) as uow:
            return uow.receipts.get(order_id)
    finally:
        engine.dispose()


def callbacks_of(net: Network, transaction_id: str) -> list[dict[str, Any]]:
    token = (net.buyer.data_dir / "admin-token").read_text().strip()
    resp = httpx.get(
        f"{net.buyer.base}/api/buy/transactions/{transaction_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    return list(resp.json()["callbacks"])


def test_search_finds_the_restaurant_by_a_chinese_dish(network: Network) -> None:
    found = network.buy("search", "肉夹馍", "--bpp", network.bpp)
    providers = [p for r in found["results"] for p in (r["catalog"] or {}).get("providers", [])]
    assert any(
        p["descriptor"]["name"].startswith("川陕名吃") or "川陕名吃" in json.dumps(p, ensure_ascii=False)
        for p in providers
    )
    assert any(i["id"] == "roujiamo" for p in providers for i in p.get("items", []))


def test_order_accept_ready_complete_rate_and_receipts(network: Network, tmp_path: Path) -> None:
    placed = place_order(network, "roujiamo:2", "yangrou-paomo:1")
    order_id = placed["order_id"]
    assert placed["status"] == "ACTIVE"
    assert {i["id"] for i in placed["order"]["items"]} >= {"roujiamo", "yangrou-paomo"}
    assert placed["order"]["quote"]["price"]["value"] == "28.85"  # 2 × 6.95 + 14.95
    assert placed["receipt_state"] == "countersigned", placed.get("receipt_problem")

    states = [placed["fulfillment_state"]]
    for action in ("accept", "ready", "complete"):
        network.merchant(action, order_id)
        states.append(network.buy("status", order_id)["fulfillment_state"])
    assert len(set(states)) == 4, f"the buyer must see every state change: {states}"
    final = network.buy("status", order_id)
    assert final["status"] == "COMPLETE"
    rated = network.buy("rate", order_id, "5")
    assert rated["rating"] == "5"

    # Both nodes hold the receipt; `duijie verify` accepts it and confirms the seller key.
    path = tmp_path / "receipt.json"
    res = duijie("buy", "receipt", order_id, "-o", str(path), "--data-dir", str(network.buyer.data_dir))
    assert res.returncode == 0, res.stderr
    receipt = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(s["role"] for s in receipt["signatures"]) == ["buyer", "seller"]
    assert receipt["agreement"]["id"] == order_id and receipt["agreement"]["billing"]["name"] == "韩梅梅"
    checked = duijie("verify", str(path), "--registry", f"{network.restaurant.base}/registry")
    assert checked.returncode == 0, checked.stderr
    assert "agreement signed by seller" in checked.stdout and "key confirmed for" in checked.stdout

    held = seller_receipt(network, order_id)
    assert held is not None and held["agreement"] == receipt["agreement"]
    seller_copy = tmp_path / "seller.json"
    seller_copy.write_text(json.dumps(held, ensure_ascii=False), encoding="utf-8")
    assert duijie("verify", str(seller_copy)).returncode == 0

    tampered = json.loads(path.read_text(encoding="utf-8"))
    tampered["agreement"]["quote"]["price"]["value"] = "2.85"
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    refused = duijie("verify", str(bad))
    assert refused.returncode == 1 and "changed after signing" in refused.stderr

    assert sorted(s["role"] for s in held["signatures"]) == ["buyer", "seller"]


def test_cancel_another_order(network: Network) -> None:
    placed = place_order(network, "roujiamo:1")
    cancelled = network.buy("cancel", placed["order_id"], "--reason", "plans changed")
    assert cancelled["status"] == "CANCELLED"
    listed = {o["order_id"]: o["status"] for o in network.buy("orders")["orders"]}
    assert listed[placed["order_id"]] == "CANCELLED"


def test_an_order_beyond_the_menu_is_refused_with_the_sellers_reason(network: Network) -> None:
    res = duijie(
        "buy",
        "order",
        "--bpp",
        network.bpp,
        "--provider",
        "chuanshan",
        "--location",
        "rockville",
        "--item",
        "no-such-dish:1",
        "--name",
        "A",
        "--phone",
        "+1-301-555-0100",
        "--time",
        next_lunch(),
        "--data-dir",
        str(network.buyer.data_dir),
        timeout=120,
    )
    assert res.returncode == 2
    assert "no-such-dish" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.skipif(not spec_available(), reason=SKIP_REASON)
def test_every_callback_the_buyer_received_conforms_to_transaction_yaml(network: Network) -> None:
    placed = place_order(network, "yangrou-paomo:1")
    network.buy("status", placed["order_id"])
    callbacks = callbacks_of(network, placed["transaction_id"])
    actions = {c["action"] for c in callbacks}
    assert {"on_search", "on_select", "on_init", "on_confirm", "on_status"} <= actions
    problems = {f"{c['action']}#{c['id']}": validate_message(c["action"], c["document"]) for c in callbacks}
    assert not {k: v for k, v in problems.items() if v}, problems
