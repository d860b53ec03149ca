"""The intake ↔ back office link: its lines over a real socket pair, and the supervision of a real
child process (started, told, restarted after a crash, stopped on shutdown)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest

from duijie.transport import process_link
from duijie.transport.process_link import BackOfficeLink, IntakeLink, encode_journaled, inherited_fd_is_socket

# A stand-in back office: reports 3 handled, then echoes every line it gets into a file until EOF.
CHILD = """
import socket, sys
fd = int(sys.argv[sys.argv.index("--link-fd") + 1])
out = open(sys.argv[1], "ab", buffering=0)
s = socket.socket(fileno=fd)
s.sendall(b"d 3\\n")
f = s.makefile("rb")
for line in f:
    out.write(line)
out.write(b"EOF\\n")
"""


def test_journaled_ids_are_one_line() -> None:
    assert encode_journaled([7, 8, 12]) == b"j 7 8 12\n"


def test_back_office_end_acts_on_each_line_and_returns_when_the_intake_goes() -> None:
    async def main() -> tuple[list[list[int]], int, bytes]:
        mine, theirs = socket.socketpair()
        taken: list[list[int]] = []
        kicks = 0

        async def journaled(ids: list[int]) -> None:
            taken.append(ids)

        async def queued() -> None:
            nonlocal kicks
            kicks += 1

        link = BackOfficeLink(theirs.detach())
        task = asyncio.create_task(link.run(journaled, queued))
        mine.sendall(b"j 1 2\no\nj 5\n")
        await asyncio.sleep(0.05)
        link.handled(4)
        await asyncio.sleep(0.05)
        mine.setblocking(False)
        reported = mine.recv(100)
        mine.close()  # the intake is gone: run() returns by itself
        await asyncio.wait_for(task, 5)
        return taken, kicks, reported

    taken, kicks, reported = asyncio.run(main())
    assert taken == [[1, 2], [5]]
    assert kicks == 1
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
        link.journaled([10, 11])
        link.queued()
        await until(lambda: echo.exists() and b"o\n" in echo.read_bytes())
        assert echo.read_bytes() == b"j 10 11\no\n"
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


def test_lines_for_a_back_office_that_is_not_running_are_dropped() -> None:
    link = IntakeLink(["true"], frozenset({"confirm"}))
    link.journaled([1])  # no child yet: nothing to write to, and no error
    link.queued()


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
