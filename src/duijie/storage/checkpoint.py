"""WAL checkpoints off the event loop for a serving SQLite node.

SQLite's automatic checkpoint runs inside whichever commit pushes the WAL past its threshold:
it copies the WAL back into the database file and fsyncs both. A serving node runs its SQLite
units of work inline on the event loop, so that one commit stalls every request for as long as
the copy takes. A serving node therefore raises the automatic threshold to a safety net
(:data:`SAFETY_NET_PAGES`) and a :class:`WalCheckpointer` runs a PASSIVE checkpoint every few
hundred milliseconds in a worker thread, where SQLite releases the GIL. PASSIVE never waits for
readers or writers, so it cannot block the loop either.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

SAFETY_NET_PAGES = 16_000
"""Automatic checkpoint threshold while a checkpointer runs (64 MB of 4 KB pages): reached only
if the checkpointer stops or falls far behind, and then SQLite checkpoints as it always does."""

WAL_SIZE_LIMIT = 64 * 1024 * 1024
"""A WAL file that grew past this is truncated back to it when SQLite next resets it."""


class WalCheckpointer:
    """Checkpoints one SQLite database from a worker thread, on its own connection."""

    def __init__(self, db_path: Path, interval_s: float = 0.25) -> None:
        self._path = db_path
        self._interval = interval_s
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # one checkpoint at a time, and none after close
        self._closed = False
        self.checkpoints = 0
        """Checkpoints that copied at least one page (for tests and logs)."""

    def checkpoint(self, mode: str = "PASSIVE") -> tuple[int, int, int]:
        """Run one checkpoint now (blocking); SQLite's (busy, wal_frames, checkpointed_frames)."""
        if mode not in ("PASSIVE", "FULL", "RESTART", "TRUNCATE"):
            raise ValueError(f"unknown checkpoint mode {mode!r}")
        with self._lock:
            if self._closed:
                return (0, 0, 0)
            if self._conn is None:
                self._conn = sqlite3.connect(self._path, timeout=30, check_same_thread=False, isolation_level=None)
                self._conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
            busy, frames, copied = self._conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        if copied > 0:
            self.checkpoints += 1
        return int(busy), int(frames), int(copied)

    async def run(self) -> None:
        """Background task: a PASSIVE checkpoint every ``interval_s`` until cancelled."""
        while True:
            await asyncio.sleep(self._interval)
            try:
                await asyncio.to_thread(self.checkpoint)
            except sqlite3.Error as exc:
                # A failed checkpoint loses nothing (the WAL keeps every commit); the next may pass.
                log.warning("WAL checkpoint of %s failed: %s", self._path, exc)

    def close(self) -> None:
        """Checkpoint what is left (so the WAL does not outlive the node) and close the connection."""
        try:
            self.checkpoint("TRUNCATE")
        except sqlite3.Error as exc:
            log.warning("final WAL checkpoint of %s failed: %s", self._path, exc)
        with self._lock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None
