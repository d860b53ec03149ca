"""The index input: one flat, backend-neutral record per searchable thing.

The mapping from a domain ``Listing`` to these records lives outside this package (the
search adapter does not import the domain); everything the index filters or ranks on is
here, already denormalised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from duijie.search.facets import doc_facets
from duijie.search.tokenize import token_string

DocKind = Literal["provider", "item", "resource", "job", "offer"]
DOC_KINDS: tuple[str, ...] = ("provider", "item", "resource", "job", "offer")


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """A searchable provider, catalog item, bookable resource, job posting or producer offer.

    ``doc_id`` is unique across the index (e.g. ``"<provider_id>/item/<item_id>"``);
    ``provider_id`` groups the documents of one provider so they can be replaced together.
    ``hours`` is an OSM ``opening_hours`` string evaluated in ``timezone`` (IANA name).
    ``capacity`` is the number of people a resource holds (rooms, halls, tables).
    ``body`` should already contain any text worth matching that is not in the titles
    (descriptions, the provider's name, capacity in words, ...).
    """

    doc_id: str
    provider_id: str
    kind: DocKind
    title_zh: str | None = None
    title_en: str | None = None
    body: str = ""
    category: str | None = None
    diet: tuple[str, ...] = ()
    price: Decimal | None = None
    currency: str | None = None
    lat: float | None = None
    lon: float | None = None
    location_ids: tuple[str, ...] = ()
    hours: str | None = None
    timezone: str | None = None
    capacity: int | None = None
    node_url: str | None = None
    subscriber_id: str | None = None
    catalog_version: str | None = None
    fetched_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.kind not in DOC_KINDS:
            raise ValueError(f"unknown document kind {self.kind!r}")
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")

    @property
    def title(self) -> str:
        """The display title: zh and en joined when both exist."""
        parts = [t for t in (self.title_zh, self.title_en) if t]
        return " / ".join(parts)

    def title_tokens(self) -> str:
        """Token string of both titles (the highly weighted index column)."""
        return token_string(self.title_zh, self.title_en)

    def body_tokens(self) -> str:
        """Token string of the body, category and diet tags."""
        return token_string(self.body, self.category, " ".join(self.diet))

    def facet_tokens(self) -> str:
        """Token string of the filter facets (kind, category, diet, grid cells); see ``facets``."""
        tags = diet_tags(self.diet)
        return " ".join(doc_facets(self.kind, category_key(self.category), tags, self.lat, self.lon))

    def semantic_text(self) -> str:
        """Text embedded for cross-language matching: the titles, short on purpose."""
        return " ".join(t for t in (self.title_zh, self.title_en) if t) or self.body[:200]


def diet_tags(tags: tuple[str, ...] | list[str]) -> list[str]:
    """Diet tags normalised (stripped, case-folded), de-duplicated and sorted."""
    return sorted({t.strip().casefold() for t in tags if t.strip()})


def diet_key(tags: tuple[str, ...] | list[str]) -> str:
    """Diet tags as a ``|tag|tag|`` string so SQL can test membership with LIKE."""
    norm = diet_tags(tags)
    return "|" + "|".join(norm) + "|" if norm else ""


def category_key(category: str | None) -> str | None:
    """Category normalised for equality filtering."""
    return category.strip().casefold() if category else None
