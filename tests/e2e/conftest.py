"""Fixtures for end-to-end tests: initialised data dirs and real server processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.processes import ServerProcess, duijie, free_port

DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "duijie" / "demo" / "data"


@pytest.fixture
def node_dir(tmp_path: Path) -> Path:
    """A freshly initialised node data dir whose URL matches a free port."""
    port = free_port()
    data_dir = tmp_path / "node"
    duijie("init", "--data-dir", str(data_dir), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    (tmp_path / "port").write_text(str(port))
    return data_dir


@pytest.fixture(scope="module")
def restaurant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A served node hosting the 川陕名吃 demo listing (one per test module)."""
    port = free_port()
    node_dir = tmp_path_factory.mktemp("restaurant") / "node"
    duijie("init", "--data-dir", str(node_dir), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(node_dir), check=True)
    server = ServerProcess(node_dir, port).start()
    try:
        yield server
    finally:
        server.stop()
