"""Schema migrations with Alembic, driven programmatically (no alembic.ini to find).

Every command that opens a node's database calls :func:`upgrade`. Alembic (with Mako and
Pygments behind it) costs more start-up time than most commands' own work, so a database already
at :data:`HEAD_REVISION` is recognised by one query and Alembic is imported only when there is
something to migrate.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

_MIGRATIONS = Path(__file__).parent / "migrations"

HEAD_REVISION = "0012"
"""The newest revision in ``migrations/versions``; a unit test keeps it in step with the scripts."""


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migration scripts."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def stored_revisions(conn: Connection) -> set[str]:
    """The revisions the database says it is at (none for a fresh database)."""
    if not inspect(conn).has_table("alembic_version"):
        return set()
    return {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``; safe (and cheap, at head) to call on every start."""
    if revision == "head":
        # read_only: a plain read on SQLite, not the write lock a serving node may be holding
        with engine.connect().execution_options(read_only=True) as conn:
            if stored_revisions(conn) == {HEAD_REVISION}:
                return
    from alembic import command

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
