"""`duijie book ...`: reserve a room at another node, as a guest, through this node's running server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from duijie.cli import http_client
from duijie.cli.bookings_cmds import fetch_text
from duijie.cli.common import data_dir_option, user_errors
from duijie.cli.node_client import (
    NodeClient,
    node_base_url,
    node_option,
    obvious_data_dir,
    optional_data_dir_option,
    refused,
    unreachable,
)
from duijie.l10n import rule_texts
from duijie.l10n.cli_text import _

json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


def _client(data_dir: Path, node: str | None) -> NodeClient:
    # A booking is up to four round trips (search, select, init, confirm), each awaiting a callback.
    return NodeClient(data_dir, node, timeout=90.0)


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _tag(tags: Any, group: str, code: str) -> str | None:
    for g in tags or []:
        if (g.get("descriptor") or {}).get("code") == group:
            for entry in g.get("list") or []:
                if (entry.get("descriptor") or {}).get("code") == code:
                    return str(entry.get("value"))
    return None


def show_booking(purchase: dict[str, Any]) -> None:
    """A booking made from this node, as the seller last described it."""
    order = purchase.get("order") or {}
    item = (order.get("items") or [{}])[0]
    fulfillment = (order.get("fulfillments") or [{}])[0]
    stop = (fulfillment.get("stops") or [{}])[0]
    span = (stop.get("time") or {}).get("range") or {}
    state = purchase.get("fulfillment_state") or ((fulfillment.get("state") or {}).get("descriptor") or {}).get("code")
    party = ((item.get("quantity") or {}).get("selected") or {}).get("count")
    click.echo(_("booking {id}  {state}  ({status})").format(
        id=purchase["order_id"], state=state or purchase["status"], status=purchase["status"]))
    click.echo(f"  {(item.get('descriptor') or {}).get('name') or item.get('id')}  "
               + _("party {party}  {start} to {end}").format(party=party, start=span.get("start"),
                                                             end=span.get("end")))
    price = (order.get("quote") or {}).get("price") or {}
    if price:
        click.echo("  " + _("deposit {amount} {currency}").format(amount=price.get("value"),
                                                                  currency=price.get("currency")))
    waitlist = _tag(order.get("tags"), "waitlist", "state")
    if waitlist:
        until = _tag(order.get("tags"), "waitlist", "hold_until")
        click.echo("  " + _("waitlist: {state}").format(state=waitlist)
                   + (_(", held for you until {time}").format(time=until) if until else ""))
    if order.get("cancellation"):
        reason = ((order["cancellation"].get("reason") or {}).get("descriptor") or {}).get("name")
        click.echo("  " + _("cancelled: {reason}").format(reason=reason))
    click.echo("  " + _("seller {seller}  provider {provider}").format(seller=purchase.get("bpp_id"),
                                                                       provider=purchase.get("provider_id")))
    if purchase.get("receipt_state"):
        click.echo(f"  receipt {purchase['receipt_state']}")


@click.group()
def book() -> None:
    """Reserve a room at another node: availability, request, status, take, cancel, ics."""


@book.command()
@click.argument("provider_id")
@click.option("--bpp", "bpp_uri", default=None, help="Beckn URL of the seller node, .../beckn (default: this node).")
@click.option("--date", "day", default=None, help="The day, YYYY-MM-DD (default: today at the seller).")
@click.option("--party", type=int, default=None, help="Party size (default: each room's minimum).")
@click.option("--resource", "resource_id", default=None, help="Only this room.")
@optional_data_dir_option
@node_option
@json_option
@user_errors
def availability(provider_id: str, bpp_uri: str | None, day: str | None, party: int | None,
                 resource_id: str | None, data_dir: Path | None, node: str | None, as_json: bool) -> None:
    """Free slots of PROVIDER_ID's rooms on a day, for a party (asks the seller's public API)."""
    if bpp_uri:
        parts = urlsplit(bpp_uri)
        base = f"{parts.scheme}://{parts.netloc}"
    else:
        base = node_base_url(data_dir or obvious_data_dir(), node)
    params = {k: v for k, v in (("date", day), ("party", party), ("resource", resource_id)) if v is not None}
    try:
        resp = http_client.get(f"{base}/api/providers/{provider_id}/availability", params=params, timeout=30)
    except http_client.HttpError as exc:
        raise unreachable(base, exc) from exc
    if resp.status_code >= 400:
        raise refused(resp)
    data = resp.json()
    if as_json:
        _emit(data)
        return
    asked = "  " + _("party {party}").format(party=party) if party else ""
    click.echo(f"{data['provider_id']}  {data['date']}{asked}")
    for location in data["locations"]:
        click.echo(f"{location['id']} ({location['time_zone']})")
        for r in location["resources"]:
            click.echo(f"  {r['id']:<13} {r['name']}  " + _("{min}-{max} guests, {minutes} min slots").format(
                min=r["min_party"], max=r["capacity"], minutes=r["slot_minutes"]))
            if r.get("unfit"):
                why = rule_texts.said(str(r.get("rule") or ""), r["unfit"], _)
                click.echo("    " + _("not for this party: {why}").format(why=why))
            elif not r["slots"]:
                click.echo("    " + _("no free slot"))
            else:
                click.echo("    " + "  ".join(f"{s['start'][11:16]}-{s['end'][11:16]}" for s in r["slots"]))


@book.command()
@click.option("--bpp", "bpp_uri", required=True, help="Beckn URL of the seller node, .../beckn.")
@click.option("--bpp-id", default=None, help="The seller's subscriber id (default: learned by a search).")
@click.option("--provider", "provider_id", required=True, help="Provider id, e.g. chuanshan.")
@click.option("--resource", "resource_id", required=True, help="The room, e.g. diaoyutai, banquet-hall, ktv.")
@click.option("--party", type=int, required=True, help="How many guests.")
@click.option("--start", required=True, help="RFC 3339 with offset, e.g. 2026-12-04T18:00:00-05:00.")
@click.option("--end", required=True, help="RFC 3339 with offset.")
@click.option("--name", required=True, help="Your name.")
@click.option("--phone", default=None, help="Your phone.")
@click.option("--email", default=None, help="Your email.")
@click.option("--requests", default=None, help="Special requests (a birthday cake, wheelchair access).")
@click.option("--waitlist", is_flag=True, help="The slot is taken: join its waitlist instead.")
@data_dir_option
@node_option
@json_option
@user_errors
def request(bpp_uri: str, bpp_id: str | None, provider_id: str, resource_id: str, party: int, start: str, end: str,
            name: str, phone: str | None, email: str | None, requests: str | None, waitlist: bool, data_dir: Path,
            node: str | None, as_json: bool) -> None:
    """Book a room: select, init and confirm in one go (the seller's rules are checked there)."""
    body = {"bpp_uri": bpp_uri, "provider_id": provider_id, "resource_id": resource_id, "party": party,
            "start": start, "end": end, "waitlist": waitlist,
            "guest": {"name": name, "phone": phone, "email": email, "requests": requests},
            **({"bpp_id": bpp_id} if bpp_id else {})}
    data = _client(data_dir, node).post("/api/buy/bookings", body)
    if as_json:
        _emit(data)
    elif "waitlist" in data:
        entry = data["waitlist"]
        click.echo(_("on the waitlist {id}: place {position} ({state}); the seller tells this node when the slot "
                     "frees up (see `duijie buy orders`)").format(id=entry.get("id"), position=entry.get("position"),
                                                                  state=entry.get("state")))
    else:
        show_booking(data)


def _booking_post(name: str, path: str, help_text: str) -> None:
    """A ``book`` command that posts to ``path`` (``{order_id}`` filled in) and shows the booking."""

    @book.command(name, help=help_text)
    @click.argument("order_id")
    @data_dir_option
    @node_option
    @json_option
    @user_errors
    def command(order_id: str, data_dir: Path, node: str | None, as_json: bool) -> None:
        data = _client(data_dir, node).post(path.format(order_id=order_id), {})
        _emit(data) if as_json else show_booking(data)


_booking_post("status", "/api/buy/orders/{order_id}/status", "Ask the seller for the booking's current state.")
_booking_post("take", "/api/buy/bookings/{order_id}/take",
              "Take the slot a waitlist offer holds for you (before the hold runs out).")


@book.command()
@click.argument("order_id")
@click.option("--reason", default=None, help="Why you cancel (sent to the seller).")
@data_dir_option
@node_option
@json_option
@user_errors
def cancel(order_id: str, reason: str | None, data_dir: Path, node: str | None, as_json: bool) -> None:
    """Cancel a booking (the seller's cancellation terms decide the deposit)."""
    data = _client(data_dir, node).post(f"/api/buy/orders/{order_id}/cancel", {"reason": reason} if reason else {})
    _emit(data) if as_json else show_booking(data)


@book.command()
@click.argument("order_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@data_dir_option
@node_option
@user_errors
def ics(order_id: str, output: Path | None, data_dir: Path, node: str | None) -> None:
    """The booking as an iCalendar file, for a calendar app."""
    text = fetch_text(data_dir, node, f"/api/buy/bookings/{order_id}/ics")
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(_("wrote booking {id} to {path}").format(id=order_id, path=output))
