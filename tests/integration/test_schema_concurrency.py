"""Two processes of one node may start at once on one database (two ``serve`` processes on one
PostgreSQL, as in tests/e2e/test_pool_two_serves.py): each migrates and creates the search
index's tables on start, and neither may fail because the other is doing the same."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import Engine, inspect, text

from duijie.search import open_index
from duijie.storage import migrate
from duijie.storage.engine import make_engine

STARTERS = 4


def _start(url: str, at_once: multiprocessing.synchronize.Barrier) -> str:
    """What ``serve`` does to its database on start, in a process of its own."""
    engine = make_engine(url)
    try:
        at_once.wait(timeout=60)
        migrate.upgrade(engine)
        return type(open_index(engine, semantic=False)).__name__
    finally:
        engine.dispose()


@pytest.mark.parametrize("attempt", range(2))
def test_starters_at_once_all_migrate_and_create_the_search_tables(empty_engine: Engine, attempt: int) -> None:
    # Processes, as in real life: Alembic's context is process-global, so threads would not do.
    spawn = multiprocessing.get_context("spawn")
    url = empty_engine.url.render_as_string(hide_password=False)
    with spawn.Manager() as manager, ProcessPoolExecutor(STARTERS, mp_context=spawn) as pool:
        at_once = manager.Barrier(STARTERS)
        started = [f.result(timeout=180) for f in [pool.submit(_start, url, at_once) for _ in range(STARTERS)]]
    assert len(started) == STARTERS
    tables = set(inspect(empty_engine).get_table_names())
    assert {"search_doc", "alembic_version", "orders"} <= tables, tables
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def _publish(url: str, at_once: multiprocessing.synchronize.Barrier, n: int) -> int:
    """What a starting ``serve`` does next: publish the node's own record (one subscriber, as two
    processes of one node both do)."""
    from datetime import UTC, datetime, timedelta

    from duijie.storage.uow import SqlUnitOfWorkFactory

    engine = make_engine(url)
    try:
        uow = SqlUnitOfWorkFactory(engine)
        now = datetime.now(UTC)
        at_once.wait(timeout=60)
        with uow() as u:
            seq = u.node_records.put("club.test", 100 + n, now + timedelta(hours=1), f'{{"n": {n}}}', now)
            u.commit()
        return seq
    finally:
        engine.dispose()


def test_processes_of_one_node_publish_its_record_at_once(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    spawn = multiprocessing.get_context("spawn")
    url = empty_engine.url.render_as_string(hide_password=False)
    with spawn.Manager() as manager, ProcessPoolExecutor(STARTERS, mp_context=spawn) as pool:
        at_once = manager.Barrier(STARTERS)
        seqs = [f.result(timeout=180) for f in [pool.submit(_publish, url, at_once, n) for n in range(STARTERS)]]
    assert sorted(seqs) == list(range(1, STARTERS + 1))  # each change its own place in the change order
    with empty_engine.connect() as conn:
        rows = conn.execute(text("SELECT change_seq FROM node_records WHERE subscriber_id = 'club.test'")).all()
    assert len(rows) == 1 and rows[0].change_seq == STARTERS  # the last writer's record stands
