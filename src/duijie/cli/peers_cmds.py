"""`duijie peers` commands (filled in by the feature's owner)."""

from __future__ import annotations

import click


@click.group()
def peers() -> None:
    """Peers and node records this node knows."""
