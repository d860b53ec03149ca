"""The SQL unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from types import TracebackType
from typing import TypeVar, TypeVarTuple, Unpack

from sqlalchemy import Connection, Engine, Transaction

from duijie.services.accounts import AccountRepository, SessionRepository
from duijie.services.buyer_ports import CallbackRepository, PurchaseRepository, ReceiptRepository
from duijie.services.discovery_ports import NodeRecordRepository, PeerCatalogRepository, PeerRepository
from duijie.services.ports import (
    InboundRepository,
    KnownKeyRepository,
    ListingRepository,
    OutboxListener,
    OutboxRepository,
    ReplayRepository,
    StoreBusy,
)
from duijie.services.trade.food.ports import DraftRepository, OrderRepository
from duijie.services.trade.jobs.ports import ApplicationRepository
from duijie.services.trade.pool.ports import PoolRepository
from duijie.services.trade.reservation.ports import BlockRepository, BookingRepository, WaitlistRepository
from duijie.storage.accounts_repo import SqlAccountRepository, SqlSessionRepository
from duijie.storage.applications_repo import SqlApplicationRepository
from duijie.storage.buyer_repo import SqlCallbackRepository, SqlPurchaseRepository, SqlReceiptRepository
from duijie.storage.engine import is_sqlite
from duijie.storage.inbound_repo import SqlInboundRepository
from duijie.storage.keys_repo import SqlKnownKeyRepository
from duijie.storage.listings_repo import SqlListingRepository
from duijie.storage.messages_repo import SqlReplayRepository
from duijie.storage.orders_repo import SqlDraftRepository, SqlOrderRepository
from duijie.storage.outbox_repo import SqlOutboxRepository
from duijie.storage.pools_repo import SqlPoolRepository
from duijie.storage.records_repo import SqlNodeRecordRepository, SqlPeerCatalogRepository, SqlPeerRepository
from duijie.storage.reservations_repo import SqlBlockRepository, SqlBookingRepository, SqlWaitlistRepository

_WRITE_LOCKS: dict[int, threading.Lock] = {}

CONTENDED_SECONDS = 0.25
"""How long after a writer that would not wait found the lock taken the factory keeps work off the loop."""

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class _HeldConnection:
    """The SQLite connection the main thread keeps open between its units of work.

    Checking a connection out of the pool and back in for every unit of work cost more CPU than
    the unit of work's statements. Only the main thread (the event loop's, where SQLite work runs
    inline) holds one: worker threads come and go, and one held connection each could exhaust the
    pool. A unit of work opened while the held connection is in use (one nested in another) takes
    a pooled connection as before. Only read-only units of work can nest inside a writer: writers
    queue on one lock, so a writer inside a writer on the same thread would wait for itself.
    """

    conn: Connection | None = None
    busy: bool = False


def _write_lock(engine: Engine) -> threading.Lock | None:
    """One writer at a time per SQLite engine, queued in Python.

    SQLite admits one writer; a second one waits in SQLite's busy handler, which sleeps in steps
    of up to 100 ms. Queuing writers on a lock here hands the database over without those sleeps.
    """
    if not is_sqlite(engine):
        return None
    return _WRITE_LOCKS.setdefault(id(engine), threading.Lock())


class SqlUnitOfWork:
    """Commits only when asked; anything not committed is rolled back on exit."""

    # Typed as the ports they implement, so this one class satisfies every feature's protocol.
    listings: ListingRepository
    known_keys: KnownKeyRepository
    messages: ReplayRepository
    outbox: OutboxRepository
    inbound: InboundRepository
    orders: OrderRepository
    drafts: DraftRepository
    node_records: NodeRecordRepository
    peer_catalogs: PeerCatalogRepository
    peers: PeerRepository
    callbacks: CallbackRepository
    purchases: PurchaseRepository
    receipts: ReceiptRepository
    pools: PoolRepository
    bookings: BookingRepository
    blocks: BlockRepository
    waitlist: WaitlistRepository
    applications: ApplicationRepository
    accounts: AccountRepository
    web_sessions: SessionRepository

    def __init__(
        self,
        engine: Engine,
        *,
        read_only: bool = False,
        nowait: bool = False,
        on_outbox: Sequence[OutboxListener] = (),
        held: _HeldConnection | None = None,
        outbox_lease: timedelta = timedelta(0),
        on_busy: Callable[[], None] | None = None,
    ) -> None:
        self._engine = engine
        self._on_busy = on_busy
        self._outbox_lease = outbox_lease
        self._nowait = nowait and not read_only
        self._held = held
        self._holding = False
        self._on_outbox = on_outbox
        self._read_only = read_only
        self._conn: Connection | None = None
        self._tx: Transaction | None = None
        self._outbox: SqlOutboxRepository | None = None  # what commit hands to ``on_outbox``
        self._lock = None if read_only else _write_lock(engine)

    def __enter__(self) -> SqlUnitOfWork:
        if self._lock is not None and not self._lock.acquire(blocking=not self._nowait):
            # Not contention from another process (see _busy): the holder is ours and about done.
            raise StoreBusy("another unit of work of this process holds the write lock")
        try:
            return self._open()
        except sqlite3.OperationalError as exc:
            if self._lock is not None:
                self._lock.release()
            if self._nowait and ("locked" in str(exc) or "busy" in str(exc)):
                self._busy()
                raise StoreBusy(str(exc)) from exc
            raise
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise

    def _busy(self) -> None:
        """Another process holds SQLite's write lock. (Counting our own worker threads too would
        feed itself: work moved to threads holds the lock longer, and keeps being moved.)"""
        if self._on_busy is not None:
            self._on_busy()

    def _open(self) -> SqlUnitOfWork:
        held = self._held
        if held is not None and not held.busy and threading.current_thread() is threading.main_thread():
            if held.conn is None or held.conn.closed or held.conn.invalidated:
                held.conn = self._engine.connect()
            conn = held.conn
            held.busy = self._holding = True
        else:
            conn = self._engine.connect()
        # Set every time: on SQLAlchemy 2 this changes the (possibly reused) connection in place.
        conn = conn.execution_options(read_only=self._read_only, nowait=self._nowait)
        self._conn = conn
        try:
            self._tx = conn.begin()
        except BaseException:
            if self._holding:
                assert self._held is not None
                self._held.busy = self._holding = False
            raise
        self.listings = SqlListingRepository(conn)
        self.known_keys = SqlKnownKeyRepository(conn)
        self.messages = SqlReplayRepository(conn)
        self.outbox = self._outbox = SqlOutboxRepository(conn, self._outbox_lease)
        self.inbound = SqlInboundRepository(conn)
        self.orders = SqlOrderRepository(conn)
        self.drafts = SqlDraftRepository(conn)
        self.node_records = SqlNodeRecordRepository(conn)
        self.peer_catalogs = SqlPeerCatalogRepository(conn)
        self.peers = SqlPeerRepository(conn)
        self.callbacks = SqlCallbackRepository(conn)
        self.purchases = SqlPurchaseRepository(conn)
        self.receipts = SqlReceiptRepository(conn)
        self.pools = SqlPoolRepository(conn)
        self.bookings = SqlBookingRepository(conn)
        self.blocks = SqlBlockRepository(conn)
        self.waitlist = SqlWaitlistRepository(conn)
        self.applications = SqlApplicationRepository(conn)
        self.accounts = SqlAccountRepository(conn)
        self.web_sessions = SqlSessionRepository(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            if self._holding:
                assert self._held is not None
                self._held.busy = self._holding = False
            else:
                self._conn.close()
            self._conn = None
            if self._lock is not None:
                self._lock.release()

    def commit(self) -> None:
        """Commit, then hand the outbox messages this unit of work added to the listeners.

        They are only handed over once durable, so a sender never sends what a rollback undid.
        """
        assert self._tx is not None
        self._tx.commit()
        outbox_repo = self._outbox
        if outbox_repo is not None and outbox_repo.added:
            added, outbox_repo.added = outbox_repo.added, []
            for listener in self._on_outbox:
                listener(added)

    def rollback(self) -> None:
        assert self._tx is not None
        self._tx.rollback()


class SqlUnitOfWorkFactory:
    """Opens :class:`SqlUnitOfWork` on one engine, and runs the short database work of the use cases.

    ``inline`` (default: on for SQLite) runs that work on the caller's thread, the event loop:
    an SQLite transaction of the message path takes a fraction of a millisecond of CPU and no
    network round trip, and handing it to a worker thread and back cost more than the work
    (measured: about a fifth of a node's CPU per order). PostgreSQL work waits on the network,
    so it goes to worker threads.
    """

    def __init__(self, engine: Engine, *, inline: bool | None = None) -> None:
        self.engine = engine
        # Set when another process polls this database's outbox (see SqlOutboxRepository).
        self.outbox_lease = timedelta(0)
        self._contended_until = 0.0
        sqlite = is_sqlite(engine)  # the one place the backend's habits are decided for the use cases
        self.inline = sqlite if inline is None else inline
        self._held = _HeldConnection() if sqlite else None
        # Told of every committed batch of new outbox messages (the running sender starts them).
        self.outbox_listeners: list[OutboxListener] = []

    async def run(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        """Run ``func(*args)``, a short unit of database work, inline or in a worker thread (see above).

        While another process contends for SQLite's write lock (a writer that would not wait was turned
        away within :data:`CONTENDED_SECONDS`), inline work goes to a worker thread as well: a
        writer may then wait for the lock, and it must not wait on the event loop.
        """
        if self.inline and time.monotonic() >= self._contended_until:
            return func(*args)
        return await asyncio.to_thread(func, *args)

    async def run_without_waiting(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        """Like :meth:`run` for work whose writers are all opened with ``wait=False`` (they never
        wait): inline on SQLite even while the lock is contended."""
        if self.inline:
            return func(*args)
        return await asyncio.to_thread(func, *args)

    def _saw_busy(self) -> None:
        self._contended_until = time.monotonic() + CONTENDED_SECONDS

    def __call__(self, *, read_only: bool = False, wait: bool = True) -> SqlUnitOfWork:
        """A unit of work; ``wait=False``: :class:`StoreBusy` at once rather than wait for the write lock."""
        return SqlUnitOfWork(self.engine, read_only=read_only, nowait=not wait, on_outbox=self.outbox_listeners,
                             held=self._held, outbox_lease=self.outbox_lease, on_busy=self._saw_busy)

    def close(self) -> None:
        """Close the held connection (the engine's ``dispose`` leaves checked-out connections open)."""
        held = self._held
        if held is not None and held.conn is not None and not held.busy:
            held.conn.close()
            held.conn = None
