"""SQL journal of verified inbound messages, kept until they are handled."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select

from duijie.services.ports import JournaledMessage, JournalState
from duijie.storage.prepared import Prepared
from duijie.storage.tables import inbound_messages
from duijie.storage.timestamps import as_bound

Entry = tuple[str, str, bytes, str, str | None, JournalState]

_REMOVE = Prepared(delete(inbound_messages).where(inbound_messages.c.id == bindparam("p_id")))


class SqlInboundRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_many(self, entries: Sequence[Entry], now: datetime) -> list[int]:
        """Journal many (message_id, action, body, signer, gateway, state) in one INSERT; ids in order."""
        if not entries:
            return []
        if self._conn.dialect.name == "sqlite":
            return self._add_many_sqlite(entries, now)
        rows = [
            {"message_id": mid, "action": action, "body": body, "signer_subscriber_id": signer,
             "gateway_subscriber_id": gateway, "state": state.value, "received_at": now}
            for mid, action, body, signer, gateway, state in entries
        ]
        result = self._conn.execute(
            insert(inbound_messages).returning(inbound_messages.c.id, sort_by_parameter_order=True), rows
        )
        return [int(r[0]) for r in result.all()]

    def _add_many_sqlite(self, entries: Sequence[Entry], now: datetime) -> list[int]:
        """The hot path of every ACK: straight DB-API executemany, no per-row statement building.

        The unit of work holds SQLite's write lock (BEGIN IMMEDIATE), so the rows numbered above
        the largest id seen before the insert are exactly this batch, in insertion order.
        """
        received_at = as_bound(inbound_messages.c.received_at, self._conn.dialect, now)
        db = self._conn.connection.driver_connection
        assert db is not None
        (before,) = db.execute("SELECT coalesce(max(id), 0) FROM inbound_messages").fetchone()
        db.executemany(
            "INSERT INTO inbound_messages (message_id, action, body, signer_subscriber_id,"
            " gateway_subscriber_id, state, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(mid, action, body, signer, gateway, state.value, received_at)
             for mid, action, body, signer, gateway, state in entries],
        )
        ids = [int(row[0]) for row in db.execute(
            "SELECT id FROM inbound_messages WHERE id > ? ORDER BY id", (before,))]
        if len(ids) != len(entries):
            raise RuntimeError(f"journal insert numbered {len(ids)} rows for {len(entries)} messages")
        return ids

    def pending(self, limit: int = 10_000, states: Collection[JournalState] = tuple(JournalState)
                ) -> list[JournaledMessage]:
        query = select(inbound_messages).where(inbound_messages.c.state.in_(sorted(s.value for s in states)))
        return _messages(self._conn.execute(query.order_by(inbound_messages.c.id).limit(limit)).all())

    def remove_handled(self, ids: list[int]) -> None:
        _REMOVE.run_many(self._conn, [{"p_id": i} for i in ids])


def _messages(rows: Sequence[Any]) -> list[JournaledMessage]:
    return [
        JournaledMessage(r.id, r.message_id, r.action, bytes(r.body), r.signer_subscriber_id, r.gateway_subscriber_id)
        for r in rows
    ]
