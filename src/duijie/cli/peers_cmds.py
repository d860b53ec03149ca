"""`duijie peers`: the peers a running node polls and the verified node records it holds."""

from __future__ import annotations

import json
from pathlib import Path

import click

from duijie.cli.common import data_dir_option, user_errors
from duijie.cli.node_client import NodeClient, node_option
from duijie.l10n.cli_text import _


@click.group()
def peers() -> None:
    """Peers and node records this node knows."""


@peers.command("list")
@data_dir_option
@node_option
@click.option("--json", "as_json", is_flag=True, help="Print as one JSON object.")
@user_errors
def list_peers(data_dir: Path, node: str | None, as_json: bool) -> None:
    """Show peers (with failures), verified records and fetched catalogs."""
    data = NodeClient(data_dir, node).get("/api/peers")
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(_("peers:"))
    for p in data["peers"]:
        failures = _("failures={count}").format(count=p["failures"])
        click.echo(f"  {p['url']:<32} {p['subscriber_id'] or '?':<28} {failures}")
    click.echo(_("records:"))
    for r in data["records"]:
        roles = ",".join(r["roles"])
        click.echo(f"  {r['subscriber_id']:<28} {roles:<12} #{r['sequence']}  {' '.join(r['providers'])}")
    click.echo(_("catalogs held: {count}").format(count=len(data["catalogs"])))


@peers.command("add")
@click.argument("url")
@data_dir_option
@node_option
@user_errors
def add_peer(url: str, data_dir: Path, node: str | None) -> None:
    """Ask the running node to poll another node (its base URL, e.g. http://127.0.0.1:7701)."""
    NodeClient(data_dir, node).post("/api/peers", {"url": url})
    click.echo(_("peer added: {url}").format(url=url))
