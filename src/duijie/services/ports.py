"""Ports: what the use cases need from the outside world, as small protocols.

Adapters live in ``duijie.storage`` and ``duijie.transport``; ``duijie.bootstrap`` wires them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from duijie.domain.listing import Listing


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


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work; ``read_only`` ones never take the write lock."""

    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...


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
    """Message ids already received, per action."""

    def record(self, message_id: str, action: str, now: datetime) -> bool:
        """Record the pair; False when it was already there (a replay)."""
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


class OutboxRepository(Protocol):
    """Outgoing messages persisted in the same transaction as the change that caused them."""

    def add(self, url: str, action: str, body: bytes, now: datetime, expires_at: datetime) -> int: ...

    def due(self, now: datetime, limit: int) -> list[OutboxMessage]: ...

    def mark(self, message_id: int, state: OutboxState, *, attempts: int, next_attempt_at: datetime,
             error: str | None) -> None: ...

    def get(self, message_id: int) -> OutboxMessage | None: ...


@dataclass(frozen=True, slots=True)
class DetachedSignature:
    """An Ed25519 signature over some bytes, with the key that made it."""

    subscriber_id: str
    unique_key_id: str
    signing_public_key: str
    signature: str


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
    """The inbound journal."""

    def add(self, message_id: str, action: str, body: bytes, signer: str, gateway: str | None,
            now: datetime) -> int: ...

    def pending(self, limit: int = 10_000) -> list[JournaledMessage]: ...

    def mark_done(self, ids: list[int]) -> None: ...


class Signer(Protocol):
    """Signs as this node with its current key."""

    def headers_for(self, body: bytes, now: datetime) -> dict[str, str]:
        """The HTTP headers (``Authorization`` ...) for sending exactly ``body``."""
        ...

    def sign_detached(self, data: bytes, now: datetime) -> DetachedSignature:
        """A detached signature over ``data`` (receipts, node records)."""
        ...


# --- buyer side (BAP) and receipts -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredCallback:
    """One verified callback (``on_*``) this node received as a buyer, as the raw document."""

    id: int
    transaction_id: str
    message_id: str
    action: str
    bpp_id: str | None
    document: dict[str, Any]
    received_at: datetime


class CallbackRepository(Protocol):
    """Every callback received, per transaction, in arrival order."""

    def add(self, transaction_id: str, message_id: str, action: str, bpp_id: str | None,
            document: dict[str, Any], now: datetime) -> int: ...

    def for_transaction(self, transaction_id: str, after_id: int = 0) -> list[StoredCallback]: ...

    def by_message(self, message_id: str, action: str) -> list[StoredCallback]: ...


@dataclass(frozen=True, slots=True)
class Purchase:
    """An order this node placed, as last reported by the seller (``document`` is the Beckn order)."""

    order_id: str
    transaction_id: str
    bpp_id: str
    bpp_uri: str
    provider_id: str
    status: str
    document: dict[str, Any]
    updated_at: datetime


class PurchaseRepository(Protocol):
    """The buyer's orders."""

    def put(self, purchase: Purchase) -> None:
        """Insert or replace by order id."""
        ...

    def get(self, order_id: str) -> Purchase | None: ...

    def all(self) -> list[Purchase]: ...


class ReceiptRepository(Protocol):
    """Receipts held by this node (either side), one per order id."""

    def put(self, order_id: str, receipt: dict[str, Any], now: datetime) -> None:
        """Insert or replace the receipt of ``order_id``."""
        ...

    def get(self, order_id: str) -> dict[str, Any] | None: ...


# ---- discovery (node records, peer catalogs, peers) -----------------------------------------


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


class BuyerUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also holds the buyer-side repositories and receipts."""

    callbacks: CallbackRepository
    purchases: PurchaseRepository
    receipts: ReceiptRepository

    def __enter__(self) -> BuyerUnitOfWork: ...


class BuyerUnitOfWorkFactory(Protocol):
    """Opens a :class:`BuyerUnitOfWork`."""

    def __call__(self, *, read_only: bool = False) -> BuyerUnitOfWork: ...


# ---- seller side (BPP): orders and drafts ---------------------------------------------------

if TYPE_CHECKING:
    from duijie.domain.orders import Draft, Order, OrderState


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """A seller order with the buyer's callback base and the Beckn context of its confirm."""

    order: Order
    bap_uri: str
    context: dict[str, Any]


class OrderRepository(Protocol):
    """The seller's orders; one per (bap_id, transaction_id)."""

    def add(self, order: Order, bap_uri: str, context: dict[str, Any]) -> bool:
        """Insert; False (nothing written) when the transaction already has an order."""
        ...

    def save(self, order: Order) -> None: ...

    def get(self, order_id: str) -> StoredOrder | None: ...

    def for_transaction(self, bap_id: str, transaction_id: str) -> StoredOrder | None: ...

    def list(self, state: OrderState | None = None, limit: int = 500) -> list[StoredOrder]: ...


class DraftRepository(Protocol):
    """Drafts between select/init and confirm, per (bap_id, transaction_id)."""

    def get(self, bap_id: str, transaction_id: str) -> Draft | None: ...

    def put(self, bap_id: str, transaction_id: str, draft: Draft, now: datetime) -> None: ...

    def delete(self, bap_id: str, transaction_id: str) -> None: ...


class SellerUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also holds the seller's orders and drafts."""

    orders: OrderRepository
    drafts: DraftRepository

    def __enter__(self) -> SellerUnitOfWork: ...


class SellerUnitOfWorkFactory(Protocol):
    """Opens a :class:`SellerUnitOfWork`."""

    def __call__(self, *, read_only: bool = False) -> SellerUnitOfWork: ...
