"""Migrations create exactly the tables the code declares, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from duijie.storage import migrate
from duijie.storage.engine import make_engine, sqlite_url
from duijie.storage.tables import inbound_messages, metadata, seen_messages


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



def test_0005_keeps_earlier_replay_records_with_no_sender_and_tells_senders_apart(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    try:
        migrate.upgrade(engine, "0004")
        with engine.begin() as conn:  # the 0004 table has no sender column
            conn.execute(text("INSERT INTO seen_messages (message_id, action, received_at)"
                              " VALUES ('m', 'on_search', '2026-11-27 00:00:00')"))
        migrate.upgrade(engine)
        at = datetime(2026, 11, 27, tzinfo=UTC)
        row = {"message_id": "m", "action": "on_search", "received_at": at}
        with engine.begin() as conn:
            conn.execute(insert(seen_messages), [{**row, "sender_id": "farm.example"},
                                                 {**row, "sender_id": "factory.example"}])
            senders = conn.execute(select(seen_messages.c.sender_id).order_by(seen_messages.c.sender_id))
            assert senders.scalars().all() == ["", "factory.example", "farm.example"]
        with pytest.raises(IntegrityError), engine.begin() as conn:  # one sender: once
            conn.execute(insert(seen_messages), [{**row, "sender_id": "farm.example"}])
        with engine.connect() as conn:  # the journal's batched check reads the key's index, not the table
            plan = conn.execute(text("EXPLAIN QUERY PLAN SELECT sender_id, message_id, action FROM seen_messages"
                                     " WHERE message_id IN ('m', 'n')")).all()
        assert "USING COVERING INDEX" in str(plan), plan
    finally:
        engine.dispose()
