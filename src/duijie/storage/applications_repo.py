"""SQL repository of the employer's job applications (table ``job_applications``, migration 0008)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from duijie.domain.applications import Application, Stage
from duijie.protocol import jsonbytes
from duijie.services.trade.jobs.documents import application_document, application_from_document
from duijie.services.trade.jobs.ports import StoredApplication
from duijie.storage.tables import job_applications as t


def _json(app: Application, context: dict[str, Any]) -> str:
    return jsonbytes.dumps({"application": application_document(app), "context": context}).decode()


def _stored(row: Any) -> StoredApplication:
    doc = jsonbytes.loads(row.document)
    return StoredApplication(application_from_document(doc["application"]), row.bap_uri, doc["context"])


class SqlApplicationRepository:
    """Applications as JSON documents plus key columns; one per (bap_id, transaction_id)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _savepoint(self) -> AbstractContextManager[object]:
        # PostgreSQL aborts the whole transaction on an error; SQLite undoes just the statement.
        return nullcontext() if self._conn.dialect.name == "sqlite" else self._conn.begin_nested()

    def add(self, application: Application, bap_uri: str, context: dict[str, Any]) -> bool:
        """Insert; False (nothing written) when the transaction already has an application."""
        a = application
        try:
            with self._savepoint():
                self._conn.execute(insert(t).values(
                    id=a.id, provider_id=a.provider_id, posting_id=a.posting_id, bap_id=a.bap_id, bap_uri=bap_uri,
                    transaction_id=a.transaction_id, stage=a.stage.value, document=_json(a, context),
                    created_at=a.created_at, updated_at=a.updated_at,
                ))
        except IntegrityError:
            return False
        return True

    def save(self, application: Application) -> None:
        current = self.get(application.id)
        if current is None:
            raise KeyError(application.id)
        self._conn.execute(update(t).where(t.c.id == application.id).values(
            stage=application.stage.value, document=_json(application, current.context),
            updated_at=application.updated_at,
        ))

    def get(self, application_id: str) -> StoredApplication | None:
        row = self._conn.execute(select(t).where(t.c.id == application_id)).first()
        return _stored(row) if row is not None else None

    def for_transaction(self, bap_id: str, transaction_id: str) -> StoredApplication | None:
        row = self._conn.execute(select(t).where(t.c.bap_id == bap_id, t.c.transaction_id == transaction_id)).first()
        return _stored(row) if row is not None else None

    def offers(self, provider_id: str, posting_id: str, *, for_update: bool = False) -> int:
        of_posting = (t.c.provider_id == provider_id, t.c.posting_id == posting_id)
        if for_update and self._conn.dialect.name != "sqlite":
            # Two offers racing for a posting's last opening: the second waits on these row locks until
            # the first commits, and its count (a new snapshot per statement) then sees that offer.
            # SQLite needs none: its writers hold the one write lock from BEGIN IMMEDIATE on.
            self._conn.execute(select(t.c.id).where(*of_posting).with_for_update())
        query = select(func.count()).select_from(t).where(*of_posting, t.c.stage == Stage.OFFER.value)
        return int(self._conn.execute(query).scalar_one())

    def list(self, provider_id: str | None = None, stage: Stage | None = None,
             limit: int = 500) -> list[StoredApplication]:
        query = select(t).order_by(t.c.created_at.desc(), t.c.id).limit(limit)
        if provider_id is not None:
            query = query.where(t.c.provider_id == provider_id)
        if stage is not None:
            query = query.where(t.c.stage == stage.value)
        return [_stored(r) for r in self._conn.execute(query).all()]
