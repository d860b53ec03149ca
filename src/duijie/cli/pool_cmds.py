"""`duijie pool` (云拼: open, list, show, propose, cancel; pledge, change, withdraw, consent) and the
producer's `duijie demand`.

Each talks to the running node's JSON API with its admin token, like `duijie orders`.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from duijie.cli import http_client
from duijie.cli.common import Failure, data_dir_option, echo_list, user_errors
from duijie.cli.node_client import NodeClient, node_option, refused, unreachable
from duijie.l10n.cli_text import _

STATES = ("OPEN", "CLOSING", "SUCCEEDED", "FAILED", "CANCELLED")
_RELATIVE = re.compile(r"^\+(\d+)([smhd])$")


def _deadline(text: str) -> str:
    """An ISO 8601 date-time with offset, or ``+N`` s/m/h/d from now."""
    match = _RELATIVE.match(text.strip())
    if match:
        n, unit = int(match.group(1)), match.group(2)
        delta = timedelta(**{{"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[unit]: n})
        return (datetime.now(UTC) + delta).isoformat(timespec="seconds")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Failure(_("--deadline: expected an ISO 8601 date-time with offset or +N[smhd], got {value!r}")
                      .format(value=text)) from None
    if moment.tzinfo is None:
        raise Failure(_("--deadline: give a UTC offset (e.g. 2026-12-24T18:00:00-05:00)"))
    return moment.isoformat()


def _fetch(url: str) -> Any:
    try:
        resp = http_client.get(url, timeout=15)
    except http_client.HttpError as exc:
        raise unreachable(url, exc) from exc
    if resp.status_code >= 400:
        raise refused(resp)
    return resp.json()


def _find_key(doc: Any, key: str) -> str | None:
    if isinstance(doc, dict):
        if isinstance(doc.get(key), str):
            return str(doc[key])
        for value in doc.values():
            found = _find_key(value, key)
            if found:
                return found
    return None


def _line(pool: dict[str, Any]) -> str:
    p = pool["progress"]
    offer = pool["terms"]["offer"]
    unit = offer["unit"]
    price = f"{p['unit_price']} {p['currency']}/{unit}" if p["unit_price"] else _("no tier yet")
    return (f"{pool['id']}  {pool['state']:<9}  {offer['id']:<14}  {p['pledged']:>8} {unit:<5} "
            + _("{count} buyers").format(count=f"{p['buyers']:>3}") + f"  {price:<16}  "
            + _("to minimum {quantity}  closes {deadline}").format(quantity=p["to_minimum"],
                                                                   deadline=pool["terms"]["deadline"]))


def _show(pool: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(pool, ensure_ascii=False))
        return
    click.echo(_line(pool))
    p = pool["progress"]
    tiers = ", ".join(_("{quantity}+ at {price}").format(quantity=t["min_quantity"], price=t["unit_price"]["amount"])
                      for t in pool["terms"]["offer"]["tiers"])
    click.echo("  " + _("producer {producer} ({url}), tiers: {tiers}").format(
        producer=pool["terms"]["producer_id"], url=pool["producer_uri"], tiers=tiers))
    click.echo("  " + _("minimum batch {minimum}, maximum {maximum}, to next tier {next}, {seconds} s left").format(
        minimum=pool["terms"]["offer"]["minimum_batch"], maximum=pool["terms"].get("maximum", "-"),
        next=p["to_next_tier"] or "-", seconds=p["seconds_left"]))
    click.echo("  " + _("pickup: {points}").format(points=" | ".join(pool["terms"]["pickup_points"])))
    signed = (pool.get("signed_terms") or {}).get("signature") or {}
    if signed:
        click.echo("  " + _("terms version {version} signed by {signer} (key {key})").format(
            version=pool.get("terms_version"), signer=signed.get("subscriber_id"), key=signed.get("unique_key_id")))
    proposal = pool.get("proposal")
    if proposal:
        click.echo("  " + _("proposed terms version {version} awaiting every pledger's consent").format(
            version=proposal["terms_version"]))
    if pool.get("outcome"):
        o = pool["outcome"]
        click.echo("  " + _("closed {state}: {total} at {price}, batch {batch}").format(
            state=o["state"], total=o["total"], price=o["unit_price"] or "-", batch=o["batch_total"] or "-"))


@click.group()
def pool() -> None:
    """云拼 pools: gather buyers' pledges until a producer's minimum batch is met."""


@pool.command("open")
@data_dir_option
@node_option
@click.option("--producer", "producer", required=True, help="The producer node's base URL (http://host:port).")
@click.option("--provider", "provider_id", required=True, help="The producer's provider id (e.g. farm).")
@click.option("--offer", "offer_id", required=True, help="The offer's id (e.g. apples).")
@click.option("--deadline", required=True, help="ISO 8601 with offset, or +N[smhd] from now.")
@click.option("--pickup", multiple=True, required=True, help="A pickup or delivery point (repeatable).")
@click.option("--maximum", default=None, help="Close as soon as this much is pledged.")
@click.option("--producer-id", default=None, help="The producer's subscriber id (default: asked from its node).")
@click.option("--listed-under", default=None, help="Your provider that lists the pool (default: your only one).")
@click.option("--signed", is_flag=True,
              help="Embed the producer's signed offer (源头直供): refused unless it verifies back to the producer "
                   "with a key your node trusts.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def open_cmd(data_dir: Path, node: str | None, producer: str, provider_id: str, offer_id: str, deadline: str,
             pickup: tuple[str, ...], maximum: str | None, producer_id: str | None, listed_under: str | None,
             signed: bool, as_json: bool) -> None:
    """Open a pool against a producer's offer (its tiers and minimum batch)."""
    base = producer.rstrip("/").removesuffix("/beckn")
    view = _fetch(f"{base}/api/providers/{provider_id}")
    listing = view.get("listing", view) if isinstance(view, dict) else {}
    offers = [o for o in listing.get("offers", []) if o.get("id") == offer_id]
    if not offers:
        known = ", ".join(o.get("id", "?") for o in listing.get("offers", [])) or "none"
        raise Failure(_("--offer: provider {provider} has no offer {offer!r} (offers: {known})").format(
            provider=provider_id, offer=offer_id, known=known))
    producer_id = producer_id or _find_key(_fetch(f"{base}/peers/self"), "subscriber_id")
    if not producer_id:
        raise Failure(_("--producer-id: the producer's node did not say its subscriber id; give it"))
    offer = {k: v for k, v in offers[0].items() if k not in ("origin", "source")}
    terms: dict[str, Any] = {"offer": offer, "producer_id": producer_id, "provider_id": provider_id,
                             "deadline": _deadline(deadline), "pickup_points": list(pickup)}
    if maximum:
        terms["maximum"] = maximum
    body: dict[str, Any] = {"terms": terms, "producer_uri": f"{base}/beckn"}
    if listed_under:
        body["listed_under"] = listed_under
    if signed:
        body["signed_offer"] = _fetch(f"{base}/api/providers/{provider_id}/offers/{offer_id}/signed")
    _show(NodeClient(data_dir, node).post("/api/pools/open", json=body)["pool"], as_json)


@pool.command("list")
@data_dir_option
@node_option
@click.option("--state", type=click.Choice(STATES, case_sensitive=False), default=None, help="Only this state.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def list_cmd(data_dir: Path, node: str | None, state: str | None, as_json: bool) -> None:
    """The pools organized on this node, newest first."""
    params = {"state": state.upper()} if state else {}
    found = NodeClient(data_dir, node).get("/api/pools", **params)["pools"]
    echo_list(found, as_json, _("no pools"), _line)


@pool.command("show")
@data_dir_option
@node_option
@click.argument("pool_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def show(data_dir: Path, node: str | None, pool_id: str, as_json: bool) -> None:
    """One pool: terms, progress (tier, price, to next tier and minimum, time left) and outcome."""
    _show(NodeClient(data_dir, node).get(f"/api/pools/{pool_id}")["pool"], as_json)


@pool.command("cancel")
@data_dir_option
@node_option
@click.argument("pool_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def cancel(data_dir: Path, node: str | None, pool_id: str, as_json: bool) -> None:
    """Cancel an open pool: every pledge is released and each buyer told."""
    _show(NodeClient(data_dir, node).post(f"/api/pools/{pool_id}/cancel")["pool"], as_json)


def _tier(text: str) -> dict[str, Any]:
    """``MIN:PRICE`` (``100:2.60``) as a tier of the pool's currency (filled in by the caller)."""
    qty, sep, price = text.partition(":")
    if not sep or not qty.strip().isdigit() or not price.strip():
        raise Failure(_("--tier: expected MIN:PRICE such as 100:2.60, got {value!r}").format(value=text))
    return {"min_quantity": int(qty), "unit_price": {"amount": price.strip()}}


@pool.command("propose")
@data_dir_option
@node_option
@click.argument("pool_id")
@click.option("--deadline", default=None, help="A new deadline: ISO 8601 with offset, or +N[smhd] from now.")
@click.option("--pickup", multiple=True, help="New pickup or delivery points (repeatable; replaces them all).")
@click.option("--maximum", default=None, help="A new maximum.")
@click.option("--minimum", "minimum_batch", type=int, default=None, help="A new minimum batch.")
@click.option("--tier", "tiers", multiple=True, help="MIN:PRICE, e.g. 100:2.60 (repeatable; replaces every tier).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def propose(data_dir: Path, node: str | None, pool_id: str, deadline: str | None, pickup: tuple[str, ...],
            maximum: str | None, minimum_batch: int | None, tiers: tuple[str, ...], as_json: bool) -> None:
    """Change a pool's terms: at once before the first pledge; after it, each pledger is asked
    (a signed notice) and the change takes effect only when every pledger has accepted."""
    client = NodeClient(data_dir, node)
    body: dict[str, Any] = {}
    if deadline:
        body["deadline"] = _deadline(deadline)
    if pickup:
        body["pickup_points"] = list(pickup)
    if maximum:
        body["maximum"] = maximum
    if minimum_batch is not None:
        body["minimum_batch"] = minimum_batch
    if tiers:
        current = client.get(f"/api/pools/{pool_id}")["pool"]["terms"]["offer"]["tiers"]
        currency = current[0]["unit_price"]["currency"] if current else "USD"
        body["tiers"] = [{**t, "unit_price": {**t["unit_price"], "currency": currency}} for t in map(_tier, tiers)]
    if not body:
        raise Failure(_("nothing to change: give --deadline, --pickup, --maximum, --minimum or --tier"))
    found = client.post(f"/api/pools/{pool_id}/terms", json=body)["pool"]
    _show(found, as_json)
    if not as_json and found.get("proposal"):
        click.echo("  " + _("proposed as terms version {version}: each pledger was asked; it takes effect when "
                            "every pledger has accepted").format(version=found["proposal"]["terms_version"]))


pool.add_command(propose, "amend")  # the earlier name


@pool.command("consent")
@data_dir_option
@node_option
@click.argument("order_id")
@click.argument("answer", type=click.Choice(("accept", "decline")))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def consent(data_dir: Path, node: str | None, order_id: str, answer: str, as_json: bool) -> None:
    """Accept or decline the proposed terms of the pool your pledge ORDER_ID is in (accepting first
    checks the organizer's signature on them). A decliner may withdraw its pledge."""
    found = NodeClient(data_dir, node).post(f"/api/pledges/{order_id}/consent", json={"answer": answer})
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    done = _("accepted terms version {version}") if answer == "accept" else _("declined terms version {version}")
    click.echo(f"{order_id}: " + done.format(version=found["terms_version"]))


def _pledge_line(p: dict[str, Any]) -> str:
    order = p.get("order", {})
    item = (order.get("items") or [{}])[0]
    measure = ((item.get("quantity") or {}).get("selected") or {}).get("measure") or {}
    price = (order.get("quote") or {}).get("price") or {}
    return (f"{p.get('order_id')}  {p.get('status', order.get('status', '')):<9}  {item.get('id', '')}  "
            f"{measure.get('value', '?')} {measure.get('unit', '')}  "
            f"{price.get('value', '?')} {price.get('currency', '')}"
            "  " + _("receipt {state}").format(state=p.get("receipt_state", "-")))


@pool.command("pledge")
@data_dir_option
@node_option
@click.option("--bpp", required=True, help="The organizer node's Beckn URL (http://host:port/beckn).")
@click.option("--provider", "provider_id", required=True, help="The organizer's provider listing the pool.")
@click.option("--unit", required=True, help="The offer's unit (kg, case...).")
@click.argument("pool_id")
@click.argument("quantity")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def pledge(data_dir: Path, node: str | None, bpp: str, provider_id: str, unit: str, pool_id: str, quantity: str,
           as_json: bool) -> None:
    """Pledge QUANTITY into POOL_ID on another node (signed; you get a signed pledge receipt)."""
    body = {"bpp_uri": bpp, "provider_id": provider_id, "pool_id": pool_id, "quantity": quantity, "unit": unit}
    found = NodeClient(data_dir, node).post("/api/pledges", json=body)["pledge"]
    click.echo(json.dumps(found, ensure_ascii=False) if as_json else _pledge_line(found))


@pool.command("change")
@data_dir_option
@node_option
@click.option("--pool", "pool_id", required=True, help="The pool the pledge is in.")
@click.option("--unit", required=True, help="The offer's unit.")
@click.argument("order_id")
@click.argument("quantity")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def change(data_dir: Path, node: str | None, pool_id: str, unit: str, order_id: str, quantity: str,
           as_json: bool) -> None:
    """Change your pledge ORDER_ID to QUANTITY (until the pool closes)."""
    body = {"pool_id": pool_id, "quantity": quantity, "unit": unit}
    found = NodeClient(data_dir, node).post(f"/api/pledges/{order_id}/quantity", json=body)["pledge"]
    click.echo(json.dumps(found, ensure_ascii=False) if as_json else _pledge_line(found))


@pool.command("withdraw")
@data_dir_option
@node_option
@click.argument("order_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def withdraw(data_dir: Path, node: str | None, order_id: str, as_json: bool) -> None:
    """Withdraw your pledge ORDER_ID (until the pool closes)."""
    found = NodeClient(data_dir, node).post(f"/api/pledges/{order_id}/withdraw")["pledge"]
    click.echo(json.dumps(found, ensure_ascii=False) if as_json else _pledge_line(found))


@click.command()
@data_dir_option
@node_option
@click.option("--organizer", "organizers", multiple=True,
              help="An organizer's (or gateway's) Beckn URL to ask (repeatable; default: the gateways your node "
                   "knows, else the sellers it knows).")
@click.option("--wait", type=float, default=2.0, show_default=True, help="Seconds to wait for answers.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def demand(data_dir: Path, node: str | None, organizers: tuple[str, ...], wait: float, as_json: bool) -> None:
    """The producer's live pooled demand per offer, across the organizers' open pools."""
    params: dict[str, Any] = {"wait": wait}
    if organizers:
        params["organizer"] = ",".join(organizers)
    found = NodeClient(data_dir, node).get("/api/demand", **params)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    if not found["offers"]:
        click.echo(_("no open pools name this producer"))
    for offer in found["offers"]:
        click.echo(f"{offer['offer_id']}: " + _("{quantity} {unit} pledged by {buyers} buyers in {pools} pools").format(
            quantity=offer["pledged"], unit=offer["unit"], buyers=offer["buyers"], pools=len(offer["pools"])))
        for p in offer["pools"]:
            click.echo(f"  {p['pool_id']}  {p['organizer_id']}  {p['pledged']} "
                       + _("(to minimum {quantity})").format(quantity=p["to_minimum"])
                       + f"  {p['unit_price']} {p['currency']}  "
                       + _("closes {deadline}").format(deadline=p["deadline"]))


def _batch_line(b: dict[str, Any]) -> str:
    refs = ", ".join(b["ref_order_ids"]) or "-"
    return (f"{b['order_id']}  {b['offer_id']}  {b['quantity']} {b['unit']}  {b['total']} {b['currency']}  "
            + _("from {organizer}  pool {pool}  members: {members}").format(
                organizer=b["organizer_id"], pool=b["pool_id"] or "-", members=refs))


@click.command("batches")
@data_dir_option
@node_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def batches(data_dir: Path, node: str | None, as_json: bool) -> None:
    """The producer's batch orders (云拼 pools' and wholesale buyers'), newest first, each with the
    member pledges it gathers."""
    found = NodeClient(data_dir, node).get("/api/batch-orders")["batch_orders"]
    echo_list(found, as_json, _("no batch orders"), _batch_line)
