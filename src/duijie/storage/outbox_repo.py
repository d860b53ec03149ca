"""SQL outbox: messages to send, written in the transaction that produced them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from duijie.services.ports import OutboxMessage, OutboxOutcome, OutboxState
from duijie.storage.prepared import Prepared
from duijie.storage.tables import outbox
from duijie.storage.timestamps import as_utc

_INSERT = Prepared(insert(outbox).returning(outbox.c.id))
_MARK = Prepared(
    update(outbox)
    .where(outbox.c.id == bindparam("b_id"))
    .values(state=bindparam("b_state"), attempts=bindparam("b_attempts"),
            next_attempt_at=bindparam("b_next"), last_error=bindparam("b_error"))
)
_DUE_IDS = Prepared(
    select(outbox.c.id)
    .where(outbox.c.state == OutboxState.PENDING.value, outbox.c.next_attempt_at <= bindparam("p_now"))
    .order_by(outbox.c.id)
    .limit(bindparam("p_limit"))
)
_BY_ID = Prepared(select(outbox).where(outbox.c.id == bindparam("p_id")))
_UNSENT = [state.value for state in OutboxState if state is not OutboxState.SENT]
# Each state is a range of the (state, next_attempt_at) index: sent messages are never scanned.
_COUNT_UNSENT = select(outbox.c.state, func.count()).where(outbox.c.state.in_(_UNSENT)).group_by(outbox.c.state)
_FINISHED = [state.value for state in OutboxState if state is not OutboxState.PENDING]
_PRUNE = delete(outbox).where(
    outbox.c.id.in_(
        select(outbox.c.id)
        .where(outbox.c.state.in_(_FINISHED), outbox.c.next_attempt_at < bindparam("before"))
        .limit(bindparam("limit"))
    )
)


def _to_message(r: object) -> OutboxMessage:
    return OutboxMessage(
        id=r.id,  # type: ignore[attr-defined]
        url=r.url,  # type: ignore[attr-defined]
        action=r.action,  # type: ignore[attr-defined]
        body=bytes(r.body),  # type: ignore[attr-defined]
        state=OutboxState(r.state),  # type: ignore[attr-defined]
        attempts=r.attempts,  # type: ignore[attr-defined]
        next_attempt_at=as_utc(r.next_attempt_at),  # type: ignore[attr-defined]
        expires_at=as_utc(r.expires_at),  # type: ignore[attr-defined]
        last_error=r.last_error,  # type: ignore[attr-defined]
    )


class SqlOutboxRepository:
    def __init__(self, conn: Connection, lease: timedelta = timedelta(0)) -> None:
        self._conn = conn
        # A new message falls due for pollers only after ``lease``: until then it is the sender
        # of the process that queued it to deliver (it is handed over at commit, see ``added``).
        self._lease = lease
        # What this unit of work added: handed to the sender once committed (see SqlUnitOfWork).
        self.added: list[OutboxMessage] = []

    def add(self, url: str, action: str, body: bytes, now: datetime, expires_at: datetime) -> int:
        result = _INSERT.run(
            self._conn,
            {
                "url": url, "action": action, "body": body, "state": OutboxState.PENDING.value, "attempts": 0,
                "next_attempt_at": now + self._lease, "expires_at": expires_at, "created_at": now,
            },
        )
        message_id = int(result.scalar_one())
        self.added.append(OutboxMessage(message_id, url, action, body, OutboxState.PENDING, 0, now, expires_at, None))
        return message_id

    def due(self, now: datetime, limit: int, exclude: Collection[int] = ()) -> list[OutboxMessage]:
        """Up to ``limit`` pending messages due at ``now``, without those in ``exclude`` (in flight).

        With messages in flight only ids are read first, so a wake-up that finds nothing new
        reads no bodies.
        """
        if exclude:
            return self._due_excluding(now, limit, exclude)
        rows = self._conn.execute(
            select(outbox)
            .where(outbox.c.state == OutboxState.PENDING.value, outbox.c.next_attempt_at <= now)
            .order_by(outbox.c.id)
            .limit(limit)
        ).all()
        return [_to_message(r) for r in rows]

    def _due_excluding(self, now: datetime, limit: int, exclude: Collection[int]) -> list[OutboxMessage]:
        ids = [r[0] for r in _DUE_IDS.run(self._conn, {"p_now": now, "p_limit": limit + len(exclude)})]
        wanted = [i for i in ids if i not in exclude][:limit]
        return [_to_message(_BY_ID.run(self._conn, {"p_id": i}).first()) for i in wanted]

    def mark(self, message_id: int, state: OutboxState, *, attempts: int, next_attempt_at: datetime,
             error: str | None) -> None:
        self.mark_many([(message_id, state, attempts, next_attempt_at, error)])

    def mark_many(self, outcomes: Sequence[OutboxOutcome]) -> None:
        """Record many delivery outcomes (id, state, attempts, next_attempt_at, error) in one executemany."""
        if not outcomes:
            return
        _MARK.run_many(self._conn, [
            {"b_id": i, "b_state": state.value, "b_attempts": attempts, "b_next": next_at, "b_error": error}
            for i, state, attempts, next_at, error in outcomes
        ])

    def get(self, message_id: int) -> OutboxMessage | None:
        row = _BY_ID.run(self._conn, {"p_id": message_id}).first()
        return _to_message(row) if row is not None else None

    def count_unsent(self) -> dict[str, int]:
        """How many messages are in each state but ``sent`` (every such state named, 0 included)."""
        counts = dict.fromkeys(_UNSENT, 0)
        counts.update({state: int(n) for state, n in self._conn.execute(_COUNT_UNSENT)})
        return counts

    def prune_finished(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` messages whose delivery ended (sent, expired, refused) before ``before``."""
        return int(self._conn.execute(_PRUNE, {"before": before, "limit": limit}).rowcount)
