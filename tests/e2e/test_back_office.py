"""`duijie serve` in two processes: the intake answers HTTP, its back office handles the journaled
requests. Real processes: the back office is started, restarted after a crash (orders go on),
and never outlives a killed intake; `--back-office inline` serves in one process."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import DEMO_DATA
from tests.e2e.test_order_flow import Network, place_order
from tests.support.processes import ServerProcess, duijie, free_port


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
