"""`duijie search TEXT`: ask the network now and search the buyer node's local index.

The query goes through the running node's JSON API (``GET /api/search``), so the node that
owns the index and the buyer keys sends the Beckn ``search`` and merges the answers; start it
with `duijie serve` first. By default the network is asked when the node knows a gateway or a
seller (``--live`` / ``--no-live`` decide it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from duijie.cli.common import user_errors
from duijie.cli.node_client import NodeClient, node_option, obvious_data_dir, optional_data_dir_option


def _age(r: dict[str, Any]) -> str:
    if r.get("source") == "live":
        return "live"
    seconds = int(r["age_seconds"])
    if seconds < 120:
        return f"indexed, {seconds}s old"
    if seconds < 7200:
        return f"indexed, {seconds // 60}min old"
    return f"indexed, {seconds // 3600}h old"


def _line(r: dict[str, Any]) -> str:
    name = r["provider_name"].get("zh") or r["provider_name"].get("en") or r["provider_id"]
    loc = r.get("location")
    where = f" @ {loc['name'].get('zh') or loc['name'].get('en') or loc['id']}" if loc else ""
    price = f"  {r['price']} {r['currency']}" if r.get("price") else ""
    dist = f"  {r['distance_km']} km" if r.get("distance_km") is not None else ""
    job = r.get("job") or {}
    apply = f"\n    apply: {job['how_to_apply']}" if job.get("how_to_apply") else ""
    return (f"{r['title']}  [{r['kind']}]  {name}{where}{price}{dist}  ({_age(r)}, {r['bpp_id']})\n"
            f"    why: {'; '.join(r['why'])}{apply}")


def _summary(live: dict[str, Any] | None) -> str | None:
    if not live:
        return None
    asked = ", ".join(f"{t['subscriber_id']} ({t['role']})" for t in live["asked"]) or "nobody"
    answered = ", ".join(live["answered"]) or "none"
    line = f"asked {asked}; answered within {live['wait_seconds']:g} s: {answered}"
    if live["failed"]:
        line += f"; not reached: {', '.join(live['failed'])}"
    return line


@click.command()
@click.argument("text", required=False, default="")
@optional_data_dir_option
@node_option
@click.option("--live/--no-live", "live", default=None,
              help="Ask the network now (the gateways this node knows, else the sellers) and merge the answers "
                   "with the local index. Default: live when the node knows a gateway or seller.")
@click.option("--wait", type=click.FloatRange(0, 10), default=2.0, show_default=True, metavar="SECONDS",
              help="How long to wait for live answers (it stops early once every known seller answered).")
@click.option("--near", default=None, metavar="LAT,LON", help="Only results within --within km of this point.")
@click.option("--within", type=float, default=None, metavar="KM", help="Radius for --near (default 10 km).")
@click.option("--open-at", "open_at", default=None, metavar="ISO8601", help="Only places open then (with offset).")
@click.option("--category", default=None, help="Only this category (e.g. street_food, private_room).")
@click.option("--kind", default=None, help="Only these kinds: provider,item,resource,job,offer.")
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON object.")
@user_errors
def search(text: str, data_dir: Path | None, node: str | None, live: bool | None, wait: float, near: str | None,
           within: float | None, open_at: str | None, category: str | None, kind: str | None, limit: int,
           as_json: bool) -> None:
    """Search the network and what this buyer node has learned, in Chinese or English.

    Each result is marked live (a seller answered just now) or indexed (from a merchant-signed
    catalog held here, with its age), and says why it matched. The node is --node, or the one
    in --data-dir, or the one obvious data dir (the current directory or its only node subdirectory).
    """
    if node is None and data_dir is None:
        data_dir = obvious_data_dir()
    params: dict[str, Any] = {"q": text, "limit": limit, "live": "auto" if live is None else str(int(live)),
                              "wait": wait}
    for key, value in (("near", near), ("within", within), ("open_at", open_at), ("category", category),
                       ("kind", kind)):
        if value is not None:
            params[key] = value
    data = NodeClient(data_dir, node, timeout=wait + 30).get("/api/search", **params)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    results = data.get("results", [])
    if not results:
        click.echo("no results")
    for r in results:
        click.echo(_line(r))
    summary = _summary(data.get("live"))
    if summary:
        click.echo(summary)
