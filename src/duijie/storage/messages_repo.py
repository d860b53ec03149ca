"""SQL replay guard: the primary key (message_id, action) makes recording atomic."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, exists, insert, select

from duijie.storage.tables import seen_messages


class SqlReplayRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def record(self, message_id: str, action: str, now: datetime) -> bool:
        # The write lock is held for the whole unit of work (BEGIN IMMEDIATE on SQLite; the
        # primary key on PostgreSQL), so check-then-insert cannot let a twin through.
        found = self._conn.execute(
            select(
                exists().where(seen_messages.c.message_id == message_id, seen_messages.c.action == action)
            )
        ).scalar()
        if found:
            return False
        self._conn.execute(insert(seen_messages).values(message_id=message_id, action=action, received_at=now))
        return True
