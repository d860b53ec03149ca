"""Use cases of the merchant accounts: sign in, sessions, and the ``duijie users`` commands.

Passwords are argon2id hashes (argon2-cffi's :class:`PasswordHasher` from :func:`argon2_hasher`:
OWASP's parameters, 19 MiB, 2 passes, 1 lane); a hash made with other parameters is replaced at the
next right sign-in.

The first account: while the node has no owner account, the name ``admin`` with the node's
admin token (``DATA_DIR/admin-token``, made by ``duijie init``) signs in and so creates the
owner account ``admin`` whose password is that token (change it with ``duijie users passwd``).

Lock-out: :data:`duijie.domain.accounts.MAX_FAILURES` wrong passwords lock a name for
:data:`~duijie.domain.accounts.LOCK_FOR`. Names with no account are counted too (in memory), so
the answer never tells whether a name exists; every failure is logged.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar, TypeVarTuple, Unpack

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from duijie.domain.accounts import (
    BOOTSTRAP_ADMIN,
    Account,
    AccountRuleError,
    Role,
    Session,
    check_name,
    check_password,
    new_session,
)
from duijie.services.ports import Clock, UnitOfWork

log = logging.getLogger("duijie.accounts")


def argon2_hasher() -> PasswordHasher:
    """argon2id at OWASP's recommended cost: 19 MiB, 2 passes, 1 lane.

    A node is often a small shared machine: argon2-cffi's default (64 MiB, 3 passes, 4 lanes) took
    1.6 s a sign-in on the 2-core test machine under load, these 0.46 s, and a sign-in holds that CPU.
    """
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


T = TypeVar("T")
Ts = TypeVarTuple("Ts")

TOUCH_EVERY = 60.0
"""Seconds between writes of a session's ``last_seen`` (the inbox polls every few seconds)."""


class AccountRepository(Protocol):
    """The stored accounts (table ``web_accounts``)."""

    def get(self, name: str) -> Account | None: ...
    def add(self, account: Account) -> bool: ...  # False: the name is taken
    def save(self, account: Account) -> None: ...
    def list(self) -> list[Account]: ...
    def has_owner(self) -> bool: ...


class SessionRepository(Protocol):
    """The signed-in browsers (table ``web_sessions``)."""

    def get(self, id_hash: str) -> Session | None: ...
    def add(self, session: Session) -> None: ...
    def touch(self, id_hash: str, now: datetime) -> None: ...
    def delete(self, id_hash: str) -> None: ...
    def delete_for(self, account: str) -> int: ...
    def delete_ended(self, now: datetime) -> int: ...


class AccountsUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also holds the accounts and their sessions."""

    accounts: AccountRepository
    web_sessions: SessionRepository

    def __enter__(self) -> AccountsUnitOfWork: ...


class AccountsUowFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> AccountsUnitOfWork: ...
    async def run(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T: ...


class LoginOutcome(enum.Enum):
    """What a sign-in attempt came to (the page words each; none tells whether the name exists)."""

    SIGNED_IN = "signed_in"
    REFUSED = "refused"  # wrong name or password
    LOCKED = "locked"  # too many wrong passwords: wait


@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: LoginOutcome
    token: str | None = None  # the session cookie's value, when signed in
    account: Account | None = None


class AccountError(Exception):
    """A ``users`` command that cannot be done (unknown name, name taken, rule broken)."""


def token_hash(token: str) -> str:
    """What is stored of a session token: its SHA-256 (a leaked table signs nobody in)."""
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    """Accounts and sessions over the node's database."""

    def __init__(self, uow: AccountsUowFactory, clock: Clock, admin_token_check: Callable[[str], bool],
                 hasher: PasswordHasher | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._admin_token_check = admin_token_check
        self._hasher = hasher or argon2_hasher()  # argon2id
        self._dummy: str | None = None  # a hash checked for unknown names, so they cost the same time
        # Failures of names with no account (bounded: an attacker cannot grow it without end).
        self._strangers: OrderedDict[str, Account] = OrderedDict()

    # -- signing in -------------------------------------------------------------------------

    def login(self, name: str, password: str) -> LoginResult:
        """Check ``name``/``password``; on success a new session (its token for the cookie)."""
        now = self._clock.now()
        name = name.strip()
        with self._uow() as uow:
            account = uow.accounts.get(name)
            if account is None:
                stranger = self._strangers.get(name)
                if stranger is not None and stranger.is_locked(now):  # the admin token is no way round it
                    log.warning("sign-in refused: name %r is locked", name)
                    return LoginResult(LoginOutcome.LOCKED)
                if name == BOOTSTRAP_ADMIN and not uow.accounts.has_owner():
                    account = self._bootstrap_admin(uow, password, now)
                if account is None:
                    return self._stranger_failed(name, password, now)
                self._strangers.pop(name, None)
            if account.is_locked(now):
                log.warning("sign-in refused: account %r is locked until %s", name, account.locked_until)
                return LoginResult(LoginOutcome.LOCKED)
            if not self._verify(account.password_hash, password):
                after = account.after_failure(now)
                uow.accounts.save(after)
                uow.commit()
                log.warning("sign-in failed: wrong password for %r (%d in a row)%s", name, account.failed_logins + 1,
                            " - locked" if after.is_locked(now) else "")
                return LoginResult(LoginOutcome.LOCKED if after.is_locked(now) else LoginOutcome.REFUSED)
            account = account.after_success()
            if self._hasher.check_needs_rehash(account.password_hash):
                account = _with_hash(account, self._hasher.hash(password))
            uow.accounts.save(account)
            token = secrets.token_urlsafe(32)
            uow.web_sessions.add(new_session(token_hash(token), account.name, now))
            uow.web_sessions.delete_ended(now)
            uow.commit()
        log.info("signed in: %r", name)
        return LoginResult(LoginOutcome.SIGNED_IN, token, account)

    def _bootstrap_admin(self, uow: AccountsUnitOfWork, password: str, now: datetime) -> Account | None:
        if not self._admin_token_check(password):
            return None
        account = Account(BOOTSTRAP_ADMIN, Role.OWNER, self._hasher.hash(password), now)
        if not uow.accounts.add(account):
            return uow.accounts.get(BOOTSTRAP_ADMIN)
        log.info("created the owner account %r from the node's admin token", BOOTSTRAP_ADMIN)
        return account

    def _stranger_failed(self, name: str, password: str, now: datetime) -> LoginResult:
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        self._verify(self._dummy, password)
        known = self._strangers.pop(name, None) or Account(name, Role.STAFF, "", now)
        after = known.after_failure(now)
        self._strangers[name] = after
        while len(self._strangers) > 10_000:
            self._strangers.popitem(last=False)
        log.warning("sign-in failed: no account %r", name)
        return LoginResult(LoginOutcome.LOCKED if after.is_locked(now) else LoginOutcome.REFUSED)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def session_account(self, token: str) -> Account | None:
        """The account a session cookie signs in, or None (unknown, ended, or account gone)."""
        if not token or len(token) > 100:
            return None
        now = self._clock.now()
        id_hash = token_hash(token)
        with self._uow(read_only=True) as uow:
            session = uow.web_sessions.get(id_hash)
            if session is None or not session.is_live(now):
                return None
            account = uow.accounts.get(session.account)
        if account is not None and (now - session.last_seen).total_seconds() > TOUCH_EVERY:
            with self._uow() as uow:
                uow.web_sessions.touch(id_hash, now)
                uow.commit()
        return account

    async def signed_in(self, token: str) -> Account | None:
        """:meth:`session_account` for a page: database work where the node runs it (see uow.run)."""
        return await self._uow.run(self.session_account, token)

    def logout(self, token: str) -> None:
        """End the session of this cookie (nothing happens for an unknown one)."""
        with self._uow() as uow:
            uow.web_sessions.delete(token_hash(token))
            uow.commit()

    # -- the users commands -----------------------------------------------------------------

    def add(self, name: str, password: str, role: Role = Role.STAFF) -> Account:
        """A new account; :class:`AccountError` when the name is taken or a rule is broken."""
        try:
            account = Account(check_name(name), role, self._hasher.hash(check_password(password)), self._clock.now())
        except AccountRuleError as exc:
            raise AccountError(str(exc)) from exc
        with self._uow() as uow:
            if not uow.accounts.add(account):
                raise AccountError(f"an account named {name!r} exists already")
            uow.commit()
        return account

    def list(self) -> list[Account]:
        """Every account, by name."""
        with self._uow(read_only=True) as uow:
            return uow.accounts.list()

    def set_password(self, name: str, password: str) -> Account:
        """A new password; the account's sessions end (other browsers must sign in again)."""
        try:
            new_hash = self._hasher.hash(check_password(password))
        except AccountRuleError as exc:
            raise AccountError(str(exc)) from exc
        return self._change(name, lambda a: _with_hash(a.unlocked(), new_hash), end_sessions=True)

    def unlock(self, name: str) -> Account:
        """Lift a lock-out now."""
        return self._change(name, Account.unlocked, end_sessions=False)

    def _change(self, name: str, change: Callable[[Account], Account], *, end_sessions: bool) -> Account:
        with self._uow() as uow:
            account = uow.accounts.get(name)
            if account is None:
                raise AccountError(f"no account named {name!r}")
            account = change(account)
            uow.accounts.save(account)
            if end_sessions:
                uow.web_sessions.delete_for(name)
            uow.commit()
        return account


def _with_hash(account: Account, password_hash: str) -> Account:
    return Account(account.name, account.role, password_hash, account.created_at,
                   account.failed_logins, account.locked_until)
