"""A node whose data lives in PostgreSQL (`--db postgresql+psycopg://...`), end to end."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.e2e.conftest import DEMO_DATA
from tests.support.processes import ServerProcess, duijie, free_port

PG_URL = os.environ.get("DUIJIE_TEST_PG_URL")


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, empty database on the test server, dropped afterwards."""
    if not PG_URL:
        pytest.skip("DUIJIE_TEST_PG_URL is not set (PostgreSQL not installed or not started by scripts/test)")
    name = f"duijie_e2e_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_node_on_postgresql_imports_serves_and_exports(tmp_path: Path, pg_database: str) -> None:
    port = free_port()
    data_dir = tmp_path / "pgnode"
    duijie("init", "--data-dir", str(data_dir), "--url", f"http://127.0.0.1:{port}/beckn", "--db", pg_database,
           check=True)
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(data_dir), check=True)
    assert not (data_dir / "node.db").exists(), "the node wrote to SQLite although --db named PostgreSQL"
    first = duijie("provider", "export", "chuanshan", "--data-dir", str(data_dir), check=True).stdout
    assert first == (DEMO_DATA / "chuanshan.json").read_text(encoding="utf-8")
    server = ServerProcess(data_dir, port).start()
    try:
        listing = httpx.get(f"{server.base}/api/providers/chuanshan").json()
        assert listing["version"] == 1 and "凉皮" in str(listing["listing"])
    finally:
        server.stop()
    engine = create_engine(pg_database)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM listings")).scalar() == 1
    engine.dispose()
