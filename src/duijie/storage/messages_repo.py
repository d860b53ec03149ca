"""SQL replay guard: the primary key (sender_id, message_id, action) makes recording atomic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, exists, insert, select, tuple_

from duijie.storage.prepared import Prepared
from duijie.storage.tables import seen_messages
from duijie.storage.timestamps import as_bound

Key = tuple[str, str, str]
"""(sender_id, message_id, action)"""

# Built once so SQLAlchemy's statement cache serves every batch (an IN over tuples would be
# coerced and compiled anew each time); sender and action are matched in Python.
_SEEN_AMONG = select(seen_messages.c.sender_id, seen_messages.c.message_id, seen_messages.c.action).where(
    seen_messages.c.message_id.in_(bindparam("ids", expanding=True))
)
_INSERT_SEEN = insert(seen_messages)
_SEEN = Prepared(select(
    exists().where(seen_messages.c.sender_id == bindparam("p_sender"),
                   seen_messages.c.message_id == bindparam("p_mid"),
                   seen_messages.c.action == bindparam("p_action"))
))
_RECORD = Prepared(_INSERT_SEEN)
_KEY_COLUMNS = (seen_messages.c.sender_id, seen_messages.c.message_id, seen_messages.c.action)
_FORGET = delete(seen_messages).where(
    tuple_(*_KEY_COLUMNS).in_(
        select(*_KEY_COLUMNS)
        .where(seen_messages.c.received_at < bindparam("before"))
        .limit(bindparam("limit"))
    )
)


class SqlReplayRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def record(self, sender_id: str, message_id: str, action: str, now: datetime) -> bool:
        # The write lock is held for the whole unit of work (BEGIN IMMEDIATE on SQLite; the
        # primary key on PostgreSQL), so check-then-insert cannot let a twin through.
        if _SEEN.run(self._conn, {"p_sender": sender_id, "p_mid": message_id, "p_action": action}).scalar():
            return False
        _RECORD.run(self._conn, {"sender_id": sender_id, "message_id": message_id, "action": action,
                                 "received_at": now})
        return True

    def record_many(self, keys: Sequence[Key], now: datetime) -> list[bool]:
        """Record many (sender_id, message_id, action) keys at once: one SELECT, one multi-row INSERT.

        Returns, per key in order, True when it was new (a key repeated within ``keys`` is new
        only the first time). The write lock is held, as for :meth:`record`. It runs before every
        ACK, so on SQLite it goes straight to the DB-API connection.
        """
        if not keys:
            return []
        wanted = set(keys)
        db = self._conn.connection.driver_connection if self._conn.dialect.name == "sqlite" else None
        seen: set[Key] = set()
        for chunk in _chunks(sorted({message_id for _, message_id, _ in wanted}), 400):
            if db is not None:
                marks = ", ".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT sender_id, message_id, action FROM seen_messages WHERE message_id IN ({marks})", chunk)
            else:
                rows = self._conn.execute(_SEEN_AMONG, {"ids": chunk})
            seen.update(key for key in ((r[0], r[1], r[2]) for r in rows) if key in wanted)
        fresh: list[bool] = []
        new_keys: list[Key] = []
        for key in keys:
            new = key not in seen
            fresh.append(new)
            if new:
                seen.add(key)
                new_keys.append(key)
        if not new_keys:
            return fresh
        if db is not None:
            at = as_bound(seen_messages.c.received_at, self._conn.dialect, now)
            db.executemany(
                "INSERT INTO seen_messages (sender_id, message_id, action, received_at) VALUES (?, ?, ?, ?)",
                [(sender, mid, action, at) for sender, mid, action in new_keys])
        else:
            self._conn.execute(_INSERT_SEEN, [
                {"sender_id": sender, "message_id": mid, "action": action, "received_at": now}
                for sender, mid, action in new_keys
            ])
        return fresh

    def forget_before(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` records received before ``before``; how many went."""
        return int(self._conn.execute(_FORGET, {"before": before, "limit": limit}).rowcount)


def _chunks(items: list[str], size: int) -> list[list[str]]:
    """Keep IN lists well under the database's bound-parameter limit."""
    return [items[i : i + size] for i in range(0, len(items), size)]
