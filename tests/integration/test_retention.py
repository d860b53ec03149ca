"""Retention: replay records and finished outbox messages are forgotten on schedule (both backends)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from duijie.protocol.signing import REPLAY_MEMORY_SECONDS
from duijie.services.ports import OutboxState
from duijie.services.retention import OUTBOX_KEEP, Pruned, Retention
from duijie.storage.tables import outbox, seen_messages
from duijie.storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
MEMORY = timedelta(seconds=REPLAY_MEMORY_SECONDS)


class Clock:
    def now(self) -> datetime:
        return NOW


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_replay_records_past_their_memory_are_forgotten_and_recent_ones_kept(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    with uow() as u:
        for i in range(25):  # old enough: a replay of these would be refused as expired
            assert u.messages.record("bap.example", f"old-{i}", "confirm", NOW - MEMORY - timedelta(seconds=1 + i))
        assert u.messages.record("bap.example", "recent", "confirm", NOW - MEMORY + timedelta(seconds=1))
        assert u.messages.record("bap.example", "old-0", "select", NOW - timedelta(minutes=1))  # same id, other action
        # Same id and action from another sender (every seller answers one search): its own record.
        assert u.messages.record("farm.example", "old-1", "confirm", NOW - timedelta(minutes=1))
        u.commit()
    # A chunk smaller than the backlog: the pass takes several transactions and stops when done.
    pruned = asyncio.run(Retention(uow, Clock(), chunk=10).prune())
    assert pruned == Pruned(replay_records=25, outbox_messages=0)
    with engine.connect() as conn:
        left = {tuple(r) for r in conn.execute(
            select(seen_messages.c.sender_id, seen_messages.c.message_id, seen_messages.c.action))}
    assert left == {("bap.example", "recent", "confirm"), ("bap.example", "old-0", "select"),
                    ("farm.example", "old-1", "confirm")}
    with uow() as u:  # still remembered: still refused
        assert not u.messages.record("bap.example", "recent", "confirm", NOW)


def test_finished_outbox_messages_go_after_a_week_and_pending_ones_never(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    long_ago = NOW - OUTBOX_KEEP - timedelta(hours=1)
    with uow() as u:
        ids = {name: u.outbox.add("http://bap/beckn/on_confirm", "on_confirm", b"{}", long_ago, NOW)
               for name in ("sent", "expired", "refused", "pending", "sent-yesterday")}
        for name, state, at in (("sent", OutboxState.SENT, long_ago), ("expired", OutboxState.EXPIRED, long_ago),
                                ("refused", OutboxState.REFUSED, long_ago),
                                ("sent-yesterday", OutboxState.SENT, NOW - timedelta(days=1))):
            u.outbox.mark(ids[name], state, attempts=1, next_attempt_at=at, error=None)
        u.commit()
    assert asyncio.run(Retention(uow, Clock()).prune()) == Pruned(replay_records=0, outbox_messages=3)
    with engine.connect() as conn:
        left = set(conn.execute(select(outbox.c.id)).scalars())
    assert left == {ids["pending"], ids["sent-yesterday"]}
    assert _count(engine, outbox) == 2


def test_a_pass_over_nothing_deletes_nothing(engine: Engine) -> None:
    assert asyncio.run(Retention(SqlUnitOfWorkFactory(engine), Clock()).prune()) == Pruned(0, 0)
