"""Merchant accounts of the web pages: who may sign in, and the rules of lock-out and sessions.

Pure rules (no clock, no hashing): the use cases in :mod:`duijie.services.accounts` pass ``now``
and the password hashes in. An account is locked for :data:`LOCK_FOR` after :data:`MAX_FAILURES`
wrong passwords in a row; a right password while locked is refused like a wrong one (it neither
unlocks nor counts). A session lasts :data:`SESSION_IDLE` without use, and never past
:data:`SESSION_LIFETIME`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

MAX_FAILURES = 5
"""Wrong passwords in a row that lock an account."""

LOCK_FOR = timedelta(minutes=15)
"""How long a locked account refuses every password."""

MIN_PASSWORD = 10
"""Shortest password accepted (characters)."""

MAX_PASSWORD = 256
"""Longest password accepted: hashing a megabyte on every attempt would be a cheap attack."""

SESSION_IDLE = timedelta(hours=12)
"""A session unused this long has ended."""

SESSION_LIFETIME = timedelta(days=7)
"""A session ends this long after sign-in however much it is used."""

BOOTSTRAP_ADMIN = "admin"
"""The name that signs in with the node's admin token while the node has no owner account."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class Role(enum.StrEnum):
    """What an account may do: owners manage accounts and the listing, staff work the inbox."""

    OWNER = "owner"
    STAFF = "staff"


class AccountRuleError(ValueError):
    """A name or password that breaks a rule; the message says which (for the CLI and forms)."""


@dataclass(frozen=True, slots=True)
class Account:
    """A person who signs in to the merchant pages. ``password_hash`` is an argon2id hash string."""

    name: str
    role: Role
    password_hash: str
    created_at: datetime
    failed_logins: int = 0
    locked_until: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        """Whether every password is refused at ``now``."""
        return self.locked_until is not None and now < self.locked_until

    def after_failure(self, now: datetime) -> Account:
        """The account after a wrong password: the count grows, and at the limit it locks."""
        failures = self.failed_logins + 1
        if failures >= MAX_FAILURES:
            return replace(self, failed_logins=0, locked_until=now + LOCK_FOR)
        return replace(self, failed_logins=failures)

    def after_success(self) -> Account:
        """The account after a right password: nothing held against it."""
        return replace(self, failed_logins=0, locked_until=None)

    def unlocked(self) -> Account:
        """The account an owner unlocked (``duijie users unlock``)."""
        return replace(self, failed_logins=0, locked_until=None)


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in browser. Only the SHA-256 of the cookie's token is kept (``id_hash``)."""

    id_hash: str
    account: str
    created_at: datetime
    expires_at: datetime
    last_seen: datetime

    def is_live(self, now: datetime) -> bool:
        """Whether the session still signs its browser in at ``now``."""
        return now < self.expires_at and now < self.last_seen + SESSION_IDLE


def new_session(id_hash: str, account: str, now: datetime) -> Session:
    """A session that starts at ``now``."""
    return Session(id_hash, account, now, now + SESSION_LIFETIME, now)


def check_name(name: str) -> str:
    """``name`` if it may name an account (letters, digits, ``._-``, at most 64), else raise."""
    if not _NAME.fullmatch(name):
        raise AccountRuleError("a name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return name


def check_password(password: str) -> str:
    """``password`` if it is long enough and not absurdly long, else raise."""
    if len(password) < MIN_PASSWORD:
        raise AccountRuleError(f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountRuleError(f"a password has at most {MAX_PASSWORD} characters")
    return password
