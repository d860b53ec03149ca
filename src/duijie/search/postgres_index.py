"""PostgreSQL search index: one table with a weighted ``simple`` tsvector and a GIN index.

The tsvector is built from the Python token string (see ``tokenize``), because the
``simple`` parser keeps a CJK run as one token. pg_trgm, when it can be created, backs a
spelling-tolerant fallback on English titles.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from duijie.search.base import SELECT_COLUMNS, BaseSearchIndex, Filters, Row, and_where
from duijie.search.documents import SearchDocument, category_key, diet_key
from duijie.search.semantic import Matrix, from_bytes
from duijie.search.tokenize import QueryTerm

#: Minimum pg_trgm similarity for the fuzzy fallback.
FUZZY_THRESHOLD = 0.3

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS search_doc (
        id BIGSERIAL PRIMARY KEY,
        doc_id TEXT NOT NULL UNIQUE,
        provider_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        title_zh TEXT, title_en TEXT, body TEXT NOT NULL DEFAULT '',
        category TEXT, category_key TEXT, diet TEXT NOT NULL DEFAULT '',
        price TEXT, price_value DOUBLE PRECISION, currency TEXT,
        lat DOUBLE PRECISION, lon DOUBLE PRECISION, location_ids JSONB NOT NULL DEFAULT '[]',
        hours TEXT, timezone TEXT, capacity INTEGER,
        node_url TEXT, subscriber_id TEXT, catalog_version TEXT, fetched_at TIMESTAMPTZ,
        tsv TSVECTOR NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS search_doc_tsv ON search_doc USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS search_doc_provider ON search_doc (provider_id)",
    "CREATE INDEX IF NOT EXISTS search_doc_lat ON search_doc (lat, lon)",
    "CREATE INDEX IF NOT EXISTS search_doc_category ON search_doc (category_key)",
    """CREATE TABLE IF NOT EXISTS search_vec (
        doc_id TEXT PRIMARY KEY REFERENCES search_doc (doc_id) ON DELETE CASCADE,
        vec BYTEA NOT NULL)""",
)
_TRGM = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_doc_title_trgm ON search_doc"
    " USING gin (lower(coalesce(title_en, '')) gin_trgm_ops)",
)

_COLUMNS = (
    "doc_id",
    "provider_id",
    "kind",
    "title_zh",
    "title_en",
    "body",
    "category",
    "category_key",
    "diet",
    "price",
    "price_value",
    "currency",
    "lat",
    "lon",
    "location_ids",
    "hours",
    "timezone",
    "capacity",
    "node_url",
    "subscriber_id",
    "catalog_version",
    "fetched_at",
)
_UPSERT = (
    f"INSERT INTO search_doc ({', '.join(_COLUMNS)}, tsv) VALUES ("
    + ", ".join(f"%({c})s" for c in _COLUMNS)
    + ", setweight(to_tsvector('simple', %(tt)s), 'A') || setweight(to_tsvector('simple', %(bt)s), 'D'))"
    " ON CONFLICT (doc_id) DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in (*_COLUMNS[1:], "tsv"))
)


def doc_params(d: SearchDocument) -> dict[str, Any]:
    """Parameters of the upsert for one document."""
    import json

    return {
        "doc_id": d.doc_id,
        "provider_id": d.provider_id,
        "kind": d.kind,
        "title_zh": d.title_zh,
        "title_en": d.title_en,
        "body": d.body,
        "category": d.category,
        "category_key": category_key(d.category),
        "diet": diet_key(d.diet),
        "price": None if d.price is None else str(d.price),
        "price_value": None if d.price is None else float(d.price),
        "currency": d.currency,
        "lat": d.lat,
        "lon": d.lon,
        "location_ids": json.dumps(list(d.location_ids), ensure_ascii=False),
        "hours": d.hours,
        "timezone": d.timezone,
        "capacity": d.capacity,
        "node_url": d.node_url,
        "subscriber_id": d.subscriber_id,
        "catalog_version": d.catalog_version,
        "fetched_at": d.fetched_at,
        "tt": d.title_tokens(),
        "bt": d.body_tokens(),
    }


def tsquery(terms: list[QueryTerm], any_term: bool = False) -> str:
    """A to_tsquery('simple', ...) expression: ``:*`` for prefixes, & (or |)."""
    parts = [f"'{t.token}'" + (":*" if t.prefix else "") for t in terms]
    return (" | " if any_term else " & ").join(parts)


class PostgresSearchIndex(BaseSearchIndex):
    """:class:`~duijie.search.query.SearchIndex` on PostgreSQL (tsvector + ts_rank)."""

    trigram = False

    def ensure_schema(self) -> None:
        with self.engine.begin() as conn:
            for stmt in _SCHEMA:
                conn.exec_driver_sql(stmt)
        try:  # needs CREATE privilege on the database; fuzzy matching is optional
            with self.engine.begin() as conn:
                for stmt in _TRGM:
                    conn.exec_driver_sql(stmt)
            self.trigram = True
        except DBAPIError:
            self.trigram = False

    def _write(self, conn: Connection, docs: list[SearchDocument]) -> None:
        conn.exec_driver_sql(_UPSERT, [doc_params(d) for d in docs])

    def _write_vectors(self, conn: Connection, rows: list[tuple[str, bytes]]) -> None:
        conn.exec_driver_sql(
            "INSERT INTO search_vec (doc_id, vec) VALUES (%s, %s)"
            " ON CONFLICT (doc_id) DO UPDATE SET vec = EXCLUDED.vec",
            rows,
        )

    def _delete_provider(self, conn: Connection, provider_id: str) -> int:
        result = conn.execute(text("DELETE FROM search_doc WHERE provider_id = :p"), {"p": provider_id})
        return int(result.rowcount)

    def _lexical(
        self, conn: Connection, terms: list[QueryTerm], any_term: bool, f: Filters, n: int, text: str | None
    ) -> list[tuple[Row, float]]:
        where, params = f
        sql = (
            f"SELECT {SELECT_COLUMNS}, ts_rank(d.tsv, query) AS rank"
            " FROM search_doc AS d, to_tsquery('simple', :tsq) AS query"
            f" WHERE d.tsv @@ query{and_where(where)} ORDER BY rank DESC LIMIT :n"
        )
        rows = _execute(conn, sql, {**params, "tsq": tsquery(terms, any_term), "n": n})
        return [(r, float(r["rank"]) * 10.0) for r in rows]

    def _fuzzy(self, conn: Connection, text_: str, f: Filters, n: int) -> list[tuple[Row, float]]:
        if not self.trigram or not text_.isascii():
            return []
        where, params = f
        sql = (
            f"SELECT {SELECT_COLUMNS}, similarity(lower(coalesce(d.title_en, '')), :q) AS sim"
            f" FROM search_doc AS d WHERE lower(coalesce(d.title_en, '')) % :q{and_where(where)}"
            " ORDER BY sim DESC LIMIT :n"
        )
        rows = _execute(conn, sql, {**params, "q": text_.lower(), "n": n})
        return [(r, float(r["sim"])) for r in rows if float(r["sim"]) >= FUZZY_THRESHOLD]

    def _by_doc_ids(self, conn: Connection, doc_ids: list[str], f: Filters) -> list[Row]:
        where, params = f
        sql = f"SELECT {SELECT_COLUMNS} FROM search_doc AS d WHERE d.doc_id = ANY(:ids){and_where(where)}"
        return _execute(conn, sql, {**params, "ids": doc_ids})

    def _browse(self, conn: Connection, f: Filters, n: int) -> list[Row]:
        where, params = f
        cond = " AND ".join(where) or "TRUE"
        return _execute(
            conn, f"SELECT {SELECT_COLUMNS} FROM search_doc AS d WHERE {cond} LIMIT :n", {**params, "n": n}
        )

    def _load_vectors(self) -> tuple[list[str], Matrix]:
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT doc_id, vec FROM search_vec ORDER BY doc_id").all()
        return [r[0] for r in rows], from_bytes([bytes(r[1]) for r in rows])


def _execute(conn: Connection, sql: str, params: dict[str, Any]) -> list[Row]:
    return [r._mapping for r in conn.execute(text(sql), params)]
