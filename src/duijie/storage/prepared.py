"""Prebuilt Core statements that run straight on SQLite's DB-API connection.

Every message a node handles runs a handful of small statements. Through SQLAlchemy's execution
path (cache key, execution context, events, result object) each costs about 60 µs of CPU here,
ten times what SQLite itself takes; on the order path that was a quarter of a node's CPU.
A :class:`Prepared` statement is compiled once per set of parameter names to SQLite's SQL, keeps
the column types' own bind and result processors, and runs with ``sqlite3`` directly, inside the
transaction the unit of work opened on the same connection. On any other database it runs
through SQLAlchemy unchanged, so both paths share one statement definition.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.sql.expression import ClauseElement, Executable

Processor = Callable[[Any], Any] | None


class Rows(Protocol):
    """The part of a result the repositories use; SQLAlchemy's ``CursorResult`` has the same."""

    @property
    def rowcount(self) -> int: ...

    def first(self) -> Any: ...

    def all(self) -> Sequence[Any]: ...

    def scalar(self) -> Any: ...

    def scalar_one(self) -> Any: ...

    def scalar_one_or_none(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    fixed: dict[str, Any]  # values bound inside the statement itself (e.g. a literal state)
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]

    def values(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional parameters, each through its column type's bind processor."""
        out = []
        for name, bind in zip(self.names, self.binds, strict=True):
            value = params[name] if name in params else self.fixed[name]
            out.append(bind(value) if bind is not None else value)
        return out


def _driver(conn: Connection) -> sqlite3.Connection:
    db = conn.connection.driver_connection
    assert isinstance(db, sqlite3.Connection)
    return db


class _SqliteRows:
    """Rows of one executed statement, fetched at once (every statement here returns few)."""

    def __init__(self, cursor: sqlite3.Cursor, results: tuple[Processor, ...]) -> None:
        self.rowcount = cursor.rowcount
        raw = cursor.fetchall() if cursor.description else []
        if raw:
            row_type = _row_type(tuple(d[0] for d in cursor.description))
            if any(results):
                raw = [tuple(p(v) if p else v for p, v in zip(results, r, strict=False)) for r in raw]
            self._rows: list[Any] = [row_type._make(r) for r in raw]
        else:
            self._rows = []

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def all(self) -> list[Any]:
        return self._rows

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        if len(self._rows) != 1:
            raise LookupError(f"expected exactly one row, got {len(self._rows)}")
        return self._rows[0][0]

    def scalar_one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise LookupError(f"expected at most one row, got {len(self._rows)}")
        return self._rows[0][0] if self._rows else None

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


_ROW_TYPES: dict[tuple[str, ...], Any] = {}


def _row_type(fields: tuple[str, ...]) -> Any:
    found = _ROW_TYPES.get(fields)
    if found is None:
        found = _ROW_TYPES[fields] = namedtuple("Row", fields, rename=True)
    return found


def _fixed_value(compiled: Any, bind: Any) -> Any:
    """The value of a parameter the caller did not pass, as SQLAlchemy's own execution would bind it.

    A column's scalar Python-side default (insert or update) is filled in; a parameter with no
    value of its own is refused, as SQLAlchemy refuses it, instead of being bound as NULL.
    """
    for column in (*compiled.insert_prefetch, *compiled.update_prefetch):
        if column.key == bind.key:
            default = column.default if column in compiled.insert_prefetch else column.onupdate
            if default is None or not default.is_scalar:
                raise StatementError(f"Prepared cannot compute the default of column {column.key!r}; pass a value",
                                     None, None, None)
            return default.arg
    if bind.required:
        raise StatementError(f"A value is required for bind parameter {bind.key!r}", None, None, None)
    return bind.effective_value


class Prepared:
    """A Core statement with a fast SQLite path; build it once, at module level."""

    def __init__(self, statement: Executable) -> None:
        assert isinstance(statement, ClauseElement)
        self.statement = statement
        self._compiled: dict[tuple[str, ...], _Compiled] = {}

    def run(self, conn: Connection, params: Mapping[str, Any] | None = None) -> Rows:
        """Execute with ``params`` in the connection's open transaction.

        A unique-constraint violation raises SQLAlchemy's ``IntegrityError`` on both paths.
        """
        params = params or {}
        if conn.dialect.name != "sqlite":
            return conn.execute(self.statement, dict(params))
        compiled = self._compile(conn.dialect, tuple(sorted(params)))
        values = compiled.values(params)
        try:
            cursor = _driver(conn).execute(compiled.sql, values)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(compiled.sql, values, exc) from exc
        return _SqliteRows(cursor, compiled.results)

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute once per parameter set (one ``executemany``); every set has the same names."""
        if not rows:
            return
        if conn.dialect.name != "sqlite":
            conn.execute(self.statement, [dict(r) for r in rows])
            return
        compiled = self._compile(conn.dialect, tuple(sorted(rows[0])))
        values = [compiled.values(r) for r in rows]
        try:
            _driver(conn).executemany(compiled.sql, values)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(compiled.sql, values, exc) from exc

    def _compile(self, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
        found = self._compiled.get(keys)
        if found is not None:
            return found
        statement: Any = self.statement
        compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys))
        names = tuple(compiled.positiontup or ())
        binds = compiled.binds
        if any(binds[n].expanding for n in names):
            raise ValueError("expanding (IN list) parameters are not supported by Prepared")
        columns = list(getattr(self.statement, "exported_columns", ()))
        found = _Compiled(
            sql=compiled.string,
            names=names,
            fixed={n: _fixed_value(compiled, binds[n]) for n in names if n not in keys},
            binds=tuple(binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names),
            results=tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns),
        )
        self._compiled[keys] = found
        return found
