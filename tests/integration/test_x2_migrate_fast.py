"""A database already at the newest schema revision is opened without importing Alembic (one
query of ``alembic_version``); a fresh database and one a revision behind are still migrated, on
SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from duijie.storage import migrate

OPEN_AT_HEAD = """
import sys
from duijie.storage import migrate
from duijie.storage.engine import make_engine
migrate.upgrade(make_engine(sys.argv[1]))
print("alembic" in sys.modules, sorted(m for m in sys.modules if m.startswith(("mako", "pygments"))))
"""


def _alembic_says(engine: Engine) -> str | None:
    """The revision as Alembic itself reads it."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_the_head_constant_is_the_newest_migration_script() -> None:
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    assert migrate.HEAD_REVISION == head, "set HEAD_REVISION in storage/migrate.py to the newest revision"


def test_a_fresh_database_is_migrated_to_head(empty_engine: Engine) -> None:
    with empty_engine.connect() as conn:
        assert migrate.stored_revisions(conn) == set()  # no alembic_version table yet: no error
    migrate.upgrade(empty_engine)
    assert _alembic_says(empty_engine) == migrate.HEAD_REVISION
    assert {"orders", "pool_consents", "batch_orders"} <= set(inspect(empty_engine).get_table_names())


def test_a_database_at_head_is_opened_without_importing_alembic(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    url = empty_engine.url.render_as_string(hide_password=False)
    out = subprocess.run([sys.executable, "-c", OPEN_AT_HEAD, url], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "False []"


def test_a_database_one_revision_behind_is_upgraded(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    cfg = migrate.alembic_config()
    with empty_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    assert _alembic_says(empty_engine) != migrate.HEAD_REVISION
    assert "pool_consents" not in inspect(empty_engine).get_table_names()
    migrate.upgrade(empty_engine)
    assert _alembic_says(empty_engine) == migrate.HEAD_REVISION
    assert "pool_consents" in inspect(empty_engine).get_table_names()
