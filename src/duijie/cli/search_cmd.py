"""`duijie search TEXT` (filled in by the discovery feature)."""

from __future__ import annotations

import click


@click.command()
@click.argument("text")
def search(text: str) -> None:
    """Search the network from this node."""
    raise click.ClickException("not implemented yet")
