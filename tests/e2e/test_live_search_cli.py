"""`duijie search` asks the network now: three sellers behind a gateway, all answering live (real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.networks import SellersNetwork, three_sellers
from tests.support.processes import duijie

__all__ = ["three_sellers"]  # the module fixture: three sellers behind a gateway, and a buyer node
PROVIDERS = {"chuanshan", "greenvalley-farm", "mingde-noodles"}


def _search(net: SellersNetwork, *args: str, cwd: Path | None = None) -> dict[str, Any]:
    """`duijie search ... --json` as a user runs it (from ``cwd``, else with the buyer's --data-dir)."""
    where = [] if cwd else ["--data-dir", str(net.buyer.data_dir)]
    proc = subprocess.run([sys.executable, "-m", "duijie", "search", *args, *where, "--json"], cwd=cwd,
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def _until(check: Callable[[], Any], timeout: float = 150.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


def _providers(data: dict[str, Any], source: str) -> set[str]:
    return {r["provider_id"] for r in data["results"] if r["source"] == source}


def test_search_shows_all_three_sellers_answering_live_through_the_gateway(
    three_sellers: SellersNetwork,
) -> None:
    net = three_sellers
    data = _until(lambda: d if _providers(d := _search(net), "live") >= PROVIDERS else None)
    assert data, "not every seller answered live"
    assert [t["role"] for t in data["live"]["asked"]] == ["BG"]  # asked through the gateway, not directly
    assert len(data["live"]["answered"]) == 3
    live = [r for r in data["results"] if r["source"] == "live"]
    assert all(r["age_seconds"] == 0 and r["why"][0].startswith("answered live by") for r in live)


def test_a_live_answer_replaces_the_indexed_copy_of_the_same_thing(
    three_sellers: SellersNetwork,
) -> None:
    net = three_sellers
    # Wait until the buyer's index also holds the catalogs (peer exchange), then search both.
    assert _until(lambda: _providers(_search(net, "--no-live"), "indexed") >= PROVIDERS)
    data = _search(net, "凉皮")
    keys = [r["doc_id"] for r in data["results"]]
    assert len(keys) == len(set(keys))  # one row per seller, provider, item and location
    liangpi = [r for r in data["results"] if r["provider_id"] == "chuanshan" and r["kind"] == "item"]
    assert {r["location"]["id"] for r in liangpi} == {"dc", "rockville"}
    assert all(r["source"] == "live" for r in liangpi)


def test_search_needs_no_data_dir_inside_the_one_node_dir(
    three_sellers: SellersNetwork,
) -> None:
    net = three_sellers
    data = _search(net, "凉皮", "--no-live", cwd=net.buyer.data_dir)
    assert any(r["provider_id"] == "chuanshan" for r in data["results"])
    assert data["live"] is None


def test_human_output_marks_live_and_indexed_results(
    three_sellers: SellersNetwork,
) -> None:
    net = three_sellers
    out = duijie("search", "凉皮", "--data-dir", str(net.buyer.data_dir), check=True).stdout
    assert "(live, " in out and "answered within" in out
    out = duijie("search", "凉皮", "--no-live", "--data-dir", str(net.buyer.data_dir), check=True).stdout
    assert "(indexed, " in out and "answered within" not in out


def test_with_the_gateway_stopped_sellers_are_asked_directly_and_a_dead_one_shows_indexed(
    three_sellers: SellersNetwork,
) -> None:
    net = three_sellers
    assert _until(lambda: _providers(_search(net, "--no-live"), "indexed") >= PROVIDERS)
    net.gateway.stop()
    net.sellers["factory"].stop()  # stop() forgets the process; the fixture's own stop is then a no-op
    data = _search(net)
    assert set(data["live"]["failed"]) == {f"{net.gateway.base}/beckn", f"{net.sellers['factory'].base}/beckn"}
    assert _providers(data, "live") == {"chuanshan", "greenvalley-farm"}
    assert "mingde-noodles" in _providers(data, "indexed")
