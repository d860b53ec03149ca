"""The backend-neutral query path of a :class:`~duijie.search.query.SearchIndex`.

A backend supplies a few SQL hooks (exact-title rows, rows matching terms newest first,
rows by id, browse, write, delete, vectors); this class resolves the query, builds the
shared SQL filters and facets, over-fetches when Python-side filters can reject rows,
merges semantic hits and ranks.

Lexical ranking is the same at any scale and never needs every match: exact titles
(indexed key) first, then documents whose title has every term (scored by how much of
the title the query covers), then any other match; each pass is a bounded, newest-first
scan, so a word in half a million listings costs no more than a rare one. (Relevance
functions such as bm25 or ts_rank score every match before sorting: about 10-20 us per
matching row, far over budget for common words at a million listings.)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine

from duijie.search.documents import SearchDocument, category_key, diet_tags
from duijie.search.facets import Facets, query_facets
from duijie.search.filters import bounding_box, capacity_from_text
from duijie.search.query import SearchHit, SearchQuery
from duijie.search.ranking import Criteria, Ranked, coverage, evaluate, order, title_key
from duijie.search.semantic import Encoder, Matrix, SemanticMatcher, semantic_available, to_bytes
from duijie.search.tokenize import QueryTerm, query_pieces, term_matches, tokenize

#: Columns every candidate query selects (as ``d.<name>``).
ROW_COLUMNS = (
    "doc_id",
    "provider_id",
    "kind",
    "title_zh",
    "title_en",
    "category",
    "price",
    "currency",
    "lat",
    "lon",
    "hours",
    "timezone",
    "capacity",
    "node_url",
)
SELECT_COLUMNS = ", ".join(f"d.{c}" for c in ROW_COLUMNS)

Row = Mapping[str, Any]

#: Lexical scores of the three passes (before the coverage of the title is added).
EXACT_SCORE, TITLE_SCORE, TEXT_SCORE = 3.0, 1.0, 0.0


@dataclass
class Filters:
    """SQL conditions over alias ``d`` with their parameters, and the query's facets (worked out
    when first asked: a small SQLite index never asks, see ``SqliteSearchIndex._small``)."""

    where: list[str]
    params: dict[str, Any]
    query: SearchQuery

    @cached_property
    def facets(self) -> Facets:
        q = self.query
        return query_facets(q.kinds, category_key(q.category), diet_tags(q.diet), q.near, q.within_km)


def batched(items: Iterable[SearchDocument], size: int) -> Iterator[list[SearchDocument]]:
    """Consecutive lists of at most ``size`` items, de-duplicated by doc_id (last wins)."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield list({d.doc_id: d for d in chunk}.values())


def sql_filters(q: SearchQuery, crit: Criteria) -> Filters:
    """WHERE clauses over alias ``d``, their parameters (coarse; Python is exact), and facets."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if q.kinds:
        names = [f"k{i}" for i in range(len(q.kinds))]
        where.append(f"d.kind IN ({', '.join(':' + n for n in names)})")
        params.update(zip(names, q.kinds, strict=True))
    if q.category:
        where.append("d.category_key = :cat")
        params["cat"] = category_key(q.category)
    # Float comparisons with a small margin; ranking.evaluate re-checks with Decimal.
    if q.min_price is not None:
        where.append("d.price_value >= :min_price")
        params["min_price"] = float(q.min_price) - 1e-6
    if q.max_price is not None:
        where.append("d.price_value <= :max_price")
        params["max_price"] = float(q.max_price) + 1e-6
    for i, tag in enumerate(q.diet):
        where.append(f"d.diet LIKE :diet{i}")
        params[f"diet{i}"] = f"%|{tag.strip().casefold()}|%"
    if q.near is not None:
        lat0, lat1, lon0, lon1 = bounding_box(q.near[0], q.near[1], q.within_km)
        where.append("d.lat BETWEEN :lat0 AND :lat1")
        params.update(lat0=lat0, lat1=lat1)
        if lon0 >= -180.0 and lon1 <= 180.0:  # skip the lon test across the antimeridian
            where.append("d.lon BETWEEN :lon0 AND :lon1")
            params.update(lon0=lon0, lon1=lon1)
    if crit.capacity is not None:
        clause = "d.capacity >= :cap"
        where.append(clause if crit.capacity_strict else f"(d.capacity IS NULL OR {clause})")
        params["cap"] = crit.capacity
    return Filters(where, params, q)


def and_where(where: Sequence[str]) -> str:
    """``" AND a AND b"`` (or empty) to append after a first condition."""
    return "".join(f" AND {w}" for w in where)


class BaseSearchIndex(ABC):
    """Shared logic; subclasses implement the SQL hooks for one dialect."""

    batch_size = 2000
    max_candidates = 5000
    #: Reads are local file reads of this process (no network round trip to wait on).
    in_process = False

    def __init__(
        self, engine: Engine, *, semantic: bool | None = None, encoder: Encoder | None = None
    ) -> None:
        self.engine = engine
        self.semantic_enabled = semantic_available() if semantic is None else semantic
        self.encoder = encoder or Encoder()
        self.matcher = SemanticMatcher(self.encoder, self._load_vectors)

    # ---- hooks -------------------------------------------------------------------------
    @abstractmethod
    def ensure_schema(self) -> None:
        """Create tables and indexes if missing (idempotent)."""

    @abstractmethod
    def _write(self, conn: Connection, docs: list[SearchDocument]) -> None: ...

    @abstractmethod
    def _write_vectors(self, conn: Connection, rows: list[tuple[str, bytes]]) -> None: ...

    @abstractmethod
    def _delete_provider(self, conn: Connection, provider_id: str) -> int: ...

    @abstractmethod
    def _exact_titles(self, conn: Connection, key: str, f: Filters, n: int) -> list[Row]:
        """Rows whose zh or en title key equals ``key``."""

    @abstractmethod
    def _matches(
        self, conn: Connection, terms: list[QueryTerm], any_term: bool, title_only: bool, f: Filters, n: int
    ) -> list[Row]:
        """Up to ``n`` rows matching every term (any term), in the title only or anywhere, newest first."""

    @abstractmethod
    def _by_doc_ids(self, conn: Connection, doc_ids: list[str], f: Filters) -> list[Row]: ...

    @abstractmethod
    def _browse(self, conn: Connection, f: Filters, n: int) -> list[Row]: ...

    @abstractmethod
    def _load_vectors(self) -> tuple[list[str], Matrix]: ...

    def optimize(self) -> None:
        """Compact the index and refresh planner statistics (after a bulk load); optional."""
        return None

    def _fuzzy(self, conn: Connection, text: str, f: Filters, n: int) -> list[tuple[Row, float]]:
        """Spelling-tolerant fallback when nothing matched; none by default."""
        return []

    def _lexical(
        self, conn: Connection, terms: list[QueryTerm], any_term: bool, f: Filters, n: int, text: str | None
    ) -> list[tuple[Row, float]]:
        """Exact titles, then title matches, then other matches (see the module docstring).

        The match scan runs first: when it returns fewer than ``n`` rows it holds every
        match, so titles are told apart in Python and the title scan is skipped (one index
        scan instead of two for rare words and for filters that leave little).
        """
        key = title_key(text)
        anywhere = self._matches(conn, terms, any_term, False, f, n)
        if len(anywhere) < n:
            return [(row, self._score(row, key, terms, any_term)) for row in anywhere]
        out: dict[str, tuple[Row, float]] = {}
        if key:
            for row in self._exact_titles(conn, key, f, n):
                out[row["doc_id"]] = (row, EXACT_SCORE)
        if len(out) < n:
            for row in self._matches(conn, terms, any_term, True, f, n):
                out.setdefault(row["doc_id"], (row, TITLE_SCORE + coverage(key, row)))
        for row in anywhere:
            out.setdefault(row["doc_id"], (row, TEXT_SCORE))
        return list(out.values())[:n]

    @staticmethod
    def _score(row: Row, key: str | None, terms: list[QueryTerm], any_term: bool) -> float:
        """The score the passes would give ``row``: exact title, title match or other match."""
        titles = [title_key(row["title_zh"]), title_key(row["title_en"])]
        if key and key in titles:
            return EXACT_SCORE
        tokens = set(tokenize(row["title_zh"])) | set(tokenize(row["title_en"]))
        found = (term_matches(t, tokens) for t in terms)
        return TITLE_SCORE + coverage(key, row) if (any(found) if any_term else all(found)) else TEXT_SCORE

    # ---- writes ------------------------------------------------------------------------
    def add(self, docs: Iterable[SearchDocument]) -> int:
        """Insert or replace documents by doc_id, in one transaction; returns the count."""
        count = 0
        with self.engine.begin() as conn:
            for batch in batched(docs, self.batch_size):
                self._write(conn, batch)
                if self.semantic_enabled:
                    vecs = self.encoder.encode([d.semantic_text() for d in batch])
                    self._write_vectors(
                        conn, [(d.doc_id, to_bytes(v)) for d, v in zip(batch, vecs, strict=True)]
                    )
                count += len(batch)
        self.matcher.invalidate()
        return count

    def remove_provider(self, provider_id: str) -> int:
        """Delete every document (and vector) of ``provider_id``; returns how many."""
        with self.engine.begin() as conn:
            removed = self._delete_provider(conn, provider_id)
        self.matcher.invalidate()
        return removed

    @property
    def quick(self) -> bool:
        """See :attr:`SearchIndex.quick`: the encoder (8-30 ms a query) or a database server's
        round trip would hold the event loop, so only an in-process index without it is quick."""
        return self.in_process and not self.semantic_enabled

    def written_elsewhere(self) -> None:
        """Another handle on the same tables wrote: forget the vectors this one has cached."""
        self.matcher.invalidate()

    # ---- reads -------------------------------------------------------------------------
    def _reading(self) -> AbstractContextManager[Connection]:
        """The connection a query reads through (a pooled one; a backend may keep one)."""
        return self.engine.connect()

    def _criteria(self, q: SearchQuery) -> Criteria:
        text, capacity, strict = q.text, q.min_capacity, q.min_capacity is not None
        if capacity is None:
            capacity, text = capacity_from_text(text)
        return Criteria(q, text, tuple(query_pieces(text)), capacity, strict)

    def query(self, q: SearchQuery) -> list[SearchHit]:
        """Lexical (+ semantic) candidates, filtered exactly, best first."""
        crit = self._criteria(q)
        f = sql_filters(q, crit)
        terms = list(dict.fromkeys(t for p in crit.pieces for t in p.terms))
        ranked: dict[str, Ranked] = {}
        n = max(q.limit * 4, 50) if crit.python_filtered else q.limit
        with self._reading() as conn:
            while True:
                ranked.clear()
                fetched = self._collect(conn, crit, terms, f, n, ranked)
                if len(ranked) >= q.limit or fetched < n or n >= self.max_candidates:
                    break
                n = min(n * 4, self.max_candidates)
            use_semantic = self.semantic_enabled if q.semantic is None else q.semantic
            if use_semantic and crit.text and crit.text.strip():
                self._merge_semantic(conn, crit, f, ranked)
        return order(list(ranked.values()), q.limit)

    def _collect(
        self,
        conn: Connection,
        crit: Criteria,
        terms: list[QueryTerm],
        f: Filters,
        n: int,
        ranked: dict[str, Ranked],
    ) -> int:
        """Fill ``ranked`` from SQL; returns how many rows SQL gave (to detect exhaustion)."""
        if not terms:
            rows = self._browse(conn, f, n)
            for row in rows:
                if (r := evaluate(row, crit)) is not None:
                    ranked[r.hit.doc_id] = r
            return len(rows)
        scored = self._lexical(conn, terms, False, f, n, crit.text)
        fuzzy = False
        if not scored and len(crit.pieces) > 1:
            scored = self._lexical(conn, terms, True, f, n, crit.text)  # no document has every word
        if not scored and crit.text:
            scored, fuzzy = self._fuzzy(conn, crit.text, f, n), True
        for row, score in scored:
            if (r := evaluate(row, crit, lexical_score=score, fuzzy=fuzzy)) is not None:
                ranked[r.hit.doc_id] = r
        return len(scored)

    def _merge_semantic(
        self, conn: Connection, crit: Criteria, f: Filters, ranked: dict[str, Ranked]
    ) -> None:
        assert crit.text is not None
        matches = self.matcher.candidates(crit.text, k=max(crit.query.limit, 20))
        if not matches:
            return
        sims = {m.doc_id: m.similarity for m in matches}
        for row in self._by_doc_ids(conn, list(sims), f):
            doc_id = row["doc_id"]
            if doc_id in ranked:
                prev = ranked[doc_id]
                prev.hit.why.append(f"similar meaning to {crit.text!r} ({sims[doc_id]:.2f})")
                continue
            if (r := evaluate(row, crit, similarity=sims[doc_id])) is not None:
                ranked[doc_id] = r
