"""云拼 pools between real node processes (issue 14).

A farm (the producer, the demo's Fuji apples: 3.00 / 2.60 from 100 kg / 2.20 from 500 kg,
minimum batch 200 kg), an organizer (the restaurant's node) and three buyer nodes. Three buyers
pledge 80 + 70 + 50 kg into a pool with a 200 kg maximum: it closes at once, the farm receives
one batch order, and every buyer holds an allocation receipt at 2.60 that `duijie verify` accepts.
A second pool misses its minimum and its pledge is released by callback; a third closes after its
organizer was killed before its deadline and restarted after it, once; bad inputs are refused
naming the rule.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import DEMO_DATA
from tests.support.processes import ServerProcess, duijie, free_ports

from duijie.protocol.receipts import receipt_from_tags

NAMES = ("farm", "club", "b1", "b2", "b3")
pytestmark = pytest.mark.timeout(600)  # the module's five nodes start in the first test's setup


@dataclass
class Net:
    nodes: dict[str, ServerProcess]
    root: Path

    @property
    def club_bpp(self) -> str:
        return f"{self.nodes['club'].base}/beckn"

    def run(self, name: str, *args: str, ok: bool = True) -> Any:
        res = duijie(*args, "--data-dir", str(self.nodes[name].data_dir), "--json", timeout=120)
        if not ok:
            assert res.returncode != 0, res.stdout
            return res.stderr + res.stdout
        assert res.returncode == 0, f"duijie {args} failed:\n{res.stdout}\n{res.stderr}"
        return json.loads(res.stdout)

    def api(self, name: str, path: str) -> Any:
        node = self.nodes[name]
        token = (node.data_dir / "admin-token").read_text().strip()
        resp = httpx.get(f"{node.base}{path}", timeout=30, headers={"Authorization": f"Bearer {token}"})
        return resp.json() if resp.status_code == 200 else None

    def open_pool(self, deadline: str, *extra: str) -> str:
        farm = self.nodes["farm"].base
        pool = self.run("club", "pool", "open", "--producer", farm, "--provider", "greenvalley-farm",
                        "--offer", "apples", "--deadline", deadline, "--pickup", "川陕名吃 Rockville", *extra)
        return str(pool["id"])

    def pledge(self, name: str, pool_id: str, quantity: str, ok: bool = True) -> Any:
        return self.run(name, "pool", "pledge", "--bpp", self.club_bpp, "--provider", "chuanshan", "--unit", "kg",
                        pool_id, quantity, ok=ok)

    def batch_orders(self) -> int:
        """Batch orders the farm holds (each kept as its signed receipt), read from its database."""
        with sqlite3.connect(self.nodes["farm"].data_dir / "node.db") as db:
            return int(db.execute("SELECT count(*) FROM receipts WHERE order_id LIKE 'B-%'").fetchone()[0])


def until(check: Callable[[], Any], seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    root = tmp_path_factory.mktemp("pools")
    base = free_ports(len(NAMES))
    ports = {name: base + i for i, name in enumerate(NAMES)}
    for name, port in ports.items():
        duijie("init", "--data-dir", str(root / name), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    duijie("provider", "import", str(DEMO_DATA / "farm.json"), "--data-dir", str(root / "farm"), check=True)
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(root / "club"), check=True)
    nodes = {}
    for name, port in ports.items():
        registries = [a for other, p in ports.items() if other != name
                      for a in ("--registry", f"http://127.0.0.1:{p}/registry")]
        nodes[name] = ServerProcess(root / name, port, [*registries, "--back-office", "inline"])
    old = os.environ.get("DUIJIE_POOL_INTERVAL")
    os.environ["DUIJIE_POOL_INTERVAL"] = "0.2"
    try:
        # Started side by side: one after another, five nodes took minutes on a loaded machine.
        with ThreadPoolExecutor(len(nodes)) as pool:
            list(pool.map(lambda n: n.start(timeout=240), nodes.values()))
        yield Net(nodes, root)
    finally:
        for node in nodes.values():
            node.stop()
        if old is None:
            os.environ.pop("DUIJIE_POOL_INTERVAL", None)
        else:
            os.environ["DUIJIE_POOL_INTERVAL"] = old


def test_three_buyers_fill_a_pool_the_farm_gets_one_batch_and_each_holds_a_verifiable_allocation(
        net: Net, tmp_path: Path) -> None:
    pool_id = net.open_pool("+10m", "--maximum", "200")
    found = net.run("b1", "buy", "search", "云拼", "--bpp", net.club_bpp)
    items = [i for r in found["results"] for p in (r["catalog"] or {}).get("providers", [])
             for i in p.get("items", []) if i["id"] == pool_id]
    assert len(items) == 1 and items[0]["price"]["value"] == "3.00"

    pledges = {}
    for name, qty in (("b1", "80"), ("b2", "70"), ("b3", "50")):
        pledged = net.pledge(name, pool_id, qty)
        assert pledged["receipt_state"] == "countersigned"
        pledges[name] = pledged["order_id"]

    closed = until(lambda: (p := net.run("club", "pool", "show", pool_id))["batch_state"] == "confirmed" and p)
    assert closed["state"] == "SUCCEEDED" and closed["outcome"]["unit_price"] == "2.60"
    assert closed["outcome"]["total"] == "200" and closed["outcome"]["batch_total"] == "520.00"
    assert net.batch_orders() == 1

    club_registry = f"{net.nodes['club'].base}/registry"
    for name, qty in (("b1", "80"), ("b2", "70"), ("b3", "50")):
        held = until(lambda n=name: net.api(n, f"/api/buy/orders/{pledges[n]}-allocation"))
        receipt = receipt_from_tags(held["order"]["tags"])
        assert receipt is not None and receipt["agreement"]["quote"]["breakup"][0]["title"].endswith("2.60")
        path = tmp_path / f"{name}-allocation.json"
        path.write_text(json.dumps(receipt, ensure_ascii=False))
        checked = duijie("verify", str(path), "--registry", club_registry, "--json")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        expected = f"{int(qty) * 2.6:.2f}"
        assert receipt["agreement"]["quote"]["price"]["value"] == expected

    # After the close: no more pledges, no withdrawal.
    assert "pool_closed" in net.pledge("b1", pool_id, "1", ok=False)
    assert "pool_closed" in net.run("b2", "pool", "withdraw", pledges["b2"], ok=False)


def test_a_pool_that_misses_its_minimum_releases_every_pledge_by_callback(net: Net) -> None:
    pool_id = net.open_pool("+25s")  # time enough to pledge on a loaded machine
    pledged = net.pledge("b1", pool_id, "50")
    released = until(lambda: (net.api("b1", f"/api/buy/orders/{pledged['order_id']}") or {}).get("status")
                     == "CANCELLED")
    assert released
    shown = net.run("club", "pool", "show", pool_id)
    assert shown["state"] == "FAILED" and shown["outcome"]["state"] == "FAILED"


def test_a_restart_between_the_deadline_and_the_close_still_closes_once(net: Net) -> None:
    before = net.batch_orders()
    pool_id = net.open_pool("+40s")
    pledges = [net.pledge(name, pool_id, qty)["order_id"] for name, qty in (("b2", "120"), ("b3", "80"))]
    deadline = datetime.fromisoformat(net.run("club", "pool", "show", pool_id)["terms"]["deadline"])
    club = net.nodes["club"]
    club.kill()  # before the deadline: nothing closes it while it is down
    assert datetime.now(UTC) < deadline
    time.sleep(max((deadline - datetime.now(UTC)).total_seconds(), 0) + 1)
    assert net.run("club", "pool", "show", pool_id, ok=False)  # down: the CLI says it cannot reach the node
    club.start(timeout=120)
    closed = until(lambda: (p := net.run("club", "pool", "show", pool_id))["batch_state"] == "confirmed" and p)
    assert closed["state"] == "SUCCEEDED"
    assert net.batch_orders() == before + 1
    for name, pledge_id in zip(("b2", "b3"), pledges, strict=True):
        held = until(lambda n=name, p=pledge_id: net.api(n, f"/api/buy/orders/{p}-allocation"))
        assert held["status"] == "COMPLETE"
    time.sleep(1)  # a second close would have sent a second batch order by now
    assert net.batch_orders() == before + 1


def test_bad_pledges_are_refused_naming_the_rule(net: Net) -> None:
    pool_id = net.open_pool("+10m")
    assert "quantity_not_positive" in net.pledge("b1", pool_id, "0", ok=False)
    assert "quantity_not_divisible" in net.pledge("b1", pool_id, "1.0001", ok=False)
    assert "pool_not_found" in net.pledge("b1", "pool-doesnotexist", "5", ok=False)
    mine = net.pledge("b1", pool_id, "5")["order_id"]
    assert "no order" in net.run("b2", "pool", "withdraw", mine, ok=False)  # b2 cannot name b1's pledge
    shown = net.run("club", "pool", "show", pool_id)
    assert shown["progress"]["pledged"] == "5" and shown["progress"]["buyers"] == 1
    bad_deadline = net.run("club", "pool", "open", "--producer", net.nodes["farm"].base, "--provider",
                           "greenvalley-farm", "--offer", "apples", "--deadline", "2020-01-01T00:00:00+00:00",
                           "--pickup", "x", ok=False)
    assert "deadline" in bad_deadline
    cancelled = net.run("club", "pool", "cancel", pool_id)
    assert cancelled["state"] == "CANCELLED"
    released = until(lambda: (net.api("b1", f"/api/buy/orders/{mine}") or {}).get("status") == "CANCELLED")
    assert released
