"""The link between a serving node's two processes: the intake and its back office.

The intake process answers HTTP: it checks each Beckn message, journals it and ACKs. The back
office, a child process on the other core, handles the journaled requests (quotes, orders,
receipts) and sends their callbacks. Both use the same database; this link, a Unix socket
pair, carries only what one must tell the other:

- intake → back office: ``j ID N1 N2 N3 N4 N5`` and then the entry's message_id, action,
  signer, gateway and body of those byte lengths (a committed journal entry to handle, sent
  whole so the back office need not read it back; N4 is -1 without a gateway);
- back office → intake: ``d N`` (N more entries handled, for the intake's backlog count).

Nothing on the link needs to survive it: every line is about committed rows, and a back office
that starts (again) first reads what is pending in the journal and the outbox.

The intake supervises the back office: it starts it, restarts it after a crash, and stops it on
shutdown. The back office exits when the link closes, so it never outlives a killed intake.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import stat
import subprocess
from collections.abc import Callable, Sequence
from typing import TypeGuard

from duijie.services.ports import JournaledMessage

log = logging.getLogger("duijie.back_office")

RESTART_DELAY_SECONDS = 0.5
MAX_RESTART_DELAY_SECONDS = 30.0
STEADY_SECONDS = 10.0  # a back office that ran this long is started again at once after a crash
STOP_GRACE_SECONDS = 5.0


def encode_entry(entry: JournaledMessage) -> bytes:
    """One journal entry as a ``j`` frame."""
    gateway = entry.gateway_subscriber_id
    parts = [entry.message_id.encode(), entry.action.encode(), entry.signer_subscriber_id.encode(),
             b"" if gateway is None else gateway.encode(), entry.body]
    sizes = [len(p) for p in parts]
    if gateway is None:
        sizes[3] = -1
    return b"j %d %d %d %d %d %d\n" % (entry.id, *sizes) + b"".join(parts)


async def read_entry(header: bytes, reader: asyncio.StreamReader) -> JournaledMessage:
    """The entry whose ``j`` header line is ``header``, its bytes read from ``reader``."""
    entry_id, *sizes = (int(f) for f in header[2:].split())
    if len(sizes) != 5:
        raise ValueError(f"bad journal frame header {header[:80]!r}")
    payload = await reader.readexactly(sum(max(n, 0) for n in sizes))
    fields: list[bytes | None] = []
    at = 0
    for n in sizes:
        fields.append(None if n < 0 else payload[at:at + n])
        at += max(n, 0)
    message_id, action, signer, gateway, body = fields
    assert message_id is not None and action is not None and signer is not None and body is not None
    return JournaledMessage(entry_id, message_id.decode(), action.decode(), body, signer.decode(),
                            None if gateway is None else gateway.decode())


class IntakeLink:
    """The intake's end: starts and watches the back office, and tells it what to do.

    ``argv`` is the back office's command line, to which ``--link-fd N`` is appended.
    """

    def __init__(self, argv: Sequence[str], actions: frozenset[str]) -> None:
        self._actions = actions
        self._argv = list(argv)
        self._writer: asyncio.StreamWriter | None = None
        self.on_handled: Callable[[int], None] | None = None
        self.started = 0  # how many times a back office was started (logs and tests)
        self.pid: int | None = None

    @property
    def actions(self) -> frozenset[str]:
        """What the back office takes; nothing while none is connected (the intake keeps it all)."""
        return self._actions if _usable(self._writer) else frozenset()

    def journaled(self, entries: list[JournaledMessage]) -> None:
        """Pass committed entries on; dropped while no back office runs (it reads them on start)."""
        if _usable(self._writer):
            self._writer.write(b"".join(encode_entry(e) for e in entries))

    async def run(self) -> None:
        """Background task of the intake: keep one back office running until cancelled.

        One that keeps failing soon after its start is started again less and less often (up to
        every :data:`MAX_RESTART_DELAY_SECONDS`); the intake handles everything meanwhile.
        """
        delay = RESTART_DELAY_SECONDS
        loop = asyncio.get_running_loop()
        while True:
            mine, theirs = socket.socketpair()
            try:
                proc = await self._start(theirs)
            finally:
                theirs.close()
            started = loop.time()
            try:
                await self._serve(mine)
            finally:
                await self._stop(proc)
            if loop.time() - started < STEADY_SECONDS:
                delay = min(delay * 2, MAX_RESTART_DELAY_SECONDS)
            else:
                delay = RESTART_DELAY_SECONDS
            log.warning("back office exited with %s; starting it again in %.1f s", proc.returncode, delay)
            await asyncio.sleep(delay)

    async def _start(self, theirs: socket.socket) -> asyncio.subprocess.Process:
        fd = theirs.fileno()
        proc = await asyncio.create_subprocess_exec(
            *self._argv, "--link-fd", str(fd), pass_fds=(fd,), stdin=subprocess.DEVNULL
        )
        self.started += 1
        self.pid = proc.pid
        log.info("back office started (pid %d)", proc.pid)
        return proc

    async def _serve(self, mine: socket.socket) -> None:
        reader, writer = await asyncio.open_unix_connection(sock=mine)
        self._writer = writer
        try:
            while line := await reader.readline():
                if line.startswith(b"d ") and self.on_handled is not None:
                    self.on_handled(int(line[2:]))
        finally:
            self._writer = None
            writer.close()

    async def _stop(self, proc: asyncio.subprocess.Process) -> None:
        """Closing the link asks the back office to stop; it gets a grace period, then a kill."""
        try:
            await asyncio.wait_for(asyncio.shield(proc.wait()), STOP_GRACE_SECONDS)
        except TimeoutError:
            log.warning("back office (pid %d) did not stop within %.0f s; killing it", proc.pid, STOP_GRACE_SECONDS)
            await _kill(proc)
        except asyncio.CancelledError:
            await _kill(proc)
            raise


class BackOfficeLink:
    """The back office's end of the link (``fd`` inherited from the intake)."""

    def __init__(self, fd: int) -> None:
        self._sock = socket.socket(fileno=fd)
        self._writer: asyncio.StreamWriter | None = None

    def handled(self, count: int) -> None:
        if _usable(self._writer):
            self._writer.write(b"d %d\n" % count)

    async def run(self, journaled: Callable[[list[JournaledMessage]], None]) -> None:
        """Act on the intake's lines until the link closes (the intake stopped or died)."""
        reader, writer = await asyncio.open_unix_connection(sock=self._sock)
        self._writer = writer
        try:
            while line := await reader.readline():
                if line.startswith(b"j "):
                    try:
                        entry = await read_entry(line, reader)
                    except asyncio.IncompleteReadError:
                        break  # the intake died mid-frame; the entry is in the journal for next time
                    journaled([entry])
        finally:
            self._writer = None
            writer.close()


def _usable(writer: asyncio.StreamWriter | None) -> TypeGuard[asyncio.StreamWriter]:
    return writer is not None and not writer.is_closing()


async def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    await proc.wait()


def inherited_fd_is_socket(fd: int) -> bool:
    """True when ``fd`` is an open socket (a clear error beats a crash on a wrong --link-fd)."""
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:
        return False
