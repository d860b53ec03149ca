"""Schema migrations with Alembic, driven programmatically (no alembic.ini to find)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migration scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``; safe to call on every start."""
    cfg = alembic_config()
    with engine.begin() as conn:
        hold_schema_lock(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def hold_schema_lock(conn: Connection) -> None:
    """Serialise schema changes across processes until ``conn``'s transaction ends.

    Two processes of one node may start at once on one PostgreSQL database; their concurrent
    ``CREATE TABLE`` (even ``IF NOT EXISTS``) collide in the catalog. SQLite needs nothing:
    its write lock already serialises them.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('duijie schema'))"))
