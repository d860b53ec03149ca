"""Search requests and results, shared by all backends."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from duijie.search.documents import SearchDocument


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What to look for.

    ``text`` may mix Chinese and English. ``near``/``within_km`` keep documents within a
    radius; ``open_at`` (timezone-aware) keeps documents whose hours say open then;
    ``min_price``/``max_price`` are inclusive; ``diet`` tags are all required; ``kinds``
    limits document kinds; ``min_capacity`` keeps resources holding at least that many
    people (also read from text such as "50 people" / "50人"). ``semantic`` overrides the
    index default for cross-language matching.
    """

    text: str | None = None
    near: tuple[float, float] | None = None
    within_km: float = 10.0
    open_at: datetime | None = None
    category: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    diet: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    min_capacity: int | None = None
    limit: int = 20
    semantic: bool | None = None

    def __post_init__(self) -> None:
        if self.open_at is not None and self.open_at.tzinfo is None:
            raise ValueError("open_at must be timezone-aware")
        if self.limit <= 0:
            raise ValueError("limit must be positive")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result with its score and the reasons it was returned."""

    doc_id: str
    provider_id: str
    kind: str
    title: str
    score: float
    why: list[str] = field(default_factory=list)
    distance_km: float | None = None
    price: Decimal | None = None
    currency: str | None = None
    node_url: str | None = None


class SearchIndex(Protocol):
    """The text/geo/hours index over :class:`SearchDocument` records."""

    def ensure_schema(self) -> None:
        """Create tables and indexes if missing (idempotent)."""

    def add(self, docs: Iterable[SearchDocument]) -> int:
        """Insert or replace documents by ``doc_id``; returns how many were written."""

    def remove_provider(self, provider_id: str) -> int:
        """Delete every document of a provider; returns how many were removed."""

    def written_elsewhere(self) -> None:
        """Another handle on the same tables wrote: drop what this one cached about them."""

    @property
    def quick(self) -> bool:
        """True when a query never waits: answered in this process's memory in about a millisecond
        (SQLite without the sentence encoder), so a caller on the event loop may run it inline."""

    def query(self, q: SearchQuery) -> list[SearchHit]:
        """Best hits first, at most ``q.limit``."""
