"""Timestamps read back from the database are always aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Dialect


def as_bound(column: Column[Any], dialect: Dialect, value: datetime) -> Any:
    """``value`` as SQLAlchemy would bind it to ``column``, for statements run on the DB-API directly."""
    bind = column.type.dialect_impl(dialect).bind_processor(dialect)
    return bind(value) if bind is not None else value


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for values written as UTC: mark them as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
