"""SQL replay guard: the primary key (message_id, action) makes recording atomic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, exists, insert, select, tuple_

from duijie.storage.prepared import Prepared
from duijie.storage.tables import seen_messages
from duijie.storage.timestamps import as_bound

# Built once so SQLAlchemy's statement cache serves every batch (an IN over tuples would be
# coerced and compiled anew each time); the action is matched in Python.
_SEEN_AMONG = select(seen_messages.c.message_id, seen_messages.c.action).where(
    seen_messages.c.message_id.in_(bindparam("ids", expanding=True))
)
_INSERT_SEEN = insert(seen_messages)
_SEEN = Prepared(select(
    exists().where(seen_messages.c.message_id == bindparam("p_mid"), seen_messages.c.action == bindparam("p_action"))
))
_RECORD = Prepared(_INSERT_SEEN)
_FORGET = delete(seen_messages).where(
    tuple_(seen_messages.c.message_id, seen_messages.c.action).in_(
        select(seen_messages.c.message_id, seen_messages.c.action)
        .where(seen_messages.c.received_at < bindparam("before"))
        .limit(bindparam("limit"))
    )
)


class SqlReplayRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def record(self, message_id: str, action: str, now: datetime) -> bool:
        # The write lock is held for the whole unit of work (BEGIN IMMEDIATE on SQLite; the
        # primary key on PostgreSQL), so check-then-insert cannot let a twin through.
        if _SEEN.run(self._conn, {"p_mid": message_id, "p_action": action}).scalar():
            return False
        _RECORD.run(self._conn, {"message_id": message_id, "action": action, "received_at": now})
        return True

    def record_many(self, keys: Sequence[tuple[str, str]], now: datetime) -> list[bool]:
        """Record many (message_id, action) pairs at once: one SELECT, one multi-row INSERT.

        Returns, per pair in order, True when it was new (a pair repeated within ``keys`` is new
        only the first time). The write lock is held, as for :meth:`record`. It runs before every
        ACK, so on SQLite it goes straight to the DB-API connection.
        """
        if not keys:
            return []
        wanted = set(keys)
        db = self._conn.connection.driver_connection if self._conn.dialect.name == "sqlite" else None
        seen: set[tuple[str, str]] = set()
        for chunk in _chunks(sorted({message_id for message_id, _ in wanted}), 400):
            if db is not None:
                marks = ", ".join("?" * len(chunk))
                rows = db.execute(f"SELECT message_id, action FROM seen_messages WHERE message_id IN ({marks})", chunk)
            else:
                rows = self._conn.execute(_SEEN_AMONG, {"ids": chunk})
            seen.update(pair for pair in ((r[0], r[1]) for r in rows) if pair in wanted)
        fresh: list[bool] = []
        new_pairs: list[tuple[str, str]] = []
        for pair in keys:
            new = pair not in seen
            fresh.append(new)
            if new:
                seen.add(pair)
                new_pairs.append(pair)
        if not new_pairs:
            return fresh
        if db is not None:
            at = as_bound(seen_messages.c.received_at, self._conn.dialect, now)
            db.executemany("INSERT INTO seen_messages (message_id, action, received_at) VALUES (?, ?, ?)",
                           [(mid, action, at) for mid, action in new_pairs])
        else:
            self._conn.execute(_INSERT_SEEN, [{"message_id": mid, "action": action, "received_at": now}
                                              for mid, action in new_pairs])
        return fresh


    def forget_before(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` records received before ``before``; how many went."""
        return int(self._conn.execute(_FORGET, {"before": before, "limit": limit}).rowcount)


def _chunks(items: list[str], size: int) -> list[list[str]]:
    """Keep IN lists well under the database's bound-parameter limit."""
    return [items[i : i + size] for i in range(0, len(items), size)]
