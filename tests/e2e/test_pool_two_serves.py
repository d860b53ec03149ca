"""Two `duijie serve` processes of one organizer sharing one PostgreSQL database close a pool
exactly once: each runs the closer every 0.2 s, yet the producer receives one batch order (one
confirm) and every member one allocation (issue 14, "exactly once even with two serve processes")."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from tests.e2e.conftest import DEMO_DATA
from tests.e2e.test_postgres_node import pg_database  # noqa: F401 - the fixture: a fresh database, dropped after
from tests.support.processes import ServerProcess, duijie, free_ports

pytestmark = pytest.mark.timeout(600)


def until(check: Callable[[], Any], seconds: float = 90) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def run(data_dir: Path, *args: str) -> Any:
    res = duijie(*args, "--data-dir", str(data_dir), "--json", timeout=120)
    assert res.returncode == 0, f"duijie {args} failed:\n{res.stdout}\n{res.stderr}"
    return json.loads(res.stdout)


def sqlite_count(data_dir: Path, query: str) -> int:
    with sqlite3.connect(data_dir / "node.db") as db:
        return int(db.execute(query).fetchone()[0])


@pytest.fixture
def interval() -> Iterator[None]:
    old = os.environ.get("DUIJIE_POOL_INTERVAL")
    os.environ["DUIJIE_POOL_INTERVAL"] = "0.2"
    yield
    if old is None:
        os.environ.pop("DUIJIE_POOL_INTERVAL", None)
    else:
        os.environ["DUIJIE_POOL_INTERVAL"] = old


def test_two_serve_processes_on_one_postgresql_close_a_due_pool_once(
        tmp_path: Path, pg_database: str, interval: None) -> None:  # noqa: F811 - the imported fixture
    names = ("farm", "club", "club2", "b1", "b2")
    base = free_ports(len(names))
    ports = {name: base + i for i, name in enumerate(names)}
    dirs = {name: tmp_path / name for name in names}
    for name in ("farm", "club", "b1", "b2"):
        db = ("--db", pg_database) if name == "club" else ()
        duijie("init", "--data-dir", str(dirs[name]), "--url", f"http://127.0.0.1:{ports[name]}/beckn", *db,
               check=True)
    duijie("provider", "import", str(DEMO_DATA / "farm.json"), "--data-dir", str(dirs["farm"]), check=True)
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(dirs["club"]), check=True)
    shutil.copytree(dirs["club"], dirs["club2"])  # the same node (identity, keys, database), a second process
    nodes = {}
    for name in names:
        peers = [other for other in ("farm", "club", "b1", "b2") if other != name.removesuffix("2")]
        registries = [a for other in peers for a in ("--registry", f"http://127.0.0.1:{ports[other]}/registry")]
        nodes[name] = ServerProcess(dirs[name], ports[name], [*registries, "--back-office", "inline"])
    try:
        with ThreadPoolExecutor(len(nodes)) as starting:
            list(starting.map(lambda n: n.start(timeout=240), nodes.values()))
        club_bpp = f"{nodes['club'].base}/beckn"
        pool = run(dirs["club"], "pool", "open", "--producer", nodes["farm"].base, "--provider", "greenvalley-farm",
                   "--offer", "apples", "--deadline", "+10m", "--maximum", "200", "--pickup", "川陕名吃 Rockville")
        pool_id = pool["id"]
        assert pool["signed_terms"]["statement"]["organizer_id"] == pool["organizer_id"]
        # Both processes see the pool (one database); the second pledge fills it to the maximum,
        # so it falls due at once and both closers race for it.
        assert run(dirs["club2"], "pool", "show", pool_id)["id"] == pool_id
        pledges = {}
        for name, qty in (("b1", "120"), ("b2", "80")):
            pledged = run(dirs[name], "pool", "pledge", "--bpp", club_bpp, "--provider", "chuanshan", "--unit", "kg",
                          pool_id, qty)
            assert pledged["receipt_state"] == "countersigned"
            pledges[name] = pledged["order_id"]

        closed = until(lambda: (p := run(dirs["club2"], "pool", "show", pool_id))["batch_state"] == "confirmed"
                       and p)
        assert closed["state"] == "SUCCEEDED" and closed["outcome"]["total"] == "200"
        assert closed["outcome"]["unit_price"] == "2.60"
        for name, pledge_id in pledges.items():
            token = (dirs[name] / "admin-token").read_text().strip()
            until(lambda n=name, p=pledge_id, t=token: httpx.get(
                f"{nodes[n].base}/api/buy/orders/{p}-allocation", headers={"Authorization": f"Bearer {t}"},
                timeout=10).status_code == 200)
        # Each member exports its allocation receipt (`duijie buy receipt`), and it verifies.
        for name, pledge_id in pledges.items():
            out = tmp_path / f"{name}-allocation.json"
            duijie("buy", "receipt", f"{pledge_id}-allocation", "-o", str(out), "--data-dir", str(dirs[name]),
                   check=True)
            checked = duijie("verify", str(out), "--registry", f"{nodes['club'].base}/registry", "--json")
            assert checked.returncode == 0 and json.loads(checked.stdout)["ok"], checked.stdout + checked.stderr
        time.sleep(2)  # ten more closing rounds in each process: a second close or batch would show now

        # The producer received one batch order: one confirm from the organizer, one B- order.
        club_id = closed["organizer_id"]
        assert sqlite_count(dirs["farm"], "SELECT count(*) FROM receipts WHERE order_id LIKE 'B-%'") == 1
        assert sqlite_count(dirs["farm"], "SELECT count(*) FROM seen_messages WHERE action = 'confirm' "
                            f"AND sender_id = '{club_id}'") == 1
        inbox = run(dirs["farm"], "orders", "batches")  # the producer's batch-order inbox
        assert [(b["pool_id"], sorted(b["ref_order_ids"])) for b in inbox] == [(pool_id, sorted(pledges.values()))]
        # Every member was told once: one allocation on_status each.
        for name, pledge_id in pledges.items():
            told = sqlite_count(dirs[name], "SELECT count(*) FROM callbacks WHERE action = 'on_status' "
                                f"AND document LIKE '%{pledge_id}-allocation%'")
            assert told == 1, (name, told)
        engine = create_engine(pg_database)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT state, batch_state FROM pools WHERE id = :id"), {"id": pool_id}).one()
        engine.dispose()
        assert tuple(row) == ("SUCCEEDED", "confirmed")
    finally:
        for node in nodes.values():
            node.stop()
