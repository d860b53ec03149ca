"""`duijie search TEXT`: search the buyer node's local index of signed catalogs.

The query goes through the running node's JSON API (``GET /api/search``), so the index is
read by the process that owns it; start the node with `duijie serve` first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from duijie.cli.common import data_dir_option, user_errors
from duijie.cli.node_client import NodeClient, node_option


def _age(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds}s old"
    if seconds < 7200:
        return f"{seconds // 60}min old"
    return f"{seconds // 3600}h old"


def _line(r: dict[str, Any]) -> str:
    name = r["provider_name"].get("zh") or r["provider_name"].get("en") or r["provider_id"]
    where = f" @ {r['location']['name'].get('zh') or r['location']['name'].get('en')}" if r.get("location") else ""
    price = f"  {r['price']} {r['currency']}" if r.get("price") else ""
    dist = f"  {r['distance_km']} km" if r.get("distance_km") is not None else ""
    return (f"{r['title']}  [{r['kind']}]  {name}{where}{price}{dist}  ({_age(r['age_seconds'])}, {r['bpp_id']})\n"
            f"    why: {'; '.join(r['why'])}")


@click.command()
@click.argument("text", required=False, default="")
@data_dir_option
@node_option
@click.option("--near", default=None, metavar="LAT,LON", help="Only results within --within km of this point.")
@click.option("--within", type=float, default=None, metavar="KM", help="Radius for --near (default 10 km).")
@click.option("--open-at", "open_at", default=None, metavar="ISO8601", help="Only places open then (with offset).")
@click.option("--category", default=None, help="Only this category (e.g. street_food, private_room).")
@click.option("--kind", default=None, help="Only these kinds: provider,item,resource,job,offer.")
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON object.")
@user_errors
def search(text: str, data_dir: Path, node: str | None, near: str | None, within: float | None,
           open_at: str | None, category: str | None, kind: str | None, limit: int, as_json: bool) -> None:
    """Search what this buyer node has learned from its peers, in Chinese or English.

    Each result says why it matched and how old the merchant-signed catalog behind it is.
    """
    params: dict[str, Any] = {"q": text, "limit": limit}
    for key, value in (("near", near), ("within", within), ("open_at", open_at), ("category", category),
                       ("kind", kind)):
        if value is not None:
            params[key] = value
    data = NodeClient(data_dir, node).get("/api/search", **params)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    results = data.get("results", [])
    if not results:
        click.echo("no results")
    for r in results:
        click.echo(_line(r))
