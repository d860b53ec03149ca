"""Fixtures of every suite: async tests run on asyncio; :mod:`tests.support.mock_network` gives ``net``."""

from __future__ import annotations

import pytest
from tests.support import loop_close

pytest_plugins = ("tests.support.mock_network",)

loop_close.install()


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only, the loop the nodes run on (anyio would also run each async test on any other
    backend it finds installed)."""
    return "asyncio"
