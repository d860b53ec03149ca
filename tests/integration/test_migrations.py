"""Migrations create exactly the tables the code declares, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect, select

from duijie.storage import migrate
from duijie.storage.engine import make_engine, sqlite_url
from duijie.storage.tables import inbound_messages, metadata


def test_migrations_match_the_declared_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    migrate.upgrade(engine)
    names = set(inspect(engine).get_table_names())
    assert {"listings", "orders", "outbox", "seen_messages", "known_keys"} <= names


def test_0004_drops_journal_entries_earlier_versions_marked_done(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    try:
        migrate.upgrade(engine, "0003")
        row = {"message_id": "m", "action": "confirm", "body": b"{}", "signer_subscriber_id": "bap",
               "received_at": datetime(2026, 11, 27, tzinfo=UTC)}
        with engine.begin() as conn:
            conn.execute(insert(inbound_messages), [{**row, "message_id": "handled", "state": "done"},
                                                    {**row, "message_id": "waiting", "state": "pending"}])
        migrate.upgrade(engine)
        with engine.connect() as conn:
            left = conn.execute(select(inbound_messages.c.message_id)).scalars().all()
        assert left == ["waiting"]  # what was still to be handled is kept
    finally:
        engine.dispose()
