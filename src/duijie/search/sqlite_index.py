"""SQLite search index: a plain document table plus an FTS5 table joined by rowid.

The FTS5 table uses ``unicode61`` over the Python token string (see ``tokenize``), which
works on the stdlib SQLite 3.40.1 without extensions and matches two-character CJK words.
Two columns (title, body) let bm25 weight titles ten to one.

bm25 costs about 9 us per matching row here, so ranking every match of a common word
(凉皮 in 5% of a million listings) would take hundreds of milliseconds. The index therefore
estimates the match count from an ``fts5vocab`` table first: small sets are ranked by
bm25; large ones take exact-title rows (indexed key), then the newest title matches, then
the newest other matches, each a cheap rowid-ordered scan, scored by how much of the
title the query covers.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection

from duijie.search.base import SELECT_COLUMNS, BaseSearchIndex, Filters, Row, and_where
from duijie.search.documents import SearchDocument, category_key, diet_key
from duijie.search.semantic import Matrix, from_bytes
from duijie.search.tokenize import QueryTerm, normalize

TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
#: Above this estimated match count, skip bm25 and use the bounded, rowid-ordered path.
BM25_MAX_MATCHES = 1500

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
    "CREATE INDEX IF NOT EXISTS search_doc_lat ON search_doc (lat, lon)",
    "CREATE INDEX IF NOT EXISTS search_doc_category ON search_doc (category_key)",
    # detail=column: no positions (we never run phrase queries), a smaller, faster index.
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        title, body, tokenize = 'unicode61 remove_diacritics 0', detail = column)""",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_vocab USING fts5vocab(search_fts, 'row')",
    "CREATE TABLE IF NOT EXISTS search_vec (doc_id TEXT PRIMARY KEY, vec BLOB NOT NULL)",
)

_INSERT_DOC = (
    "INSERT INTO search_doc (id, doc_id, provider_id, kind, title_zh, title_en, body, category,"
    " category_key, diet, price, price_value, currency, lat, lon, location_ids, hours, timezone,"
    " capacity, node_url, subscriber_id, catalog_version, fetched_at, title_key_zh, title_key_en)"
    " VALUES (" + ", ".join("?" * 25) + ")"
)


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


def title_key(title: str | None) -> str | None:
    """A title normalised for exact-match lookup (case, width, spaces ignored)."""
    return "".join(normalize(title).split()) or None if title else None


def fts_match(terms: list[QueryTerm], any_term: bool = False) -> str:
    """An FTS5 MATCH expression: quoted tokens, ``*`` for prefixes, AND (or OR)."""
    parts = [f'"{t.token}"' + ("*" if t.prefix else "") for t in terms]
    return (" OR " if any_term else " AND ").join(parts)


class SqliteSearchIndex(BaseSearchIndex):
    """:class:`~duijie.search.query.SearchIndex` on SQLite (FTS5 + bm25)."""

    bm25_max_matches = BM25_MAX_MATCHES

    def ensure_schema(self) -> None:
        with self.engine.begin() as conn:
            for stmt in _SCHEMA:
                conn.exec_driver_sql(stmt)

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
        # write lock from the DELETE/INSERT in this transaction onwards.
        start = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM search_doc").scalar_one() + 1
        conn.exec_driver_sql(_INSERT_DOC, [doc_row(start + i, d) for i, d in enumerate(docs)])
        conn.exec_driver_sql(
            "INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)",
            [(start + i, d.title_tokens(), d.body_tokens()) for i, d in enumerate(docs)],
        )

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

    def _lexical(
        self, conn: Connection, terms: list[QueryTerm], any_term: bool, f: Filters, n: int, text: str | None
    ) -> list[tuple[Row, float]]:
        match = fts_match(terms, any_term)
        if self._estimate(conn, terms, any_term) <= self.bm25_max_matches:
            return self._bm25(conn, match, f, n)
        return self._bounded(conn, match, f, n, text)

    def _estimate(self, conn: Connection, terms: list[QueryTerm], any_term: bool) -> int:
        """An upper bound of the match count from document frequencies (fts5vocab)."""
        counts = []
        for t in terms:
            if t.prefix:
                sql, args = (
                    "SELECT sum(doc) FROM search_vocab WHERE term >= ? AND term < ?",
                    (t.token, t.token + "\U0010ffff"),
                )
            else:
                sql, args = "SELECT doc FROM search_vocab WHERE term = ?", (t.token,)
            counts.append(int(conn.exec_driver_sql(sql, args).scalar() or 0))
        return (sum(counts) if any_term else min(counts)) if counts else 0

    def _bm25(self, conn: Connection, match: str, f: Filters, n: int) -> list[tuple[Row, float]]:
        where, params = f
        sql = (
            f"SELECT {SELECT_COLUMNS}, bm25(search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS rank"
            " FROM search_fts CROSS JOIN search_doc AS d ON d.id = search_fts.rowid"
            f" WHERE search_fts MATCH :match{and_where(where)} ORDER BY rank LIMIT :n"
        )
        rows = _execute(conn, sql, {**params, "match": match, "n": n})
        return [(r, -float(r["rank"])) for r in rows]

    def _bounded(
        self, conn: Connection, match: str, f: Filters, n: int, text: str | None
    ) -> list[tuple[Row, float]]:
        """Exact titles, then newest title matches, then newest other matches (no bm25)."""
        where, params = f
        out: dict[str, tuple[Row, float]] = {}
        key = title_key(text)
        if key:
            # INDEXED BY: otherwise the planner may walk a filter index (category, lat) instead.
            sql = (
                " UNION ".join(
                    f"SELECT {SELECT_COLUMNS} FROM search_doc AS d INDEXED BY search_doc_title_{lang}"
                    f" WHERE d.title_key_{lang} = :tk{and_where(where)}"
                    for lang in ("zh", "en")
                )
                + " LIMIT :n"
            )
            for r in _execute(conn, sql, {**params, "tk": key, "n": n}):
                out[r["doc_id"]] = (r, 3.0)
        for expr, base in ((f"{{title}} : ({match})", 1.0), (match, 0.0)):
            if len(out) >= n:
                break
            sql = (
                f"SELECT {SELECT_COLUMNS} FROM search_fts"
                " CROSS JOIN search_doc AS d ON d.id = search_fts.rowid"
                f" WHERE search_fts MATCH :match{and_where(where)} ORDER BY search_fts.rowid DESC LIMIT :n"
            )
            for r in _execute(conn, sql, {**params, "match": expr, "n": n}):
                if r["doc_id"] not in out:
                    out[r["doc_id"]] = (r, base + _coverage(key, r) if base else base)
        return list(out.values())[:n]

    def _by_doc_ids(self, conn: Connection, doc_ids: list[str], f: Filters) -> list[Row]:
        where, params = f
        names = {f"id{i}": v for i, v in enumerate(doc_ids)}
        sql = (
            f"SELECT {SELECT_COLUMNS} FROM search_doc AS d"
            f" WHERE d.doc_id IN ({', '.join(':' + k for k in names)}){and_where(where)}"
        )
        return _execute(conn, sql, {**params, **names})

    def _browse(self, conn: Connection, f: Filters, n: int) -> list[Row]:
        where, params = f
        cond = " AND ".join(where) or "1"
        return _execute(
            conn, f"SELECT {SELECT_COLUMNS} FROM search_doc AS d WHERE {cond} LIMIT :n", {**params, "n": n}
        )

    def _load_vectors(self) -> tuple[list[str], Matrix]:
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT doc_id, vec FROM search_vec ORDER BY doc_id").all()
        return [r[0] for r in rows], from_bytes([r[1] for r in rows])


def _coverage(key: str | None, row: Row) -> float:
    """How much of the shortest matching title the query covers (0..1]."""
    if not key:
        return 0.0
    lengths = [len(k) for t in (row["title_zh"], row["title_en"]) if (k := title_key(t))]
    return min(1.0, len(key) / min(lengths)) if lengths else 0.0


def _execute(conn: Connection, sql: str, params: dict[str, Any]) -> list[Row]:
    from sqlalchemy import text

    return [r._mapping for r in conn.execute(text(sql), params)]
