"""Closing a test's event loop never hangs on a task that ignored its first cancellation.

asyncio.Runner.close cancels every task once and waits for all of them without a limit. In full
CI runs (about one in three), anyio's test-runner task survived that one cancellation: it was
found with gdb waiting again on its memory stream, cancelled once; a second cancel ended it
and the run went on. Which await swallowed the first is not known (our own ``running`` did swallow
its caller's cancellation, now fixed, see tests/unit/services/test_running_jobs.py). So the
tests' loops are closed by cancelling what is left until it ends, and a task that needed more
than one cancellation then fails the closing (the test's teardown errors, naming it) rather
than hanging the run or passing unseen.
"""

from __future__ import annotations

import asyncio
import asyncio.runners
from typing import Any

ROUNDS = 30
ROUND_SECONDS = 1.0


def cancel_until_done(loop: asyncio.AbstractEventLoop) -> None:
    """``asyncio.runners._cancel_all_tasks``, cancelling again what survives a round."""
    pending = asyncio.all_tasks(loop)
    everything = set(pending)
    deaf: set[str] = set()
    for round_ in range(ROUNDS):
        if not pending:
            break
        if round_:
            deaf.update(t.get_name() for t in pending)
        for task in pending:
            task.cancel()
        _done, pending = loop.run_until_complete(asyncio.wait(pending, timeout=ROUND_SECONDS))
    if pending:
        raise RuntimeError(f"tasks still running after {ROUNDS} cancellations: {pending}")
    for task in everything:
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler({"message": "unhandled exception during loop close",
                                         "exception": task.exception(), "task": task})
    if deaf:
        raise RuntimeError(f"loop close: task(s) ignored their first cancellation: {', '.join(sorted(deaf))}")


def install() -> None:
    """Make every asyncio.Runner (anyio's test runner uses one) close its loop this way."""
    runners: Any = asyncio.runners
    runners._cancel_all_tasks = cancel_until_done
