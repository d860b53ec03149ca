"""Alembic environment: runs with the connection handed over by duijie.storage.migrate."""

from __future__ import annotations

from alembic import context

from duijie.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when someone runs plain `alembic`
    raise RuntimeError("run migrations through `duijie.storage.migrate.upgrade(engine)`")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
