"""``running`` runs a node's background jobs for a block, then stops them and runs the shutdown hooks."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from duijie.services import container
from duijie.services.container import Services, running

pytestmark = pytest.mark.anyio


@dataclass
class Jobs:
    """Just what ``running`` reads of a node's services."""

    background: list[Any] = field(default_factory=list)
    shutdown: list[Any] = field(default_factory=list)


async def forever() -> None:
    await asyncio.Event().wait()


async def test_jobs_stop_and_hooks_run_when_the_block_ends() -> None:
    closed: list[str] = []

    async def close() -> None:
        closed.append("db")

    jobs = Jobs([forever, forever], [close])
    async with running(cast(Services, jobs)) as tasks:
        await asyncio.sleep(0)
        assert not any(t.done() for t in tasks)
    assert all(t.cancelled() for t in tasks) and closed == ["db"]


async def test_a_failed_job_is_logged_and_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> None:
        raise RuntimeError("disk gone")

    with caplog.at_level(logging.WARNING, logger="duijie.services.container"):
        async with running(cast(Services, Jobs([broken, forever]))) as tasks:
            await asyncio.sleep(0.01)
            assert not tasks[1].done()
    assert "disk gone" in caplog.text


async def test_a_cancellation_of_the_task_stopping_the_jobs_is_passed_on() -> None:
    # The task leaving the block is itself cancelled while it waits for its jobs to stop (a server
    # shutting down, an event loop closing): it must end cancelled, not carry on as if not told.
    stopping = asyncio.Event()

    async def slow_to_stop() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            stopping.set()
            await asyncio.sleep(0.2)

    async def node() -> str:
        async with running(cast(Services, Jobs([slow_to_stop]))):
            await asyncio.sleep(0)
        return "carried on"

    task = asyncio.create_task(node())
    await asyncio.sleep(0.01)
    while not stopping.is_set():
        await asyncio.sleep(0)
    assert not task.done()
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_job_that_ignores_its_cancellation_is_named_cancelled_again_and_left(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(container, "JOB_STOP_SECONDS", 0.05)
    told: list[int] = []

    async def deaf() -> None:
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                told.append(1)  # and carries on: a job that swallows its cancellation (twice)
                if len(told) == 3:
                    raise

    with caplog.at_level(logging.WARNING, logger="duijie.services.container"):
        async with running(cast(Services, Jobs([deaf]))) as tasks:
            await asyncio.sleep(0)
    assert len(told) == 2 and not tasks[0].done()
    assert "background job deaf still running" in caplog.text and "left 1 background job(s)" in caplog.text
    tasks[0].cancel()
    await asyncio.wait(tasks)


async def test_a_hung_or_failing_shutdown_hook_does_not_keep_the_others_from_running(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(container, "HOOK_SECONDS", 0.05)
    ran: list[str] = []

    async def hangs() -> None:
        await asyncio.Event().wait()

    async def fails() -> None:
        raise OSError("gone")

    async def closes() -> None:
        ran.append("closed")

    with caplog.at_level(logging.WARNING, logger="duijie.services.container"):
        async with running(cast(Services, Jobs([], [hangs, fails, closes]))):
            pass
    assert ran == ["closed"]
    assert "shutdown hook hangs did not end" in caplog.text and "shutdown hook fails failed" in caplog.text
