"""Ports of discovery: node records, catalogs fetched from peers, peer state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A verified node record as stored: its signed JSON text and local change cursor."""

    subscriber_id: str
    sequence: int
    expires_at: datetime
    document: str
    change_seq: int


class NodeRecordRepository(Protocol):
    """Verified node records (own and peers'); only verified records are ever written."""

    def get(self, subscriber_id: str) -> StoredRecord | None: ...

    def put(self, subscriber_id: str, sequence: int, expires_at: datetime, document: str, now: datetime) -> int:
        """Insert or replace; returns the new change cursor of the row."""
        ...

    def changed_since(self, cursor: int, limit: int, now: datetime) -> list[StoredRecord]:
        """Unexpired records changed after ``cursor``, oldest change first."""
        ...

    def valid(self, now: datetime) -> list[StoredRecord]: ...


@dataclass(frozen=True, slots=True)
class StoredCatalog:
    """A merchant-signed catalog fetched from a peer."""

    subscriber_id: str
    provider_id: str
    version: int
    digest: str
    document: str
    fetched_at: datetime


class PeerCatalogRepository(Protocol):
    def get(self, subscriber_id: str, provider_id: str) -> StoredCatalog | None: ...

    def put(self, catalog: StoredCatalog) -> None: ...

    def remove(self, subscriber_id: str, provider_id: str) -> None: ...

    def all(self) -> list[StoredCatalog]: ...


@dataclass(frozen=True, slots=True)
class PeerState:
    """A peer this node polls, and the cursor it gave last time."""

    url: str
    subscriber_id: str | None
    cursor: str | None
    failures: int
    last_ok_at: datetime | None
    next_attempt_at: datetime | None


class PeerRepository(Protocol):
    def add(self, url: str, subscriber_id: str | None = None) -> bool:
        """Remember ``url`` (no-op when known); True when it was new."""
        ...

    def all(self) -> list[PeerState]: ...

    def mark_ok(self, url: str, cursor: str | None, now: datetime) -> None: ...

    def mark_failed(self, url: str, now: datetime, retry_at: datetime) -> None: ...
