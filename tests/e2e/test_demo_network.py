"""The demo network as real processes: search, a dead gateway, a new dish, a forged record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.support.processes import duijie, free_ports

DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "duijie" / "demo" / "data"


class Demo:
    def __init__(self, root: Path, proc: subprocess.Popen[str], info: dict[str, Any]) -> None:
        self.root, self.proc, self.info = root, proc, info

    def node(self, name: str) -> dict[str, Any]:
        return next(n for n in self.info["nodes"] if n["name"] == name)

    def search(self, text: str, *flags: str) -> list[dict[str, Any]]:
        out = duijie("search", text, "--data-dir", str(self.root / "buyer"), "--json", *flags, check=True)
        results: list[dict[str, Any]] = json.loads(out.stdout)["results"]
        return results


def _until(check: Callable[[], Any], timeout: float = 40.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("demo") / "net"
    base = free_ports(5)  # one port per demo node
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DUIJIE_PEER_INTERVAL": "0.5", "DUIJIE_PEER_TIMEOUT": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "duijie", "demo", "--port-base", str(base), "--json", "--root", str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line, f"demo printed nothing: {proc.stderr.read() if proc.stderr else ''}"
        yield Demo(root, proc, json.loads(line))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=30)
        assert rc == 0


def test_the_json_line_describes_every_node_with_exactly_the_documented_keys(demo: Demo) -> None:
    names = [n["name"] for n in demo.info["nodes"]]
    assert names == ["chuanshan", "farm", "factory", "gateway", "buyer"]
    assert all(set(n) == {"name", "roles", "url", "subscriber_url", "subscriber_id", "providers"}
               for n in demo.info["nodes"])
    assert demo.node("chuanshan")["providers"] == ["chuanshan"]


def test_the_demo_reports_ready_only_once_the_buyer_index_holds_every_merchant(demo: Demo) -> None:
    assert demo.info["synced"] is True
    # No waiting here: the line above was printed only after the index caught up.
    merchants = {p for n in demo.info["nodes"] for p in n["providers"]}
    assert len(merchants) == 3
    found = {r["provider_id"] for r in demo.search("", "--no-live", "--kind", "provider")}
    assert merchants <= found


def test_buyer_finds_liangpi_at_both_chuanshan_locations(demo: Demo) -> None:
    results = _until(lambda: [r for r in demo.search("凉皮") if r["provider_id"] == "chuanshan"])
    assert {r["location"]["id"] for r in results} == {"dc", "rockville"}
    assert all(r["provider_name"]["zh"] == "川陕名吃" and r["why"] and r["age_seconds"] >= 0 for r in results)


def test_search_still_answers_with_the_gateway_killed(demo: Demo) -> None:
    _until(lambda: demo.search("凉皮"))
    pid = int((demo.root / "gateway" / "serve.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    time.sleep(1.5)
    results = demo.search("凉皮")
    assert any(r["provider_id"] == "chuanshan" for r in results)
    assert _until(lambda: [r for r in demo.search("apples") if r["provider_id"] == "greenvalley-farm"])


def test_a_new_dish_at_the_restaurant_reaches_the_buyer_index(demo: Demo, tmp_path: Path) -> None:
    doc = json.loads((DEMO_DATA / "chuanshan.json").read_text())
    doc["catalog"]["items"].append(dict(doc["catalog"]["items"][0], id="biangbiang",
                                        name={"zh": "油泼扯面", "en": "Biangbiang noodles"}))
    path = tmp_path / "chuanshan-new.json"
    path.write_text(json.dumps(doc, ensure_ascii=False))
    duijie("provider", "import", str(path), "--data-dir", str(demo.root / "chuanshan"), check=True)
    found = _until(lambda: [r for r in demo.search("油泼扯面", "--no-live") if "油泼扯面" in r["title"]])
    assert found and found[0]["bpp_id"] == "chuanshan.demo.duijie"


def test_a_forged_record_from_a_test_peer_is_refused(demo: Demo) -> None:
    _until(lambda: demo.search("凉皮"))
    peers = json.loads(duijie("peers", "list", "--data-dir", str(demo.root / "buyer"), "--json", check=True).stdout)
    genuine = next(r for r in peers["records"] if r["subscriber_id"] == "chuanshan.demo.duijie")
    own = json.loads(duijie("peers", "list", "--data-dir", str(demo.root / "chuanshan"), "--json",
                            check=True).stdout)
    assert own["records"]
    import httpx

    record = httpx.get(f"{demo.node('chuanshan')['url']}/peers/self").json()
    record["record"]["url"] = "http://127.0.0.1:9/beckn"  # redirect buyers elsewhere: breaks the signature
    record["record"]["sequence"] += 100
    asked: list[str] = []

    class Evil(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            asked.append(self.path)
            body = json.dumps({"records": [record], "next": "1", "more": False}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        duijie("peers", "add", f"http://127.0.0.1:{server.server_port}", "--data-dir", str(demo.root / "buyer"),
               check=True)
        assert _until(lambda: len(asked) >= 2, timeout=20)
    finally:
        server.shutdown()
    after = json.loads(duijie("peers", "list", "--data-dir", str(demo.root / "buyer"), "--json", check=True).stdout)
    kept = next(r for r in after["records"] if r["subscriber_id"] == "chuanshan.demo.duijie")
    assert kept["url"] == genuine["url"] == demo.node("chuanshan")["subscriber_url"]


def test_demo_refuses_to_start_when_a_port_is_taken(tmp_path: Path) -> None:
    import socket

    base = free_ports(5)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 2))
        taken.listen()
        out = duijie("demo", "--port-base", str(base), "--root", str(tmp_path / "net"), timeout=30)
    assert out.returncode != 0
    assert f"port {base + 2}" in out.stderr and "--port-base" in out.stderr
    assert not (tmp_path / "net" / "chuanshan").exists()
