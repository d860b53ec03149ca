"""Prepared statements, bound timestamps and the SQL unit of work's connection handling.

The Prepared tests run on both backends and check the SQLite fast path against SQLAlchemy's own
execution of the same statement. The held-connection and ``run`` tests are about SQLite.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, bindparam, create_engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError, StatementError

from duijie.storage import migrate
from duijie.storage.engine import make_engine, sqlite_url
from duijie.storage.prepared import Prepared
from duijie.storage.tables import outbox, seen_messages
from duijie.storage.timestamps import as_bound, as_utc
from duijie.storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

# Microseconds included: both backends must keep them.
T = datetime(2026, 11, 27, 20, 0, 1, 123456, tzinfo=UTC)

_INSERT_OUTBOX = Prepared(insert(outbox))
_OUTBOX_BY_ID = Prepared(select(outbox).where(outbox.c.id == bindparam("p_id")))
_OUTBOX_DUE = Prepared(
    select(outbox.c.id, outbox.c.next_attempt_at, outbox.c.body)
    .where(outbox.c.state == "pending", outbox.c.next_attempt_at <= bindparam("p_now"))
    .order_by(outbox.c.id)
)
_INSERT_SEEN = Prepared(insert(seen_messages))
_COUNT_SEEN = Prepared(select(func.count()).select_from(seen_messages))


def _outbox_row(row_id: int, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": row_id,
        "url": f"http://peer-{row_id}/beckn/on_confirm",
        "action": "on_confirm",
        "body": b'{"k":"\xe8\x82\x89"}\x00\xff' + bytes([row_id]),
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": T + timedelta(seconds=row_id),
        "expires_at": T + timedelta(hours=1),
        "last_error": None,
        "created_at": T,
    }
    row.update(changes)
    return row


def _seen(message_id: str, action: str = "confirm") -> dict[str, Any]:
    return {"message_id": message_id, "action": action, "received_at": T}


def _seen_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(seen_messages.c.message_id).order_by(seen_messages.c.message_id)).scalars())


def _release(factory: SqlUnitOfWorkFactory) -> None:
    """Close the connection the factory holds between units of work (SQLite), so the file is let go."""
    factory.close()
    assert factory._held is None or factory._held.conn is None


def _driver(u: SqlUnitOfWork) -> Any:
    assert u._conn is not None
    return u._conn.connection.driver_connection


def _conn(u: SqlUnitOfWork) -> Connection:
    assert u._conn is not None
    return u._conn


@pytest.fixture
def factory(engine: Engine) -> Iterator[SqlUnitOfWorkFactory]:
    f = SqlUnitOfWorkFactory(engine)
    yield f
    _release(f)


# --- Prepared, on both backends ---------------------------------------------------------------


def test_prepared_rows_equal_sqlalchemys_for_the_same_statement(engine: Engine) -> None:
    rows = [_outbox_row(1), _outbox_row(2, last_error="timed out"), _outbox_row(3, state="sent")]
    with engine.begin() as conn:
        for row in rows:
            _INSERT_OUTBOX.run(conn, row)
    with engine.begin() as conn:
        for row in rows:
            fast = _OUTBOX_BY_ID.run(conn, {"p_id": row["id"]}).all()
            plain = conn.execute(_OUTBOX_BY_ID.statement, {"p_id": row["id"]}).all()
            assert len(fast) == 1
            assert [tuple(r) for r in fast] == [tuple(r) for r in plain]
            got = fast[0]
            assert tuple(got._fields) == tuple(plain[0]._fields) == tuple(c.name for c in outbox.c)
            assert bytes(got.body) == row["body"]
            assert got.url == row["url"] and got.last_error == row["last_error"] and got.attempts == 0
            for name in ("next_attempt_at", "expires_at", "created_at"):
                value = getattr(got, name)
                assert isinstance(value, datetime)
                assert as_utc(value) == row[name], name

        # A DateTime bind parameter compares like SQLAlchemy's own binding; a literal in the statement is kept.
        now = T + timedelta(seconds=2)
        fast_due = _OUTBOX_DUE.run(conn, {"p_now": now}).all()
        plain_due = conn.execute(_OUTBOX_DUE.statement, {"p_now": now}).all()
        assert [r.id for r in fast_due] == [1, 2]
        assert [tuple(r) for r in fast_due] == [tuple(r) for r in plain_due]
        assert [as_utc(r.next_attempt_at) for r in fast_due] == [T + timedelta(seconds=1), T + timedelta(seconds=2)]


def test_prepared_update_counts_the_rows_it_changed(engine: Engine) -> None:
    mark = Prepared(
        update(outbox)
        .where(outbox.c.state == bindparam("p_from"))
        .values(state=bindparam("b_to"), attempts=outbox.c.attempts + 1, last_error=bindparam("b_error"))
    )
    with engine.begin() as conn:
        _INSERT_OUTBOX.run_many(conn, [_outbox_row(1), _outbox_row(2), _outbox_row(3, state="sent")])
        assert mark.run(conn, {"p_from": "pending", "b_to": "failed", "b_error": "boom"}).rowcount == 2
        assert mark.run(conn, {"p_from": "nothing-here", "b_to": "x", "b_error": None}).rowcount == 0
    with engine.connect() as conn:
        got = conn.execute(select(outbox.c.id, outbox.c.state, outbox.c.attempts, outbox.c.last_error)
                           .order_by(outbox.c.id)).all()
    assert [tuple(r) for r in got] == [(1, "failed", 1, "boom"), (2, "failed", 1, "boom"), (3, "sent", 0, None)]


def test_prepared_first_and_scalars(engine: Engine) -> None:
    state_of = Prepared(select(outbox.c.state).where(outbox.c.id == bindparam("p_id")))
    with engine.begin() as conn:
        assert _OUTBOX_BY_ID.run(conn, {"p_id": 42}).first() is None
        assert _OUTBOX_BY_ID.run(conn, {"p_id": 42}).all() == []
        assert state_of.run(conn, {"p_id": 42}).scalar_one_or_none() is None
        assert state_of.run(conn, {"p_id": 42}).scalar() is None
        assert _COUNT_SEEN.run(conn).scalar_one() == 0

        _INSERT_OUTBOX.run(conn, _outbox_row(7, state="sent"))
        assert state_of.run(conn, {"p_id": 7}).scalar_one_or_none() == "sent"
        assert state_of.run(conn, {"p_id": 7}).scalar_one() == "sent"
        assert state_of.run(conn, {"p_id": 7}).scalar() == "sent"
        first = _OUTBOX_BY_ID.run(conn, {"p_id": 7}).first()
        assert first is not None and first.id == 7 and first.state == "sent"
        assert [r.id for r in _OUTBOX_BY_ID.run(conn, {"p_id": 7})] == [7]  # iterable


def test_prepared_run_many_inserts_every_row(engine: Engine) -> None:
    with engine.begin() as conn:
        _INSERT_SEEN.run_many(conn, [])  # nothing to do, no error
        _INSERT_SEEN.run_many(conn, [_seen(f"m-{i}") for i in range(5)])
        assert _COUNT_SEEN.run(conn).scalar_one() == 5
    assert _seen_ids(engine) == [f"m-{i}" for i in range(5)]
    with engine.connect() as conn:
        stamps = conn.execute(select(seen_messages.c.received_at)).scalars().all()
    assert [as_utc(s) for s in stamps] == [T] * 5


def test_prepared_duplicate_key_raises_integrity_error_and_rollback_undoes_the_transaction(
    factory: SqlUnitOfWorkFactory, engine: Engine
) -> None:
    with factory() as u:
        conn = _conn(u)
        _INSERT_SEEN.run(conn, _seen("m-1"))
        _INSERT_OUTBOX.run(conn, _outbox_row(1))
        with pytest.raises(IntegrityError):
            _INSERT_SEEN.run(conn, _seen("m-1"))
        u.rollback()
    assert _seen_ids(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == 0

    with factory() as u:  # a duplicate inside one batch; not committed, so left out on exit
        with pytest.raises(IntegrityError):
            _INSERT_SEEN.run_many(_conn(u), [_seen("m-2"), _seen("m-3"), _seen("m-2")])
    assert _seen_ids(engine) == []

    with factory() as u:  # the connection (the held one on SQLite) still works afterwards
        _INSERT_SEEN.run(_conn(u), _seen("m-4"))
        u.commit()
    assert _seen_ids(engine) == ["m-4"]


def test_one_prepared_statement_serves_different_parameter_name_sets(engine: Engine) -> None:
    # Insert: with and without the optional column (each name set compiles its own INSERT).
    with engine.begin() as conn:
        _INSERT_OUTBOX.run(conn, _outbox_row(1, last_error="first try failed"))
        without = _outbox_row(2)
        del without["last_error"]
        _INSERT_OUTBOX.run(conn, without)
        _INSERT_OUTBOX.run(conn, _outbox_row(3, last_error="again"))  # the first name set once more
        _INSERT_OUTBOX.run_many(conn, [without | {"id": 4}, without | {"id": 5}])
    with engine.connect() as conn:
        got = conn.execute(select(outbox.c.id, outbox.c.last_error).order_by(outbox.c.id)).all()
    assert [tuple(r) for r in got] == [(1, "first try failed"), (2, None), (3, "again"), (4, None), (5, None)]

    # Select: a parameter with a default value, given or left to its default.
    by_state = Prepared(
        select(outbox.c.id)
        .where(outbox.c.state == bindparam("p_state", value="pending"), outbox.c.id >= bindparam("p_min"))
        .order_by(outbox.c.id)
    )
    with engine.begin() as conn:
        conn.execute(update(outbox).where(outbox.c.id == 3).values(state="sent"))
        for params, expected in (
            ({"p_min": 2}, [2, 4, 5]),
            ({"p_min": 2, "p_state": "sent"}, [3]),
            ({"p_min": 5}, [5]),
            ({"p_min": 0, "p_state": "failed"}, []),
        ):
            assert [r.id for r in by_state.run(conn, params)] == expected, params
            assert [r.id for r in conn.execute(by_state.statement, params)] == expected, params


def test_prepared_insert_applies_python_column_defaults(engine: Engine) -> None:
    """``outbox.attempts`` has ``default=0``: leaving it out must store 0, as SQLAlchemy does."""
    row = _outbox_row(1)
    del row["attempts"]
    with engine.begin() as conn:
        conn.execute(insert(outbox), _outbox_row(2) | {"attempts": 9})
        _INSERT_OUTBOX.run(conn, row)
        assert _OUTBOX_BY_ID.run(conn, {"p_id": 1}).scalar_one_or_none() == 1
        assert conn.execute(select(outbox.c.attempts).where(outbox.c.id == 1)).scalar_one() == 0


def test_prepared_refuses_a_missing_required_parameter(engine: Engine) -> None:
    """SQLAlchemy refuses to run a statement whose bind parameter got no value; Prepared should too."""
    with engine.begin() as conn:
        _INSERT_OUTBOX.run(conn, _outbox_row(1))
        with pytest.raises(StatementError):
            conn.execute(_OUTBOX_BY_ID.statement, {"p_idd": 1})
        with pytest.raises(StatementError):
            _OUTBOX_BY_ID.run(conn, {"p_idd": 1})


# --- Bound timestamps (SQLite) -------------------------------------------------------------------


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(sqlite_url(tmp_path))
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_factory(sqlite_engine: Engine) -> Iterator[SqlUnitOfWorkFactory]:
    f = SqlUnitOfWorkFactory(sqlite_engine)
    yield f
    _release(f)


def test_as_bound_on_sqlite_is_sqlalchemys_datetime_string(sqlite_engine: Engine) -> None:
    dialect = sqlite_engine.dialect
    column = seen_messages.c.received_at
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    assert processor is not None
    bound = as_bound(column, dialect, T)
    assert bound == processor(T) == "2026-11-27 20:00:01.123456"

    # Written straight to sqlite3, read back through SQLAlchemy: the same instant, found by equality
    # and ordering against values SQLAlchemy binds itself.
    with sqlite_engine.begin() as conn:
        conn.connection.driver_connection.execute(
            "INSERT INTO seen_messages (message_id, action, received_at) VALUES (?, ?, ?)", ("raw", "confirm", bound)
        )
        conn.execute(insert(seen_messages), _seen("sa", "confirm") | {"received_at": T + timedelta(microseconds=1)})
    with sqlite_engine.connect() as conn:
        raw = seen_messages.c.message_id == "raw"
        stored = conn.execute(select(seen_messages.c.received_at).where(raw)).scalar_one()
        assert as_utc(stored) == T
        at_t = seen_messages.c.received_at == T
        assert conn.execute(select(seen_messages.c.message_id).where(at_t)).scalars().all() == ["raw"]
        assert conn.execute(
            select(seen_messages.c.message_id).order_by(seen_messages.c.received_at)
        ).scalars().all() == ["raw", "sa"]


def test_as_bound_matches_the_column_type_on_each_backend(engine: Engine) -> None:
    dialect = engine.dialect
    column = outbox.c.next_attempt_at
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    assert as_bound(column, dialect, T) == (processor(T) if processor is not None else T)


def test_as_utc() -> None:
    assert as_utc(datetime(2026, 1, 2, 3, 4, 5)) == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    east8 = datetime(2026, 1, 2, 19, 4, 5, tzinfo=timezone(timedelta(hours=8)))
    converted = as_utc(east8)
    assert converted.utcoffset() == timedelta(0) and converted == datetime(2026, 1, 2, 11, 4, 5, tzinfo=UTC)


# --- The held connection (SQLite) ----------------------------------------------------------------


def _other_writer(tmp_path: Path) -> sqlite3.Connection:
    """A second connection to the same file that never waits for a lock."""
    return sqlite3.connect(tmp_path / "node.db", timeout=0, isolation_level=None)


def _can_take_write_lock(other: sqlite3.Connection) -> bool:
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    other.execute("ROLLBACK")
    return True


def test_consecutive_units_of_work_on_the_main_thread_share_one_connection(
    sqlite_factory: SqlUnitOfWorkFactory,
) -> None:
    assert threading.current_thread() is threading.main_thread()
    seen = []
    for read_only in (False, True, False, True):
        with sqlite_factory(read_only=read_only) as u:
            seen.append(_driver(u))
            if not read_only:
                assert u.messages.record("bap.example", f"m-{len(seen)}", "confirm", T)
                u.commit()
    assert all(d is seen[0] for d in seen)
    assert isinstance(seen[0], sqlite3.Connection)
    assert sqlite_factory._held is not None and not sqlite_factory._held.busy


def test_nested_unit_of_work_takes_another_connection_and_both_commit(
    sqlite_factory: SqlUnitOfWorkFactory, sqlite_engine: Engine
) -> None:
    # Outer writer on the held connection, a reader nested inside it.
    with sqlite_factory() as outer:
        held = _driver(outer)
        _INSERT_SEEN.run(_conn(outer), _seen("outer"))
        with sqlite_factory(read_only=True) as inner:
            assert _driver(inner) is not held
            # Its own connection and snapshot: the outer's uncommitted row is not there.
            assert _COUNT_SEEN.run(_conn(inner)).scalar_one() == 0
            inner.commit()
        assert _COUNT_SEEN.run(_conn(outer)).scalar_one() == 1
        outer.commit()
    assert _seen_ids(sqlite_engine) == ["outer"]

    # Outer reader on the held connection, a writer nested inside it.
    with sqlite_factory(read_only=True) as outer:
        assert _driver(outer) is held
        with sqlite_factory() as inner:
            assert _driver(inner) is not held
            _INSERT_SEEN.run(_conn(inner), _seen("inner"))
            inner.commit()
        ids = select(seen_messages.c.message_id).order_by(seen_messages.c.message_id)
        assert _conn(outer).execute(ids).scalars().all() == ["inner", "outer"]
    assert _seen_ids(sqlite_engine) == ["inner", "outer"]

    # The held connection went back to the factory, open and usable, once the outer one ended.
    assert sqlite_factory._held is not None and not sqlite_factory._held.busy
    with sqlite_factory() as after:
        assert _driver(after) is held
        _INSERT_SEEN.run(_conn(after), _seen("after"))
        after.commit()
    assert _seen_ids(sqlite_engine) == ["after", "inner", "outer"]


def test_read_only_is_set_anew_for_each_unit_of_work_on_the_held_connection(
    sqlite_factory: SqlUnitOfWorkFactory, sqlite_engine: Engine, tmp_path: Path
) -> None:
    other = _other_writer(tmp_path)
    try:
        with sqlite_factory(read_only=True) as u:
            held = _driver(u)
            assert _conn(u).get_execution_options()["read_only"] is True
            assert _COUNT_SEEN.run(_conn(u)).scalar_one() == 0  # a read snapshot is open
            assert _can_take_write_lock(other)  # plain BEGIN: no write lock held

        with sqlite_factory() as u:  # same connection, now a writer: BEGIN IMMEDIATE
            assert _driver(u) is held
            assert _conn(u).get_execution_options()["read_only"] is False
            assert not _can_take_write_lock(other)
            _INSERT_SEEN.run(_conn(u), _seen("written"))
            u.commit()
        assert _seen_ids(sqlite_engine) == ["written"]

        with sqlite_factory(read_only=True) as u:  # and a reader again: the write lock is not kept
            assert _driver(u) is held
            assert _conn(u).get_execution_options()["read_only"] is True
            assert _COUNT_SEEN.run(_conn(u)).scalar_one() == 1
            assert _can_take_write_lock(other)
        assert _can_take_write_lock(other)  # nothing left open after the unit of work
    finally:
        other.close()


def test_unit_of_work_on_a_worker_thread_uses_a_pooled_connection(
    sqlite_factory: SqlUnitOfWorkFactory, sqlite_engine: Engine
) -> None:
    with sqlite_factory(read_only=True) as u:
        held = _driver(u)
    found: dict[str, Any] = {}

    def work() -> None:
        try:
            with sqlite_factory() as u:
                found["driver"] = _driver(u)
                assert sqlite_factory._held is not None
                found["held_busy"] = sqlite_factory._held.busy
                _INSERT_SEEN.run(_conn(u), _seen("from-thread"))
                u.commit()
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            found["error"] = exc

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert "error" not in found, found.get("error")
    assert found["driver"] is not held
    assert found["held_busy"] is False  # the worker did not take (or mark) the held connection
    with sqlite_factory(read_only=True) as u:
        assert _driver(u) is held
        assert [r.message_id for r in _conn(u).execute(select(seen_messages.c.message_id))] == ["from-thread"]


# --- SqlUnitOfWorkFactory.run ----------------------------------------------------------------------


def test_run_is_inline_on_the_event_loop_thread_for_sqlite(sqlite_factory: SqlUnitOfWorkFactory) -> None:
    assert sqlite_factory.inline is True
    with sqlite_factory(read_only=True) as u:
        held = _driver(u)

    def work(message_id: str, action: str) -> tuple[int, Any, int]:
        with sqlite_factory() as u:
            u.messages.record("bap.example", message_id, action, T)
            u.commit()
            return threading.get_ident(), _driver(u), _COUNT_SEEN.run(_conn(u)).scalar_one()

    async def main() -> tuple[int, tuple[int, Any, int]]:
        return threading.get_ident(), await sqlite_factory.run(work, "m-1", "confirm")

    loop_thread, (ran_on, driver, count) = asyncio.run(main())
    assert ran_on == loop_thread
    assert driver is held
    assert count == 1


def test_run_goes_to_a_worker_thread_when_not_inline(sqlite_engine: Engine) -> None:
    factory = SqlUnitOfWorkFactory(sqlite_engine, inline=False)
    try:
        with factory(read_only=True) as u:
            held = _driver(u)

        def work(message_id: str) -> tuple[int, Any, str]:
            with factory() as u:
                u.messages.record("bap.example", message_id, "confirm", T)
                u.commit()
                return threading.get_ident(), _driver(u), message_id

        async def main() -> tuple[int, tuple[int, Any, str]]:
            return threading.get_ident(), await factory.run(work, "m-9")

        loop_thread, (ran_on, driver, value) = asyncio.run(main())
        assert ran_on != loop_thread
        assert driver is not held
        assert value == "m-9"
        assert _seen_ids(sqlite_engine) == ["m-9"]
    finally:
        _release(factory)


@pytest.mark.parametrize("inline", [True, False])
def test_run_propagates_exceptions(sqlite_engine: Engine, inline: bool) -> None:
    factory = SqlUnitOfWorkFactory(sqlite_engine, inline=inline)

    def work(message_id: str) -> None:
        with factory() as u:
            u.messages.record("bap.example", message_id, "confirm", T)
            raise ValueError(f"boom {message_id}")

    try:
        with pytest.raises(ValueError, match="boom m-1"):
            asyncio.run(factory.run(work, "m-1"))
        assert _seen_ids(sqlite_engine) == []  # the unit of work was rolled back
        with factory() as u:  # and left nothing locked or busy behind
            u.messages.record("bap.example", "m-2", "confirm", T)
            u.commit()
        assert _seen_ids(sqlite_engine) == ["m-2"]
    finally:
        _release(factory)


def test_run_defaults_to_worker_threads_off_sqlite() -> None:
    eng = create_engine("postgresql+psycopg://user:pw@127.0.0.1:1/none")  # never connected
    try:
        factory = SqlUnitOfWorkFactory(eng)
        assert factory.inline is False
        assert factory._held is None
        assert SqlUnitOfWorkFactory(eng, inline=True).inline is True
    finally:
        eng.dispose()
