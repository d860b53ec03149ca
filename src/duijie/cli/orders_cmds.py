"""`duijie orders` commands (filled in by the feature's owner)."""

from __future__ import annotations

import click


@click.group()
def orders() -> None:
    """The merchant's inbox of orders: list, accept, decline, ready, complete."""
