"""SQL repositories of discovery: node records, fetched peer catalogs and peer poll state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text, update

from duijie.services.discovery_ports import KIND_RANK, PeerKind, PeerState, StoredCatalog, StoredRecord
from duijie.storage.tables import node_records, peer_catalogs, peers
from duijie.storage.timestamps import as_utc


def _record(row: Any) -> StoredRecord:
    return StoredRecord(row.subscriber_id, row.sequence, as_utc(row.expires_at), row.document, row.change_seq)


class SqlNodeRecordRepository:
    """Verified records; ``change_seq`` is a per-node counter that orders changes."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, subscriber_id: str) -> StoredRecord | None:
        row = self._conn.execute(select(node_records).where(node_records.c.subscriber_id == subscriber_id)).first()
        return _record(row) if row is not None else None

    def put(self, subscriber_id: str, sequence: int, expires_at: datetime, document: str, now: datetime) -> int:
        if self._conn.dialect.name == "postgresql":
            # Two processes of one node publish its record as they start (and peers' records may
            # arrive meanwhile): the next change_seq and the replace must not interleave, or both
            # insert one subscriber's row. Writers queue until the transaction ends; reads go on.
            # (SQLite's write lock, taken at BEGIN IMMEDIATE, already serialises them.)
            self._conn.execute(text("LOCK TABLE node_records IN SHARE ROW EXCLUSIVE MODE"))
        top = self._conn.execute(select(func.max(node_records.c.change_seq))).scalar()
        seq = int(top or 0) + 1
        self._conn.execute(delete(node_records).where(node_records.c.subscriber_id == subscriber_id))
        self._conn.execute(
            insert(node_records).values(
                subscriber_id=subscriber_id, sequence=sequence, expires_at=expires_at, document=document,
                change_seq=seq, received_at=now,
            )
        )
        return seq

    def changed_since(self, cursor: int, limit: int, now: datetime) -> list[StoredRecord]:
        rows = self._conn.execute(
            select(node_records)
            .where(node_records.c.change_seq > cursor, node_records.c.expires_at > now)
            .order_by(node_records.c.change_seq)
            .limit(limit)
        ).all()
        return [_record(r) for r in rows]

    def valid(self, now: datetime) -> list[StoredRecord]:
        rows = self._conn.execute(
            select(node_records).where(node_records.c.expires_at > now).order_by(node_records.c.subscriber_id)
        ).all()
        return [_record(r) for r in rows]


def _catalog(row: Any) -> StoredCatalog:
    return StoredCatalog(row.subscriber_id, row.provider_id, row.version, row.digest, row.document,
                         as_utc(row.fetched_at))


class SqlPeerCatalogRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _where(self, subscriber_id: str, provider_id: str) -> Any:
        return (peer_catalogs.c.subscriber_id == subscriber_id) & (peer_catalogs.c.provider_id == provider_id)

    def get(self, subscriber_id: str, provider_id: str) -> StoredCatalog | None:
        row = self._conn.execute(select(peer_catalogs).where(self._where(subscriber_id, provider_id))).first()
        return _catalog(row) if row is not None else None

    def put(self, catalog: StoredCatalog) -> None:
        self.remove(catalog.subscriber_id, catalog.provider_id)
        self._conn.execute(
            insert(peer_catalogs).values(
                subscriber_id=catalog.subscriber_id, provider_id=catalog.provider_id, version=catalog.version,
                digest=catalog.digest, document=catalog.document, fetched_at=catalog.fetched_at,
            )
        )

    def remove(self, subscriber_id: str, provider_id: str) -> None:
        self._conn.execute(delete(peer_catalogs).where(self._where(subscriber_id, provider_id)))

    def all(self) -> list[StoredCatalog]:
        rows = self._conn.execute(select(peer_catalogs).order_by(peer_catalogs.c.subscriber_id)).all()
        return [_catalog(r) for r in rows]


def _peer(r: Any) -> PeerState:
    return PeerState(r.url, r.subscriber_id, r.cursor, r.failures,
                     as_utc(r.last_ok_at) if r.last_ok_at else None,
                     as_utc(r.next_attempt_at) if r.next_attempt_at else None,
                     PeerKind(r.kind), r.refusals, as_utc(r.added_at) if r.added_at else None)


class SqlPeerRepository:
    """Peers, operator peers and candidates (``kind``), with poll state and refusal counts."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, url: str, subscriber_id: str | None = None, kind: PeerKind = PeerKind.CANDIDATE,
            now: datetime | None = None) -> bool:
        held = self._conn.execute(select(peers.c.kind, peers.c.subscriber_id).where(peers.c.url == url)).first()
        if held is None:
            self._conn.execute(insert(peers).values(url=url, subscriber_id=subscriber_id, cursor=None, failures=0,
                                                    kind=kind.value, refusals=0, added_at=now))
            return True
        if KIND_RANK[kind] <= KIND_RANK[PeerKind(held.kind)]:
            return False
        self._conn.execute(update(peers).where(peers.c.url == url).values(
            kind=kind.value, subscriber_id=subscriber_id or held.subscriber_id, next_attempt_at=None))
        return True

    def get(self, url: str) -> PeerState | None:
        row = self._conn.execute(select(peers).where(peers.c.url == url)).first()
        return _peer(row) if row is not None else None

    def all(self) -> list[PeerState]:
        return [_peer(r) for r in self._conn.execute(select(peers).order_by(peers.c.url)).all()]

    def polled(self) -> list[PeerState]:
        rows = self._conn.execute(
            select(peers).where(peers.c.kind != PeerKind.CANDIDATE.value).order_by(peers.c.url)).all()
        return [_peer(r) for r in rows]

    def candidates(self, limit: int, now: datetime) -> list[PeerState]:
        due = (peers.c.next_attempt_at.is_(None)) | (peers.c.next_attempt_at <= now)
        rows = self._conn.execute(
            select(peers).where(peers.c.kind == PeerKind.CANDIDATE.value, due)
            .order_by(peers.c.added_at, peers.c.url).limit(limit)).all()
        return [_peer(r) for r in rows]

    def count(self, kind: PeerKind) -> int:
        return int(self._conn.execute(
            select(func.count()).select_from(peers).where(peers.c.kind == kind.value)).scalar() or 0)

    def evict(self, kind: PeerKind, keep: int) -> int:
        excess = self.count(kind) - keep
        if excess <= 0:
            return 0
        worst = self._conn.execute(
            select(peers.c.url).where(peers.c.kind == kind.value)
            .order_by((peers.c.failures + peers.c.refusals).desc(), peers.c.last_ok_at.is_(None).desc(),
                      peers.c.last_ok_at, peers.c.added_at)
            .limit(excess)).scalars().all()
        self._conn.execute(delete(peers).where(peers.c.url.in_(worst)))
        return len(worst)

    def remove(self, url: str) -> None:
        self._conn.execute(delete(peers).where(peers.c.url == url))

    def refused(self, url: str, count: int) -> int:
        self._conn.execute(update(peers).where(peers.c.url == url).values(refusals=peers.c.refusals + count))
        total = self._conn.execute(select(peers.c.refusals).where(peers.c.url == url)).scalar()
        return int(total or 0)

    def mark_ok(self, url: str, cursor: str | None, now: datetime) -> None:
        self._conn.execute(
            update(peers).where(peers.c.url == url).values(cursor=cursor, failures=0, last_ok_at=now,
                                                           next_attempt_at=None)
        )

    def mark_failed(self, url: str, now: datetime, retry_at: datetime) -> None:
        self._conn.execute(
            update(peers).where(peers.c.url == url).values(failures=peers.c.failures + 1, next_attempt_at=retry_at)
        )
