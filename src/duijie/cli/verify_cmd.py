"""`duijie verify FILE` (filled in by the receipts feature)."""

from __future__ import annotations

import click


@click.command()
@click.argument("file")
def verify(file: str) -> None:
    """Check a receipt offline and print what it proves."""
    raise click.ClickException("not implemented yet")
