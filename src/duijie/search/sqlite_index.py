"""SQLite search index: a plain document table plus an FTS5 table joined by rowid.

The FTS5 table uses ``unicode61`` over the Python token string (see ``tokenize``), which
works on the stdlib SQLite 3.40.1 without extensions and matches two-character CJK words.
Its columns are the title tokens, the body tokens and the facet tokens (see ``facets``):
a query's text is restricted to ``{title body}`` and ANDed with the facets its filters
imply, so FTS5's own doclist intersection narrows by category and place.

FTS5 answers a prefix query (``beef*``) by merging the doclists of every token with that
prefix into memory before it returns a row (40-60 ms for a common English word at a
million listings). Prefix terms are therefore expanded from a small table of the indexed
words (``search_term``) into an OR of whole tokens, which FTS5 iterates lazily, newest
first, stopping at the LIMIT; only a prefix with very many words keeps ``*``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine

from duijie.search.base import SELECT_COLUMNS, BaseSearchIndex, Filters, Row, and_where
from duijie.search.documents import SearchDocument, category_key, diet_key
from duijie.search.facets import Facets
from duijie.search.ranking import title_key
from duijie.search.semantic import Matrix, from_bytes
from duijie.search.tokenize import PREFIX_MIN_LEN, QueryTerm

#: A prefix with more indexed words than this is left to FTS5's own ``*`` (rare, slow).
MAX_EXPANSIONS = 32

#: Up to this many documents a query uses no facet tokens. Each token is a b-tree seek of about
#: 7 us and a 10 km radius ORs 12 grid cells: on the demo network's index that was two thirds of
#: the search page's SQL time, to spare rows a small index does not have. Well under
#: ``max_candidates``, so the widening scan still sees every match.
SMALL_INDEX = 2000
#: Seconds the size read for :data:`SMALL_INDEX` is trusted (another process may have written).
SIZE_RECHECK_S = 5.0

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS search_doc (
        id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL UNIQUE,
        provider_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        title_zh TEXT, title_en TEXT, body TEXT NOT NULL DEFAULT '',
        category TEXT, category_key TEXT, diet TEXT NOT NULL DEFAULT '',
        price TEXT, price_value REAL, currency TEXT,
        lat REAL, lon REAL, location_ids TEXT NOT NULL DEFAULT '[]',
        hours TEXT, timezone TEXT, capacity INTEGER,
        node_url TEXT, subscriber_id TEXT, catalog_version TEXT, fetched_at TEXT,
        title_key_zh TEXT, title_key_en TEXT)""",
    "CREATE INDEX IF NOT EXISTS search_doc_title_zh ON search_doc (title_key_zh)",
    "CREATE INDEX IF NOT EXISTS search_doc_title_en ON search_doc (title_key_en)",
    "CREATE INDEX IF NOT EXISTS search_doc_provider ON search_doc (provider_id)",
    # No category or lat/lon index: the facet tokens narrow by category and place (see facets).
    # detail=column: no positions (we never run phrase queries), a smaller, faster index.
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        title, body, facets, tokenize = 'unicode61 remove_diacritics 0', detail = column)""",
    "CREATE TABLE IF NOT EXISTS search_term (term TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS search_vec (doc_id TEXT PRIMARY KEY, vec BLOB NOT NULL)",
)

_INSERT_DOC = (
    "INSERT INTO search_doc (id, doc_id, provider_id, kind, title_zh, title_en, body, category,"
    " category_key, diet, price, price_value, currency, lat, lon, location_ids, hours, timezone,"
    " capacity, node_url, subscriber_id, catalog_version, fetched_at, title_key_zh, title_key_en)"
    " VALUES (" + ", ".join("?" * 25) + ")"
)
_INSERT_FTS = "INSERT INTO search_fts (rowid, title, body, facets) VALUES (?, ?, ?, ?)"


def doc_row(row_id: int, d: SearchDocument) -> tuple[Any, ...]:
    """The search_doc row of a document (parameter tuple for executemany)."""
    return (
        row_id,
        d.doc_id,
        d.provider_id,
        d.kind,
        d.title_zh,
        d.title_en,
        d.body,
        d.category,
        category_key(d.category),
        diet_key(d.diet),
        None if d.price is None else str(d.price),
        None if d.price is None else float(d.price),
        d.currency,
        d.lat,
        d.lon,
        json.dumps(list(d.location_ids), ensure_ascii=False),
        d.hours,
        d.timezone,
        d.capacity,
        d.node_url,
        d.subscriber_id,
        d.catalog_version,
        None if d.fetched_at is None else d.fetched_at.isoformat(),
        title_key(d.title_zh),
        title_key(d.title_en),
    )


def fts_match(terms: list[QueryTerm], any_term: bool = False) -> str:
    """A plain FTS5 MATCH expression: quoted tokens, ``*`` for prefixes, AND (or OR)."""
    parts = [f'"{t.token}"' + ("*" if t.prefix else "") for t in terms]
    return (" OR " if any_term else " AND ").join(parts)


def facet_match(facets: Facets) -> str:
    """The facet-column part of a MATCH expression (every group, one token of each)."""
    groups = ["(" + " OR ".join(f'"{t}"' for t in g) + ")" for g in facets.groups]
    return "facets : (" + " AND ".join(groups) + ")"


def prefix_words(token_strings: list[str]) -> set[str]:
    """Indexed words a prefix query can expand to (Latin words of prefix length or more)."""
    return {
        w for s in token_strings for w in s.split() if len(w) >= PREFIX_MIN_LEN and w.isalpha() and w.isascii()
    }


class SqliteSearchIndex(BaseSearchIndex):
    """:class:`~duijie.search.query.SearchIndex` on SQLite (FTS5)."""

    in_process = True
    small_index = SMALL_INDEX

    def __init__(self, engine: Engine, **kwargs: Any) -> None:
        super().__init__(engine, **kwargs)
        self._kept: Connection | None = None
        self._kept_lock = threading.Lock()
        self._size: tuple[float, int] | None = None  # (monotonic time read, highest document id)

    def _small(self, conn: Connection) -> bool:
        """Whether the index holds at most :data:`SMALL_INDEX` documents, so a query leaves out the
        facet tokens (the exact filters decide alone, and one widened scan sees every match).

        The highest document id bounds the count (ids only grow); it is read again after this
        handle's writes and at least every :data:`SIZE_RECHECK_S` (another process may write)."""
        moment = time.monotonic()
        if self._size is None or moment - self._size[0] > SIZE_RECHECK_S:
            db = conn.connection.driver_connection
            assert db is not None
            self._size = (moment, int(db.execute("SELECT coalesce(max(id), 0) FROM search_doc").fetchone()[0]))
        return self._size[1] <= self.small_index

    def written_elsewhere(self) -> None:
        super().written_elsewhere()
        self._size = None

    def add(self, docs: Iterable[SearchDocument]) -> int:
        count = super().add(docs)
        self._size = None
        return count

    def remove_provider(self, provider_id: str) -> int:
        removed = super().remove_provider(provider_id)
        self._size = None
        return removed

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """One connection is kept for queries: checking one out of SQLAlchemy's pool and back
        costs a quick search a third of its SQL time (measured on the search page). It is never
        left in a transaction (reads go to the driver in autocommit), so each query sees every
        commit. A query arriving while another holds it (another thread) takes a pooled one."""
        if not self._kept_lock.acquire(blocking=False):
            with self.engine.connect() as conn:
                yield conn
            return
        try:
            if self._kept is None or self._kept.closed:
                self._kept = self.engine.connect()
            yield self._kept
        finally:
            if self._kept is not None and self._kept.in_transaction():
                self._kept.rollback()  # a read through SQLAlchemy began one: end its snapshot
            self._kept_lock.release()

    def ensure_schema(self) -> None:
        with self.engine.begin() as conn:
            cols = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(search_fts)")]
            if cols and "facets" not in cols:  # an index from before facets: rebuild it
                conn.exec_driver_sql("DROP TABLE IF EXISTS search_vocab")
                conn.exec_driver_sql("DROP TABLE search_fts")
            for stmt in _SCHEMA:
                conn.exec_driver_sql(stmt)
            if cols and "facets" not in cols:
                self._reindex(conn)

    def optimize(self) -> None:
        """Merge the FTS5 segments into one (after a bulk load; queries read fewer b-trees)."""
        with self.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
            conn.exec_driver_sql("ANALYZE")

    def _reindex(self, conn: Connection) -> None:
        rows = conn.exec_driver_sql(
            "SELECT id, doc_id, provider_id, kind, title_zh, title_en, body, category, diet, lat, lon"
            " FROM search_doc"
        ).all()
        docs = [
            (r[0], SearchDocument(r[1], r[2], r[3], r[4], r[5], r[6], r[7], tuple(filter(None, r[8].split("|"))),
                                  lat=r[9], lon=r[10]))
            for r in rows
        ]
        self._write_fts(conn, docs)

    def _write_fts(self, conn: Connection, docs: list[tuple[int, SearchDocument]]) -> None:
        fts = [(i, d.title_tokens(), d.body_tokens(), d.facet_tokens()) for i, d in docs]
        if fts:
            conn.exec_driver_sql(_INSERT_FTS, fts)
            words = prefix_words([f[1] for f in fts] + [f[2] for f in fts])
            conn.exec_driver_sql("INSERT OR IGNORE INTO search_term (term) VALUES (?)", [(w,) for w in words])

    def _write(self, conn: Connection, docs: list[SearchDocument]) -> None:
        ids = [d.doc_id for d in docs]
        marks = ",".join("?" * len(ids))
        old = [
            r[0]
            for r in conn.exec_driver_sql(f"SELECT id FROM search_doc WHERE doc_id IN ({marks})", tuple(ids))
        ]
        if old:
            old_marks = ",".join("?" * len(old))
            conn.exec_driver_sql(f"DELETE FROM search_fts WHERE rowid IN ({old_marks})", tuple(old))
            conn.exec_driver_sql(f"DELETE FROM search_doc WHERE id IN ({old_marks})", tuple(old))
            conn.exec_driver_sql(f"DELETE FROM search_vec WHERE doc_id IN ({marks})", tuple(ids))
        # Explicit rowids so the FTS rows can be written with executemany too; we hold the
        # write lock from the DELETE/INSERT in this transaction onwards. New rowids are
        # higher, so "newest first" is "highest rowid first".
        start = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM search_doc").scalar_one() + 1
        conn.exec_driver_sql(_INSERT_DOC, [doc_row(start + i, d) for i, d in enumerate(docs)])
        self._write_fts(conn, [(start + i, d) for i, d in enumerate(docs)])

    def _write_vectors(self, conn: Connection, rows: list[tuple[str, bytes]]) -> None:
        conn.exec_driver_sql("INSERT OR REPLACE INTO search_vec (doc_id, vec) VALUES (?, ?)", rows)

    def _delete_provider(self, conn: Connection, provider_id: str) -> int:
        conn.exec_driver_sql(
            "DELETE FROM search_vec WHERE doc_id IN (SELECT doc_id FROM search_doc WHERE provider_id = ?)",
            (provider_id,),
        )
        conn.exec_driver_sql(
            "DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_doc WHERE provider_id = ?)",
            (provider_id,),
        )
        return int(
            conn.exec_driver_sql("DELETE FROM search_doc WHERE provider_id = ?", (provider_id,)).rowcount
        )

    def _expand(self, conn: Connection, term: QueryTerm) -> str | None:
        """The MATCH sub-expression of one term; None when no indexed word can match it."""
        if not term.prefix:
            return f'"{term.token}"'
        words = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT term FROM search_term WHERE term >= ? AND term < ? LIMIT ?",
                (term.token, term.token + "\U0010ffff", MAX_EXPANSIONS + 1),
            )
        ]
        if len(words) > MAX_EXPANSIONS:
            return f'"{term.token}"*'
        return "(" + " OR ".join(f'"{w}"' for w in words) + ")" if words else None

    def _exact_titles(self, conn: Connection, key: str, f: Filters, n: int) -> list[Row]:
        # INDEXED BY: otherwise the planner may walk a filter index (category, lat) instead.
        sql = (
            " UNION ".join(
                f"SELECT {SELECT_COLUMNS} FROM search_doc AS d INDEXED BY search_doc_title_{lang}"
                f" WHERE d.title_key_{lang} = :tk{and_where(f.where)}"
                for lang in ("zh", "en")
            )
            + " LIMIT :n"
        )
        return _execute(conn, sql, {**f.params, "tk": key, "n": n})

    def _matches(
        self, conn: Connection, terms: list[QueryTerm], any_term: bool, title_only: bool, f: Filters, n: int
    ) -> list[Row]:
        parts = [self._expand(conn, t) for t in terms]
        if any_term:
            parts = [p for p in parts if p]
        if not parts or None in parts:
            return []
        expr = ("title" if title_only else "{title body}") + " : (" + (" OR " if any_term else " AND ").join(
            p for p in parts if p
        ) + ")"
        if f.facets and not self._small(conn):
            expr += " AND " + facet_match(f.facets)
        return self._fts_rows(conn, expr, f, n)

    def _fts_rows(self, conn: Connection, expr: str, f: Filters, n: int) -> list[Row]:
        sql = (
            f"SELECT {SELECT_COLUMNS} FROM search_fts CROSS JOIN search_doc AS d ON d.id = search_fts.rowid"
            f" WHERE search_fts MATCH :match{and_where(f.where)} ORDER BY search_fts.rowid DESC LIMIT :n"
        )
        return _execute(conn, sql, {**f.params, "match": expr, "n": n})

    def _by_doc_ids(self, conn: Connection, doc_ids: list[str], f: Filters) -> list[Row]:
        names = {f"id{i}": v for i, v in enumerate(doc_ids)}
        sql = (
            f"SELECT {SELECT_COLUMNS} FROM search_doc AS d"
            f" WHERE d.doc_id IN ({', '.join(':' + k for k in names)}){and_where(f.where)}"
        )
        return _execute(conn, sql, {**f.params, **names})

    def _browse(self, conn: Connection, f: Filters, n: int) -> list[Row]:
        if f.facets and not self._small(conn):  # the facet index narrows first; SQL then applies the exact filters
            return self._fts_rows(conn, facet_match(f.facets), f, n)
        cond = " AND ".join(f.where) or "1"
        return _execute(
            conn, f"SELECT {SELECT_COLUMNS} FROM search_doc AS d WHERE {cond} LIMIT :n", {**f.params, "n": n}
        )

    def _load_vectors(self) -> tuple[list[str], Matrix]:
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT doc_id, vec FROM search_vec ORDER BY doc_id").all()
        return [r[0] for r in rows], from_bytes([r[1] for r in rows])


def _execute(conn: Connection, sql: str, params: dict[str, Any]) -> list[Row]:
    """Rows of a read, as dicts, straight from the sqlite3 cursor.

    Measured on the search page: SQLAlchemy's ``text()`` compile and result wrapping cost four
    times the FTS query itself, so reads go to the driver (sqlite3 takes ``:name`` parameters).
    """
    cursor = conn.connection.driver_connection.execute(sql, params)  # type: ignore[union-attr]
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]
