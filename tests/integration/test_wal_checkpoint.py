"""Background WAL checkpoints for a serving SQLite node (storage/checkpoint.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from duijie.storage.checkpoint import SAFETY_NET_PAGES, WalCheckpointer
from duijie.storage.engine import make_engine, sqlite_url


def _autocheckpoint(url: str, **kwargs: bool) -> int:
    engine = make_engine(url, **kwargs)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())
    finally:
        engine.dispose()


def _fill(db: Path, rows: int) -> Engine:
    """Commit ``rows`` rows of 4 KB each, one transaction per row, through a serving engine.

    The engine is returned undisposed: closing the last connection would checkpoint by itself.
    """
    engine = make_engine(f"sqlite:///{db}", background_checkpoints=True)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, data BLOB)"))
    for _ in range(rows):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO blobs (data) VALUES (randomblob(4096))"))
    return engine


def test_a_serving_engine_leaves_checkpoints_to_the_checkpointer(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    assert _autocheckpoint(url) == 1000  # SQLite's default for command-line use
    assert _autocheckpoint(url, background_checkpoints=True) == SAFETY_NET_PAGES


def test_checkpoint_copies_the_wal_into_the_database_and_close_truncates_it(tmp_path: Path) -> None:
    db = tmp_path / "node.db"
    engine = _fill(db, 300)
    try:  # 300 pages and more: far below the safety net, so nothing checkpointed yet
        wal = tmp_path / "node.db-wal"
        assert wal.stat().st_size > 300 * 4096
        checkpointer = WalCheckpointer(db)
        busy, frames, copied = checkpointer.checkpoint()
        assert (busy, copied) == (0, frames) and frames >= 300
        assert checkpointer.checkpoints == 1
        checkpointer.close()
        assert wal.stat().st_size == 0
        # Closed: further checkpoints are no-ops rather than reopening the database.
        assert checkpointer.checkpoint() == (0, 0, 0)
    finally:
        engine.dispose()
    with sqlite3.connect(db) as check:
        assert check.execute("SELECT count(*) FROM blobs").fetchone() == (300,)


def test_unknown_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mode"):
        WalCheckpointer(tmp_path / "x.db").checkpoint("EVERYTHING")


def test_run_checkpoints_in_the_background_until_cancelled(tmp_path: Path) -> None:
    db = tmp_path / "node.db"
    checkpointer = WalCheckpointer(db, interval_s=0.01)

    async def scenario() -> None:
        task = asyncio.create_task(checkpointer.run())
        for _ in range(200):
            if checkpointer.checkpoints:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    engine = _fill(db, 50)
    try:
        asyncio.run(scenario())
        assert checkpointer.checkpoints >= 1
        checkpointer.close()
    finally:
        engine.dispose()
