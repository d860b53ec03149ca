"""Whatever ran before (the browser tests run first in the suite), no event loop is left running
in the main thread: the tests after them call ``asyncio.run``."""

from __future__ import annotations

import asyncio


def test_asyncio_run_works_after_the_tests_before() -> None:
    async def answer() -> int:
        return 42

    assert asyncio.run(answer()) == 42
