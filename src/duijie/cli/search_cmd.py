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
from duijie.l10n.cli_text import _


def _age(r: dict[str, Any]) -> str:
    if r.get("source") == "live":
        return _("live")
    seconds = int(r["age_seconds"])
    if seconds < 120:
        return _("indexed, {n}s old").format(n=seconds)
    if seconds < 7200:
        return _("indexed, {n}min old").format(n=seconds // 60)
    return _("indexed, {n}h old").format(n=seconds // 3600)


def _line(r: dict[str, Any]) -> str:
    name = r["provider_name"].get("zh") or r["provider_name"].get("en") or r["provider_id"]
    loc = r.get("location")
    where = f" @ {loc['name'].get('zh') or loc['name'].get('en') or loc['id']}" if loc else ""
    price = f"  {r['price']} {r['currency']}" if r.get("price") else ""
    dist = f"  {r['distance_km']} km" if r.get("distance_km") is not None else ""
    job = r.get("job") or {}
    apply = "\n    " + _("apply: {how}").format(how=job["how_to_apply"]) if job.get("how_to_apply") else ""
    return (f"{r['title']}  [{r['kind']}]  {name}{where}{price}{dist}  ({_age(r)}, {r['bpp_id']})\n"
            "    " + _("why: {reasons}").format(reasons="; ".join(r["why"])) + apply)


def _summary(live: dict[str, Any] | None) -> str | None:
    if not live:
        return None
    asked = ", ".join(f"{t['subscriber_id']} ({t['role']})" for t in live["asked"]) or _("nobody")
    answered = ", ".join(live["answered"]) or _("none")
    line = _("asked {asked}; answered within {wait} s: {answered}").format(
        asked=asked, wait=f"{live['wait_seconds']:g}", answered=answered)
    if live["failed"]:
        line += _("; not reached: {nodes}").format(nodes=", ".join(live["failed"]))
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
    in --data-dir, or the one obvious node (see --data-dir): e.g. the buyer of a running `duijie demo`.
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
        click.echo(_("no results"))
        click.echo(_("try other words (Chinese or English), fewer filters, or --wait longer for live answers"),
                   err=True)
    for r in results:
        click.echo(_line(r))
    summary = _summary(data.get("live"))
    if summary:
        click.echo(summary)
