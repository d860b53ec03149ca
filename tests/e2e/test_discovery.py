"""Two real `duijie serve` processes: a buyer started with --peer finds the restaurant's dishes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from tests.support.processes import ServerProcess, duijie, free_port

DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "duijie" / "demo" / "data"


def _node(root: Path, name: str) -> tuple[Path, int]:
    port = free_port()
    duijie("init", "--data-dir", str(root / name), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    return root / name, port


def test_buyer_with_a_peer_searches_the_restaurant_in_english_and_refuses_floods(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop_dir, shop_port = _node(tmp_path, "shop")
    buyer_dir, buyer_port = _node(tmp_path, "buyer")
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(shop_dir), check=True)
    monkeypatch.setenv("DUIJIE_PEER_INTERVAL", "0.5")
    monkeypatch.setenv("DUIJIE_SEMANTIC", "0")  # lexical only: "cold noodles" is in the English title
    monkeypatch.setenv("DUIJIE_PEER_RATE", "10")
    shop = ServerProcess(shop_dir, shop_port).start()
    buyer = ServerProcess(buyer_dir, buyer_port, ["--peer", shop.base]).start()
    try:
        deadline, results = time.monotonic() + 30, []
        while time.monotonic() < deadline and not results:
            out = duijie("search", "cold noodles", "--data-dir", str(buyer_dir), "--json", check=True)
            results = json.loads(out.stdout)["results"]
            time.sleep(0.3)
        assert any("凉皮" in r["title"] for r in results)
        text = duijie("search", "凉皮", "--data-dir", str(buyer_dir), "--near", "39.09,-77.15", "--within", "3",
                      check=True).stdout
        assert "Rockville" in text and "DC店" not in text
        with httpx.Client() as client:
            statuses = {client.get(f"{shop.base}/peers/self").status_code for _ in range(100)}
        assert statuses == {200, 429}
    finally:
        buyer.stop()
        shop.stop()
