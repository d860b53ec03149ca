"""Database engines: SQLite in the data dir by default, PostgreSQL when given a URL."""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from duijie.storage.checkpoint import SAFETY_NET_PAGES


def sqlite_url(data_dir: Path) -> str:
    """The default database of a node: ``DATA_DIR/node.db``."""
    return f"sqlite:///{(data_dir / 'node.db').resolve()}"


GIL_SWITCH_SECONDS = 0.0005
BUSY_TIMEOUT_MS = 30_000


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` is SQLite (one writer, in-process, WAL) rather than a server database.

    Storage asks this; the use cases never do: they see only what the unit of work offers.
    """
    return engine.dialect.name == "sqlite"


def sqlite_file(engine: Engine) -> Path | None:
    """The database file of an SQLite engine (its WAL is checkpointed beside it); None otherwise."""
    database = engine.url.database if is_sqlite(engine) else None
    return Path(database) if database and database != ":memory:" else None


def _shorten_gil_switch() -> None:
    """Hand the GIL over sooner than CPython's default 5 ms.

    A writer holding SQLite's write lock gives up the GIL on every statement; getting it back
    can take a whole switch interval while the event loop computes, and every other writer waits
    on the lock meanwhile. A shorter interval keeps write transactions close to their CPU cost.
    """
    if sys.getswitchinterval() > GIL_SWITCH_SECONDS:
        sys.setswitchinterval(GIL_SWITCH_SECONDS)


def _use_wal(cur: sqlite3.Cursor) -> None:
    """Put the database in WAL mode, which the file keeps once set.

    The switch needs an exclusive lock, and SQLite answers a concurrent one with "database is
    locked" at once, without its busy handler: several processes opening a new database together
    (two ``serve`` processes started at once) would fail. So the first opens retry, up to the busy
    timeout; later ones see WAL already set and change nothing.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] in ("wal", "memory"):
                return
            if cur.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal":
                return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError("could not switch the database to WAL mode")
        time.sleep(0.01)


def make_engine(url: str, *, background_checkpoints: bool = False) -> Engine:
    """Build an engine; for SQLite, switch every connection to WAL with a busy timeout.

    With ``background_checkpoints`` a :class:`~duijie.storage.checkpoint.WalCheckpointer` is
    expected to checkpoint the WAL, and commits checkpoint only as a safety net.

    WAL lets the HTTP server read while the outbox writer commits; ``synchronous=NORMAL`` in
    WAL mode keeps every committed transaction across a process crash (only an OS crash can
    lose the last ones), which is the failure the node must survive.
    """
    if url.startswith("sqlite"):
        _shorten_gil_switch()
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # The stdlib driver opens its own transactions lazily; let SQLAlchemy issue BEGIN.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            _use_wal(cur)
            cur.execute("PRAGMA synchronous=NORMAL")
            if background_checkpoints:
                cur.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock up front, so two writers queue instead of
            # failing with "database is locked" when the second one upgrades a read lock.
            # Readers (marked read_only) take a plain deferred snapshot and never block.
            # Issued on the DB-API connection: it runs for every unit of work, and SQLAlchemy's
            # statement path costs several times the BEGIN itself.
            options = conn.get_execution_options()
            db = conn.connection.driver_connection
            if options.get("read_only"):
                db.execute("BEGIN")
            elif options.get("nowait"):
                # Fail at once when the lock is taken (by another process: the back office);
                # the caller retries later without blocking its event loop meanwhile.
                db.execute("PRAGMA busy_timeout=0")
                try:
                    db.execute("BEGIN IMMEDIATE")
                finally:
                    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            else:
                db.execute("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
