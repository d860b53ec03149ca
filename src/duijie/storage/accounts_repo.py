"""SQL repositories of the merchant accounts and their sessions (tables ``web_accounts`` and
``web_sessions``, migration 0011)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from duijie.domain.accounts import SESSION_IDLE, Account, Role, Session
from duijie.storage.tables import web_accounts as a
from duijie.storage.tables import web_sessions as s
from duijie.storage.timestamps import as_utc


def _account(row: Any) -> Account:
    return Account(row.name, Role(row.role), row.password_hash, as_utc(row.created_at), row.failed_logins,
                   as_utc(row.locked_until) if row.locked_until is not None else None)


class SqlAccountRepository:
    """One row per account, keyed by name."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _savepoint(self) -> AbstractContextManager[object]:
        # PostgreSQL aborts the whole transaction on an error; SQLite undoes just the statement.
        return nullcontext() if self._conn.dialect.name == "sqlite" else self._conn.begin_nested()

    def get(self, name: str) -> Account | None:
        row = self._conn.execute(select(a).where(a.c.name == name)).first()
        return _account(row) if row is not None else None

    def add(self, account: Account) -> bool:
        """Insert; False (nothing written) when the name is taken."""
        try:
            with self._savepoint():
                self._conn.execute(insert(a).values(
                    name=account.name, role=account.role.value, password_hash=account.password_hash,
                    failed_logins=account.failed_logins, locked_until=account.locked_until,
                    created_at=account.created_at))
        except IntegrityError:
            return False
        return True

    def save(self, account: Account) -> None:
        self._conn.execute(update(a).where(a.c.name == account.name).values(
            role=account.role.value, password_hash=account.password_hash,
            failed_logins=account.failed_logins, locked_until=account.locked_until))

    def list(self) -> list[Account]:
        return [_account(r) for r in self._conn.execute(select(a).order_by(a.c.name))]

    def has_owner(self) -> bool:
        query = select(func.count()).select_from(a).where(a.c.role == Role.OWNER.value)
        return int(self._conn.execute(query).scalar_one()) > 0


class SqlSessionRepository:
    """One row per signed-in browser, keyed by the SHA-256 of its cookie's token."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, id_hash: str) -> Session | None:
        r = self._conn.execute(select(s).where(s.c.id_hash == id_hash)).first()
        if r is None:
            return None
        return Session(r.id_hash, r.account, as_utc(r.created_at), as_utc(r.expires_at), as_utc(r.last_seen))

    def add(self, session: Session) -> None:
        self._conn.execute(insert(s).values(
            id_hash=session.id_hash, account=session.account, created_at=session.created_at,
            expires_at=session.expires_at, last_seen=session.last_seen))

    def touch(self, id_hash: str, now: datetime) -> None:
        self._conn.execute(update(s).where(s.c.id_hash == id_hash).values(last_seen=now))

    def delete(self, id_hash: str) -> None:
        self._conn.execute(delete(s).where(s.c.id_hash == id_hash))

    def delete_for(self, account: str) -> int:
        return self._conn.execute(delete(s).where(s.c.account == account)).rowcount

    def delete_ended(self, now: datetime) -> int:
        """Forget sessions past their lifetime or idle limit."""
        ended = (s.c.expires_at <= now) | (s.c.last_seen <= now - SESSION_IDLE)
        return self._conn.execute(delete(s).where(ended)).rowcount
