"""The tests' event loops close even when a task ignores its first cancellation (tests/support/loop_close.py)."""

from __future__ import annotations

import asyncio

import pytest
from tests.support.loop_close import cancel_until_done


def test_a_task_that_swallows_one_cancellation_is_cancelled_again_and_named() -> None:
    told: list[int] = []

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                told.append(1)
                if len(told) == 2:
                    raise

    loop = asyncio.new_event_loop()
    try:
        task = loop.create_task(stubborn(), name="stubborn")
        loop.run_until_complete(asyncio.sleep(0))
        with pytest.raises(RuntimeError, match="ignored their first cancellation: stubborn"):
            cancel_until_done(loop)
        assert task.cancelled() and len(told) == 2  # ended all the same: the loop can close
    finally:
        loop.close()


def test_asyncio_runners_close_their_loops_this_way() -> None:
    # installed by tests/conftest.py for every test's runner (anyio's included)
    assert asyncio.runners._cancel_all_tasks is cancel_until_done  # type: ignore[attr-defined]
