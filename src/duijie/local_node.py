"""A node's database opened from the command line, without serving: for edits made offline.

A running server notices such a change itself (its cached views re-check the stored version, the
next peer-exchange round re-publishes the node record, accounts are read at each sign-in).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from duijie.services.accounts import AccountService
from duijie.services.ports import SystemClock
from duijie.services.trade.catalog import CatalogService
from duijie.storage import migrate
from duijie.storage.engine import make_engine, sqlite_url
from duijie.storage.node_config import NodeConfig, load_config
from duijie.storage.uow import SqlUnitOfWorkFactory


def open_database(data_dir: Path, db_url: str | None, *, serving: bool = False) -> Engine:
    """Open (and migrate) the node's database: SQLite in the data dir unless a URL is given.

    A serving node checkpoints SQLite's WAL in the background (see :mod:`duijie.storage.checkpoint`).
    """
    engine = make_engine(db_url or sqlite_url(data_dir), background_checkpoints=serving)
    migrate.upgrade(engine)
    return engine


def _open(data_dir: Path, db_url: str | None) -> tuple[NodeConfig, SqlUnitOfWorkFactory]:
    config = load_config(data_dir)
    return config, SqlUnitOfWorkFactory(open_database(data_dir, db_url or config.db_url))


def open_catalog(data_dir: Path, *, db_url: str | None = None) -> CatalogService:
    """Just the listing use cases over the node's database, for command-line edits."""
    _config, uow = _open(data_dir, db_url)
    return CatalogService(uow, SystemClock())


def open_accounts(data_dir: Path, *, db_url: str | None = None) -> AccountService:
    """The merchant accounts over the node's database, for ``duijie users``."""
    config, uow = _open(data_dir, db_url)
    return AccountService(uow, SystemClock(), config.admin_token_matches)
