"""SQL replay guard: the primary key (message_id, action) makes recording atomic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, exists, insert, select, tuple_

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

    def record_many(self, keys: Sequence[tuple[str, str]], now: datetime) -> list[bool]:
        """Record many (message_id, action) pairs at once: one SELECT, one multi-row INSERT.

        Returns, per pair in order, True when it was new (a pair repeated within ``keys`` is new
        only the first time). The write lock is held, as for :meth:`record`.
        """
        if not keys:
            return []
        wanted = set(keys)
        seen: set[tuple[str, str]] = set()
        for chunk in _chunks(sorted(wanted), 400):
            rows = self._conn.execute(
                select(seen_messages.c.message_id, seen_messages.c.action).where(
                    tuple_(seen_messages.c.message_id, seen_messages.c.action).in_(chunk)
                )
            ).all()
            seen.update((r.message_id, r.action) for r in rows)
        fresh: list[bool] = []
        new_rows: list[dict[str, object]] = []
        for message_id, action in keys:
            if (message_id, action) in seen:
                fresh.append(False)
                continue
            seen.add((message_id, action))
            fresh.append(True)
            new_rows.append({"message_id": message_id, "action": action, "received_at": now})
        if new_rows:
            self._conn.execute(insert(seen_messages), new_rows)
        return fresh


def _chunks(items: list[tuple[str, str]], size: int) -> list[list[tuple[str, str]]]:
    """Keep IN lists well under the database's bound-parameter limit."""
    return [items[i : i + size] for i in range(0, len(items), size)]
