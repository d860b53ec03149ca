"""Ports: what the use cases need from the outside world, as small protocols.

Adapters live in ``duijie.storage`` and ``duijie.transport``; ``duijie.bootstrap`` wires them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, TypeVar, TypeVarTuple, Unpack

if TYPE_CHECKING:
    from duijie.domain.listing import Listing


T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class Clock(Protocol):
    """The only source of "now" for the use cases (the domain never reads a clock)."""

    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class TransportResponse:
    """What a peer answered: HTTP status and the raw body bytes."""

    status: int
    body: bytes


class Transport(Protocol):
    """Sends one HTTP POST of exact bytes to a peer (one method, so a mock can stand in)."""

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> TransportResponse: ...


@dataclass(frozen=True, slots=True)
class StoredListing:
    """A listing as stored: the domain object, its version, digest and document text."""

    listing: Listing
    version: int
    digest: str
    document: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ListingSummary:
    """One row of the provider index: enough to list without loading every document."""

    provider_id: str
    version: int
    digest: str
    updated_at: datetime


class ListingRepository(Protocol):
    """The providers this node hosts."""

    def get(self, provider_id: str) -> StoredListing | None: ...

    def version_of(self, provider_id: str) -> int | None: ...

    def digest_of(self, provider_id: str) -> tuple[int, str] | None:
        """(version, digest) of the stored listing, without loading it."""
        ...

    def summaries(self) -> list[ListingSummary]: ...

    def put(self, listing: Listing, document: str, digest: str, now: datetime) -> int:
        """Store a new version of a listing; returns its version number."""
        ...


class UnitOfWork(Protocol):
    """One atomic piece of work: everything committed together or nothing at all."""

    listings: ListingRepository
    known_keys: KnownKeyRepository
    messages: ReplayRepository
    outbox: OutboxRepository
    inbound: InboundRepository

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class StoreBusy(Exception):
    """A unit of work opened with ``wait=False`` could not start at once (the store is busy with
    another writer); nothing was done, try again later."""


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work; ``read_only`` ones never wait for other writers.

    A writer opened with ``wait=False`` raises :class:`StoreBusy` at once instead of waiting for
    another writer to finish, so a caller on the event loop can go on with other work and retry.
    Whether (and when) a store can be busy is the store's own business (see ``duijie.storage``).
    """

    def __call__(self, *, read_only: bool = False, wait: bool = True) -> UnitOfWork: ...

    async def run(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        """Run ``func(*args)``, a short unit of database work, where the store runs it best."""

    async def run_without_waiting(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        """Like :meth:`run`, for work whose writers are all opened with ``wait=False``."""


@dataclass(frozen=True, slots=True)
class KnownKey:
    """A subscriber's public key as this node learned it, with source and validity window."""

    subscriber_id: str
    unique_key_id: str
    signing_public_key: str
    encr_public_key: str | None
    url: str | None
    valid_from: datetime
    valid_until: datetime
    source: str

    def is_valid_at(self, now: datetime) -> bool:
        return self.valid_from <= now <= self.valid_until


class KnownKeyRepository(Protocol):
    """The peer table of keys: only verified keys are ever written here."""

    def get(self, subscriber_id: str, unique_key_id: str) -> KnownKey | None: ...

    def put(self, key: KnownKey, now: datetime) -> None: ...

    def url_of(self, subscriber_id: str) -> str | None: ...

    def all(self) -> list[KnownKey]: ...


class ReplayRepository(Protocol):
    """Message ids already received, per authenticated sender and action.

    Keys are ``(sender_id, message_id, action)``: replies from several senders to one request
    share its message_id, and each is a message of its own.
    """

    def record(self, sender_id: str, message_id: str, action: str, now: datetime) -> bool:
        """Record the key; False when it was already there (a replay)."""
        ...

    def record_many(self, keys: Sequence[tuple[str, str, str]], now: datetime) -> list[bool]:
        """Record many (sender_id, message_id, action) keys at once; per key in order, True when new."""
        ...

    def forget_before(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` records received before ``before``; how many went."""
        ...


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    EXPIRED = "expired"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A signed-on-send message waiting for (or past) delivery."""

    id: int
    url: str
    action: str
    body: bytes
    state: OutboxState
    attempts: int
    next_attempt_at: datetime
    expires_at: datetime
    last_error: str | None


OutboxOutcome = tuple[int, OutboxState, int, datetime, str | None]
"""One delivery attempt's outcome: (message id, new state, attempts so far, next attempt at, error)."""

OutboxListener = Callable[[Sequence[OutboxMessage]], None]
"""Told, right after a commit, of the outbox messages that commit made durable (may run in any thread)."""


class OutboxRepository(Protocol):
    """Outgoing messages persisted in the same transaction as the change that caused them."""

    def add(self, url: str, action: str, body: bytes, now: datetime, expires_at: datetime) -> int: ...

    def due(self, now: datetime, limit: int, exclude: Collection[int] = ()) -> list[OutboxMessage]:
        """Up to ``limit`` pending messages due at ``now``, oldest first, leaving out the ids in
        ``exclude`` (those the sender already has in flight)."""
        ...

    def mark(self, message_id: int, state: OutboxState, *, attempts: int, next_attempt_at: datetime,
             error: str | None) -> None: ...

    def mark_many(self, outcomes: Sequence[OutboxOutcome]) -> None:
        """Record many delivery outcomes at once, as one statement where the store can."""
        ...

    def get(self, message_id: int) -> OutboxMessage | None: ...

    def count_unsent(self) -> dict[str, int]:
        """How many messages are in each state but ``sent`` (pending, refused, expired)."""
        ...

    def prune_finished(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` messages whose delivery ended before ``before``; how many went."""
        ...


@dataclass(frozen=True, slots=True)
class DetachedSignature:
    """An Ed25519 signature over some bytes, with the key that made it."""

    subscriber_id: str
    unique_key_id: str
    signing_public_key: str
    signature: str


class JournalState(StrEnum):
    """Who handles a journal entry: this process, or (handed off under pressure) its back office."""

    PENDING = "pending"
    HANDED_OFF = "handoff"


@dataclass(frozen=True, slots=True)
class JournaledMessage:
    """A verified inbound message kept until it has been handled."""

    id: int
    message_id: str
    action: str
    body: bytes
    signer_subscriber_id: str
    gateway_subscriber_id: str | None


class InboundRepository(Protocol):
    """The inbound journal: verified messages from their ACK until they are handled."""

    def add_many(
        self, entries: Sequence[tuple[str, str, bytes, str, str | None, JournalState]], now: datetime
    ) -> list[int]:
        """Journal many (message_id, action, body, signer, gateway, state) at once; their ids in order."""
        ...

    def pending(self, limit: int = 10_000, states: Collection[JournalState] = tuple(JournalState)
                ) -> list[JournaledMessage]:
        """Entries still to be handled, oldest first (only those in ``states``)."""
        ...

    def remove_handled(self, ids: list[int]) -> None:
        """Take handled entries out (the journal keeps only what is still to be handled)."""
        ...


class Signer(Protocol):
    """Signs as this node with its current key."""

    def headers_for(self, body: bytes, now: datetime) -> dict[str, str]:
        """The HTTP headers (``Authorization`` ...) for sending exactly ``body``."""
        ...

    def sign_detached(self, data: bytes, now: datetime) -> DetachedSignature:
        """A detached signature over ``data`` (receipts, node records)."""
        ...
