"""Turning candidate rows into scored, explained hits (shared by all backends).

SQL gives candidates with a lexical score (bm25 / ts_rank); this module applies the
exact Python-side filters (distance, opening hours, exact Decimal price, capacity),
adds the exact-title boost and writes the human-readable ``why`` of each hit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from duijie.domain.provider import haversine_km
from duijie.search.filters import is_open_at, local_time_label
from duijie.search.query import SearchHit, SearchQuery
from duijie.search.tokenize import QueryPiece, normalize, term_matches, tokenize

#: Added to the score of a document whose title equals the query text.
EXACT_TITLE_BOOST = 10.0

# Ordering tiers: an exact title beats any other word match, which beats meaning-only.
TIER_EXACT, TIER_LEXICAL, TIER_SEMANTIC, TIER_FILTER = 3, 2, 1, 0


@dataclass(frozen=True, slots=True)
class Criteria:
    """The parts of a query evaluated in Python, resolved once per query."""

    query: SearchQuery
    text: str | None
    pieces: tuple[QueryPiece, ...]
    capacity: int | None
    capacity_strict: bool

    @property
    def python_filtered(self) -> bool:
        """Whether candidates can be rejected after SQL (so SQL must over-fetch)."""
        q = self.query
        return q.near is not None or q.open_at is not None or self.capacity is not None


@dataclass(slots=True)
class Ranked:
    """A hit under construction with its ordering tier."""

    hit: SearchHit
    tier: int


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _lexical_reasons(row: Mapping[str, Any], pieces: tuple[QueryPiece, ...]) -> list[str]:
    title_zh, title_en = row["title_zh"], row["title_en"]
    title_tokens = set(tokenize(title_zh)) | set(tokenize(title_en))
    why: list[str] = []
    for piece in pieces:
        where = "title" if all(term_matches(t, title_tokens) for t in piece.terms) else "text"
        why.append(f"{where} matched {piece.text}")
    return why


def title_key(title: str | None) -> str | None:
    """A title normalised for exact-match lookup (case, width, spaces ignored)."""
    return "".join(normalize(title).split()) or None if title else None


def coverage(key: str | None, row: Mapping[str, Any]) -> float:
    """How much of the shortest title of ``row`` the query key covers (0..1]."""
    if not key:
        return 0.0
    lengths = [len(k) for t in (row["title_zh"], row["title_en"]) if (k := title_key(t))]
    return min(1.0, len(key) / min(lengths)) if lengths else 0.0


def _is_exact_title(row: Mapping[str, Any], text: str | None) -> bool:
    if not text:
        return False
    wanted = "".join(normalize(text).split())
    return any(t and "".join(normalize(t).split()) == wanted for t in (row["title_zh"], row["title_en"]))


def evaluate(
    row: Mapping[str, Any],
    crit: Criteria,
    *,
    lexical_score: float | None = None,
    similarity: float | None = None,
    fuzzy: bool = False,
) -> Ranked | None:
    """The hit for ``row``, or None when an exact filter rejects it."""
    q = crit.query
    why: list[str] = []
    score = 0.0
    tier = TIER_FILTER
    if _is_exact_title(row, crit.text):
        why.append(f"exact title {crit.text.strip()}" if crit.text else "exact title")
        score += EXACT_TITLE_BOOST
        tier = TIER_EXACT
    if lexical_score is not None:
        if fuzzy:
            why.append(f"similar spelling to {crit.text}")
        else:
            why.extend(_lexical_reasons(row, crit.pieces))
        score += lexical_score
        tier = max(tier, TIER_LEXICAL)
    if similarity is not None:
        why.append(f"similar meaning to {crit.text!r} ({similarity:.2f})")
        score += similarity
        tier = max(tier, TIER_SEMANTIC)

    price = _decimal(row["price"])
    if q.min_price is not None or q.max_price is not None:
        if price is None:
            return None
        if (q.min_price is not None and price < q.min_price) or (
            q.max_price is not None and price > q.max_price
        ):
            return None
        why.append(f"price {price} {row['currency'] or ''}".rstrip())
    if q.category:
        why.append(f"category {row['category']}")
    if q.diet:
        why.append("diet " + ", ".join(q.diet))
    if q.kinds:
        why.append(f"kind {row['kind']}")
    if crit.capacity is not None:
        cap = row["capacity"]
        if cap is None and crit.capacity_strict:
            return None
        if cap is not None:
            if cap < crit.capacity:
                return None
            why.append(f"capacity {cap} >= {crit.capacity}")

    distance: float | None = None
    if q.near is not None:
        if row["lat"] is None or row["lon"] is None:
            return None
        distance = haversine_km(q.near[0], q.near[1], float(row["lat"]), float(row["lon"]))
        if distance > q.within_km:
            return None
        why.append(f"within {distance:.1f} km")
        if tier == TIER_FILTER:
            score += 1.0 / (1.0 + distance)
    if q.open_at is not None:
        if not _open(row, q.open_at):
            return None
        why.append(f"open at {local_time_label(q.open_at, row['timezone'])}")

    hit = SearchHit(
        doc_id=row["doc_id"],
        provider_id=row["provider_id"],
        kind=row["kind"],
        title=" / ".join(t for t in (row["title_zh"], row["title_en"]) if t),
        score=round(score, 6),
        why=why,
        distance_km=None if distance is None else round(distance, 3),
        price=price,
        currency=row["currency"],
        node_url=row["node_url"],
    )
    return Ranked(hit, tier)


def _open(row: Mapping[str, Any], when: datetime) -> bool:
    return is_open_at(row["hours"], row["timezone"], when) is True


def order(ranked: list[Ranked], limit: int) -> list[SearchHit]:
    """Best first: by tier, then score; ties broken by doc_id for stable output."""
    ranked.sort(key=lambda r: (-r.tier, -r.hit.score, r.hit.doc_id))
    return [r.hit for r in ranked[:limit]]
