"""`duijie serve` in two processes: the intake answers HTTP, its back office handles the journaled
requests. Real processes: the back office is started, restarted after a crash (orders go on),
and never outlives a killed intake; `--back-office inline` serves in one process."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select
from tests.e2e.conftest import DEMO_DATA
from tests.e2e.test_order_flow import Network, place_order
from tests.support.processes import ServerProcess, duijie, free_port

from duijie.protocol.outbound import build_signed_request
from duijie.storage.engine import make_engine, sqlite_url
from duijie.storage.keyfiles import current_keys
from duijie.storage.tables import inbound_messages


def _children(pid: int) -> list[int]:
    return [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _wait_for(cond: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _network(root: Path, *extra: str) -> Network:
    ports = {"restaurant": free_port(), "buyer": free_port()}
    for name, port in ports.items():
        duijie("init", "--data-dir", str(root / name), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(root / "restaurant"), check=True)
    registry = {name: f"http://127.0.0.1:{port}/registry" for name, port in ports.items()}
    restaurant = ServerProcess(root / "restaurant", ports["restaurant"], ["--registry", registry["buyer"], *extra])
    buyer = ServerProcess(root / "buyer", ports["buyer"], ["--registry", registry["restaurant"], *extra])
    return Network(restaurant.start(), buyer.start())


def test_the_back_office_is_restarted_after_a_crash_and_dies_with_its_intake(tmp_path: Path) -> None:
    net = _network(tmp_path)
    try:
        intake = net.restaurant.proc
        assert intake is not None
        _wait_for(lambda: len(_children(intake.pid)) == 1, "the back office to start")
        (first,) = _children(intake.pid)
        assert b"back-office" in Path(f"/proc/{first}/cmdline").read_bytes()
        assert place_order(net, "roujiamo:1")["status"] == "ACTIVE"

        os.kill(first, signal.SIGKILL)
        _wait_for(lambda: [c for c in _children(intake.pid) if c != first and _alive(c)] != [], "a new back office")
        (second,) = [c for c in _children(intake.pid) if _alive(c)]
        placed = place_order(net, "yangrou-paomo:1")  # handled by the new one
        assert placed["status"] == "ACTIVE"
        assert placed["receipt_state"] == "countersigned", placed.get("receipt_problem")

        net.restaurant.kill()  # SIGKILL: no chance to stop its child ...
        _wait_for(lambda: not _alive(second), "the orphaned back office to exit")  # ... which ends by itself
    finally:
        net.buyer.stop()
        net.restaurant.stop()


def test_inline_serves_in_one_process(tmp_path: Path) -> None:
    net = _network(tmp_path, "--back-office", "inline")
    try:
        assert net.restaurant.proc is not None
        assert _children(net.restaurant.proc.pid) == []
        assert place_order(net, "roujiamo:1")["status"] == "ACTIVE"
    finally:
        net.buyer.stop()
        net.restaurant.stop()


def test_the_back_office_command_is_for_serve_only(tmp_path: Path) -> None:
    res = duijie("back-office", "--data-dir", str(tmp_path), "--link-fd", "99")
    assert res.returncode != 0
    assert "--link-fd 99 is not an open socket" in res.stderr + res.stdout
    assert "back-office" not in duijie("--help").stdout  # hidden: nobody runs it by hand
    assert "--back-office" in duijie("serve", "--help").stdout


def _signed_confirms(buyer: Path, bap_uri: str, bpp_id: str, bpp_uri: str, count: int) -> list[tuple[bytes, dict]]:
    keys = current_keys(buyer, datetime.now(UTC))
    out = []
    for _ in range(count):
        doc = {
            "context": {
                "domain": "nic2004:55204", "action": "confirm", "version": "1.1.0",
                "bap_id": keys.subscriber_id, "bap_uri": bap_uri, "bpp_id": bpp_id, "bpp_uri": bpp_uri,
                "transaction_id": str(uuid.uuid4()), "message_id": str(uuid.uuid4()),
                "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"), "ttl": "PT10M",
            },
            "message": {"order": {"provider": {"id": "chuanshan"}, "items": [{"id": "roujiamo"}]}},
        }
        out.append(build_signed_request(doc, keys, datetime.now(UTC), ttl_seconds=600))
    return out


def test_a_flood_is_acked_and_its_overflow_handled_by_the_back_office(tmp_path: Path) -> None:
    # A test client cannot outpace a node by far: count any backlog as pressure.
    net = _network(tmp_path, "--calm-backlog", "0")
    try:
        health = httpx.get(f"{net.restaurant.base}/healthz", timeout=10).json()
        confirms = _signed_confirms(net.buyer.data_dir, f"{net.buyer.base}/beckn", health["subscriber_id"],
                                    net.bpp, 600)

        async def flood() -> list[int]:
            async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=32)) as client:
                sem = asyncio.Semaphore(32)

                async def one(body: bytes, headers: dict) -> int:
                    async with sem:
                        resp = await client.post(f"{net.bpp}/confirm", content=body, headers=headers)
                        return resp.status_code

                return await asyncio.gather(*(one(b, h) for b, h in confirms))

        statuses = asyncio.run(flood())
        assert statuses == [200] * len(confirms)  # every one ACKed

        def journal() -> dict[str, int]:
            stats: dict[str, int] = httpx.get(f"{net.restaurant.base}/healthz", timeout=10).json()["journal"]
            return stats

        # Handled at last, here or there: nothing waits, and the back office took part of it.
        _wait_for(lambda: journal()["backlog"] == 0 and journal()["handed_off_waiting"] == 0, "the backlog to drain",
                  timeout=120)
        assert journal()["handed_off_total"] > 0
        engine = make_engine(sqlite_url(net.restaurant.data_dir))
        try:
            with engine.connect() as conn:
                assert conn.execute(select(func.count()).select_from(inbound_messages)).scalar_one() == 0
        finally:
            engine.dispose()
    finally:
        net.buyer.stop()
        net.restaurant.stop()
