"""The storage suite runs unchanged on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from duijie.storage import migrate
from duijie.storage.engine import make_engine, sqlite_url

PG_URL = os.environ.get("DUIJIE_TEST_PG_URL")


def _pg_reason() -> str | None:
    if not PG_URL:
        return "DUIJIE_TEST_PG_URL is not set (PostgreSQL not installed or not started by scripts/test)"
    try:
        eng = create_engine(PG_URL)
        with eng.connect():
            pass
        eng.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL at DUIJIE_TEST_PG_URL is unreachable: {exc}"
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend (a private schema on PostgreSQL)."""
    if request.param == "sqlite":
        eng = make_engine(sqlite_url(tmp_path))
        migrate.upgrade(eng)
        yield eng
        eng.dispose()
        return
    with pg_schema_engine() as eng:
        migrate.upgrade(eng)
        yield eng


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no tables yet (a private schema on PostgreSQL)."""
    if request.param == "sqlite":
        eng = make_engine(sqlite_url(tmp_path))
        yield eng
        eng.dispose()
        return
    with pg_schema_engine() as eng:
        yield eng


@contextmanager
def pg_schema_engine() -> Iterator[Engine]:
    """An engine on a private, empty schema of the test server (skips when there is none)."""
    reason = _pg_reason()
    if reason:
        pytest.skip(reason)
    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    eng = make_engine(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
