"""`duijie buy` commands (filled in by the feature's owner)."""

from __future__ import annotations

import click


@click.group()
def buy() -> None:
    """Buy from another node: search, order, status, cancel, rate."""
