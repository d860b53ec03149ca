"""SQL repository of other subscribers' public keys (the peer key table)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from duijie.services.ports import KnownKey
from duijie.storage.tables import known_keys
from duijie.storage.timestamps import as_utc


def _row_to_key(row: object) -> KnownKey:
    r = row  # a Row; attribute access keeps this readable
    return KnownKey(
        subscriber_id=r.subscriber_id,  # type: ignore[attr-defined]
        unique_key_id=r.unique_key_id,  # type: ignore[attr-defined]
        signing_public_key=r.signing_public_key,  # type: ignore[attr-defined]
        encr_public_key=r.encr_public_key,  # type: ignore[attr-defined]
        url=r.url,  # type: ignore[attr-defined]
        valid_from=as_utc(r.valid_from),  # type: ignore[attr-defined]
        valid_until=as_utc(r.valid_until),  # type: ignore[attr-defined]
        source=r.source,  # type: ignore[attr-defined]
    )


class SqlKnownKeyRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, subscriber_id: str, unique_key_id: str) -> KnownKey | None:
        row = self._conn.execute(
            select(known_keys).where(
                known_keys.c.subscriber_id == subscriber_id, known_keys.c.unique_key_id == unique_key_id
            )
        ).first()
        return _row_to_key(row) if row is not None else None

    def put(self, key: KnownKey, now: datetime) -> None:
        """Insert or replace the key record (same subscriber and unique_key_id)."""
        self._conn.execute(
            delete(known_keys).where(
                known_keys.c.subscriber_id == key.subscriber_id, known_keys.c.unique_key_id == key.unique_key_id
            )
        )
        self._conn.execute(
            insert(known_keys).values(
                subscriber_id=key.subscriber_id,
                unique_key_id=key.unique_key_id,
                signing_public_key=key.signing_public_key,
                encr_public_key=key.encr_public_key,
                url=key.url,
                valid_from=key.valid_from,
                valid_until=key.valid_until,
                source=key.source,
                updated_at=now,
            )
        )

    def url_of(self, subscriber_id: str) -> str | None:
        """The subscriber URL recorded with any of the subscriber's keys."""
        return self._conn.execute(
            select(known_keys.c.url)
            .where(known_keys.c.subscriber_id == subscriber_id, known_keys.c.url.is_not(None))
            .order_by(known_keys.c.valid_until.desc())
            .limit(1)
        ).scalar_one_or_none()

    def all(self) -> list[KnownKey]:
        rows = self._conn.execute(select(known_keys).order_by(known_keys.c.subscriber_id)).all()
        return [_row_to_key(r) for r in rows]
