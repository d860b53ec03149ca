"""Ports of discovery: node records, catalogs fetched from peers, peer state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from duijie.services.ports import UnitOfWork

#: Peers earned (operator peers are not counted and never evicted) and candidates held at most.
MAX_PEERS = 1000
MAX_CANDIDATES = 100


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


class PeerKind(StrEnum):
    """How far a URL has earned this node's attention (docs/TRUST.md, "peers are earned")."""

    CANDIDATE = "candidate"  # named by someone (a ``from`` URL, a record): probed, never polled
    PEER = "peer"  # answered with a valid record of its own for an identity bound to it: polled
    OPERATOR = "operator"  # given by the operator (``--peer``, ``POST /api/peers``): polled, never evicted


#: Rank of each kind: a URL only ever moves up (a candidate never demotes a peer).
KIND_RANK = {PeerKind.CANDIDATE: 0, PeerKind.PEER: 1, PeerKind.OPERATOR: 2}


@dataclass(frozen=True, slots=True)
class PeerState:
    """A peer (or candidate) and the cursor it gave last time."""

    url: str
    subscriber_id: str | None
    cursor: str | None
    failures: int
    last_ok_at: datetime | None
    next_attempt_at: datetime | None
    kind: PeerKind = PeerKind.PEER
    refusals: int = 0
    added_at: datetime | None = None


class PeerRepository(Protocol):
    def add(self, url: str, subscriber_id: str | None = None, kind: PeerKind = PeerKind.CANDIDATE,
            now: datetime | None = None) -> bool:
        """Remember ``url``, or raise its kind (never lower it); True when it was new or raised."""
        ...

    def get(self, url: str) -> PeerState | None: ...

    def all(self) -> list[PeerState]: ...

    def polled(self) -> list[PeerState]:
        """Peers and operator peers (the ones rounds poll), without candidates."""
        ...

    def candidates(self, limit: int, now: datetime) -> list[PeerState]:
        """Candidates due for a probe, oldest first."""
        ...

    def count(self, kind: PeerKind) -> int: ...

    def evict(self, kind: PeerKind, keep: int) -> int:
        """Drop the worst (most failures and refusals, then longest silent, then oldest) rows of ``kind``
        beyond ``keep``; returns how many went."""
        ...

    def remove(self, url: str) -> None: ...

    def refused(self, url: str, count: int) -> int:
        """Count ``count`` refused records against ``url``; returns its total."""
        ...

    def mark_ok(self, url: str, cursor: str | None, now: datetime) -> None: ...

    def mark_failed(self, url: str, now: datetime, retry_at: datetime) -> None: ...


class DiscoveryUnitOfWork(UnitOfWork, Protocol):
    node_records: NodeRecordRepository
    peer_catalogs: PeerCatalogRepository
    peers: PeerRepository

    def __enter__(self) -> DiscoveryUnitOfWork: ...


class DiscoveryUowFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> DiscoveryUnitOfWork: ...
