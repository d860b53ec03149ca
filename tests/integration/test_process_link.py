"""The intake ↔ back office link: its lines over a real socket pair, and the supervision of a real
child process (started, told, restarted after a crash, stopped on shutdown)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest

from duijie.services.ports import JournaledMessage
from duijie.transport import process_link
from duijie.transport.process_link import BackOfficeLink, IntakeLink, encode_entry, inherited_fd_is_socket

ENTRY = JournaledMessage(7, "m-1", "confirm", '{"context":{"city":"罗克维尔"}}\n'.encode(), "bap.example", None)
VIA_GATEWAY = JournaledMessage(8, "m-2", "select", b"{}", "bap example", "gw.example")

# A stand-in back office: reports 3 handled, then copies what it gets into a file until EOF.
CHILD = """
import socket, sys
fd = int(sys.argv[sys.argv.index("--link-fd") + 1])
out = open(sys.argv[1], "ab", buffering=0)
s = socket.socket(fileno=fd)
s.sendall(b"d 3\\n")
while chunk := s.recv(65536):
    out.write(chunk)
out.write(b"EOF\\n")
"""


def test_an_entry_is_a_header_line_and_its_bytes() -> None:
    body = ENTRY.body
    assert encode_entry(ENTRY) == b"j 7 3 7 11 -1 %d\n" % len(body) + b"m-1confirmbap.example" + body


def test_back_office_end_acts_on_each_line_and_returns_when_the_intake_goes() -> None:
    async def main() -> tuple[list[JournaledMessage], bytes]:
        mine, theirs = socket.socketpair()
        taken: list[JournaledMessage] = []

        def journaled(entries: list[JournaledMessage]) -> None:
            taken.extend(entries)

        link = BackOfficeLink(theirs.detach())
        task = asyncio.create_task(link.run(journaled))
        # Bodies may hold newlines and anything else: frames are read by length.
        mine.sendall(encode_entry(ENTRY) + encode_entry(VIA_GATEWAY))
        await asyncio.sleep(0.05)
        link.handled(4)
        await asyncio.sleep(0.05)
        mine.setblocking(False)
        reported = mine.recv(100)
        mine.close()  # the intake is gone: run() returns by itself
        await asyncio.wait_for(task, 5)
        return taken, reported

    taken, reported = asyncio.run(main())
    assert taken == [ENTRY, VIA_GATEWAY]
    assert reported == b"d 4\n"


def test_intake_starts_tells_restarts_and_stops_its_back_office(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(process_link, "RESTART_DELAY_SECONDS", 0.1)
    echo = tmp_path / "echo"
    link = IntakeLink([sys.executable, "-c", CHILD, str(echo)], frozenset({"confirm"}))
    handled: list[int] = []
    link.on_handled = handled.append

    async def until(cond: object, timeout: float = 10) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not cond():  # type: ignore[operator]
            assert asyncio.get_running_loop().time() < deadline, "timed out"
            await asyncio.sleep(0.02)

    async def main() -> None:
        task = asyncio.create_task(link.run())
        await until(lambda: handled == [3])
        assert link.actions == frozenset({"confirm"})
        link.journaled([ENTRY, VIA_GATEWAY])
        expected = encode_entry(ENTRY) + encode_entry(VIA_GATEWAY)
        await until(lambda: echo.exists() and echo.read_bytes() == expected)
        first = link.pid
        assert first is not None
        os.kill(first, 9)  # a crash: the intake starts another one
        await until(lambda: link.started == 2 and handled == [3, 3])
        assert link.pid != first
        task.cancel()  # shutdown: the link closes and the child ends by itself
        with pytest.raises(asyncio.CancelledError):
            await task
        assert echo.read_bytes().endswith(b"EOF\n")

    asyncio.run(main())


def test_while_no_back_office_is_connected_it_takes_nothing() -> None:
    link = IntakeLink(["true"], frozenset({"confirm"}))
    assert link.actions == frozenset()  # so the intake hands nothing over
    link.journaled([ENTRY])  # and a late hand-over is dropped, not an error


def test_a_back_office_that_keeps_failing_is_restarted_less_and_less_often(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(process_link, "RESTART_DELAY_SECONDS", 0.05)
    monkeypatch.setattr(process_link, "MAX_RESTART_DELAY_SECONDS", 0.2)
    link = IntakeLink([sys.executable, "-c", "raise SystemExit(3)"], frozenset({"confirm"}))

    async def main() -> None:
        task = asyncio.create_task(link.run())
        while link.started < 4:
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with caplog.at_level("WARNING", logger="duijie.back_office"):
        asyncio.run(main())
    delays = [r.getMessage().rsplit(" in ", 1)[1] for r in caplog.records if "starting it again" in r.getMessage()]
    assert delays[:3] == ["0.1 s", "0.2 s", "0.2 s"]  # doubled after each quick failure, then capped
    assert all("exited with 3" in r.getMessage() for r in caplog.records if "starting it again" in r.getMessage())


def test_only_an_open_socket_passes_as_the_link() -> None:
    a, b = socket.socketpair()
    r, w = os.pipe()
    try:
        assert inherited_fd_is_socket(a.fileno())
        assert not inherited_fd_is_socket(r)
        assert not inherited_fd_is_socket(9999)
    finally:
        for s in (a, b):
            s.close()
        os.close(r)
        os.close(w)
