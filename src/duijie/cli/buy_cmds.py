"""`duijie buy ...`: buy from another node through this node's running server (its JSON API)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from duijie.cli.common import Failure
from duijie.cli.node_client import NodeClient, node_option, obvious_data_dir, optional_data_dir_option
from duijie.l10n.cli_text import _
from duijie.protocol.receipts import receipt_from_tags

json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


def _client(data_dir: Path | None, node: str | None) -> NodeClient:
    # An order is up to four round trips (search, select, init, confirm), each awaiting a callback.
    return NodeClient(data_dir if data_dir or node else obvious_data_dir(), node, timeout=90.0)


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _name(descriptor: Any) -> str:
    return str((descriptor or {}).get("name") or "?")


def _price(price: Any) -> str:
    price = price or {}
    return f"{price.get('value', '?')} {price.get('currency', '')}".strip()


def _show_order(order: dict[str, Any]) -> None:
    click.echo(_("order {id}  {status}  {state}").format(id=order["order_id"], status=order["status"],
                                                        state=order.get("fulfillment_state") or "").rstrip())
    body = order.get("order") or {}
    quote = body.get("quote") or {}
    for line in quote.get("breakup") or []:
        click.echo(f"  {line.get('title', '?'):<40} {_price(line.get('price'))}")
    if quote.get("price"):
        total = _("total")
        click.echo(f"  {total:<40} {_price(quote['price'])}")
    click.echo("  " + _("seller {seller}  provider {provider}").format(seller=order.get("bpp_id"),
                                                                       provider=order.get("provider_id")))
    if order.get("receipt_state"):
        problem = f" ({order['receipt_problem']})" if order.get("receipt_problem") else ""
        click.echo("  " + _("receipt {state}").format(state=order["receipt_state"]) + problem)


@click.group()
def buy() -> None:
    """Buy from another node: search, order, status, cancel, rate."""


@buy.command()
@click.argument("text")
@click.option("--bpp", "bpp_uri", required=True, help="Beckn URL of the seller node (or a gateway), .../beckn.")
@click.option("--wait", default=2.0, show_default=True, type=click.FloatRange(0.1, 30), help="Seconds to collect.")
@optional_data_dir_option
@node_option
@json_option
def search(text: str, bpp_uri: str, wait: float, data_dir: Path | None, node: str | None, as_json: bool) -> None:
    """Search a seller's catalog for TEXT (Chinese or English)."""
    data = _client(data_dir, node).post("/api/buy/search", {"text": text, "bpp_uri": bpp_uri, "wait": wait})
    if as_json:
        _emit(data)
        return
    results = data.get("results") or []
    shown = 0
    for result in results:
        for provider in (result.get("catalog") or {}).get("providers") or []:
            click.echo(_("{name}  [{id}] from {seller}").format(name=_name(provider.get("descriptor")),
                                                                 id=provider.get("id"), seller=result.get("bpp_id")))
            shown += 1
            for item in provider.get("items") or []:
                click.echo(f"  {item.get('id'):<20} {_name(item.get('descriptor')):<40} {_price(item.get('price'))}")
    if not shown:
        click.echo(_("no results"))
        hint = (_("no seller answered within {wait:g} s: try a longer --wait, or check --bpp") if not results
                else _("the sellers answered but nothing matched: try other words (Chinese or English)"))
        click.echo(hint.format(wait=wait), err=True)


def _parse_item(text: str) -> dict[str, Any]:
    """``ID[:COUNT][+ADDON,ADDON]``, e.g. ``roujiamo:2+meat``."""
    spec, _plus, addons = text.partition("+")
    item_id, _colon, count = spec.partition(":")
    if not item_id:
        raise click.BadParameter(_("{value!r}: expected ID[:COUNT][+ADDON,...]").format(value=text),
                                 param_hint="--item")
    try:
        quantity = int(count) if count else 1
    except ValueError as exc:
        raise click.BadParameter(_("{value!r}: count must be a whole number").format(value=text),
                                 param_hint="--item") from exc
    item: dict[str, Any] = {"id": item_id, "quantity": quantity}
    if addons:
        item["add_ons"] = [a for a in addons.split(",") if a]
    return item


@buy.command()
@click.option("--bpp", "bpp_uri", required=True, help="Beckn URL of the seller node, .../beckn.")
@click.option("--bpp-id", default=None, help="The seller's subscriber id (default: learned by a search).")
@click.option("--provider", "provider_id", required=True, help="Provider id, e.g. chuanshan.")
@click.option("--location", "location_id", required=True, help="Pickup location id, e.g. rockville.")
@click.option("--item", "items", multiple=True, required=True, help="ID[:COUNT][+ADDON,...]; repeatable.")
@click.option("--name", required=True, help="Your name (billing).")
@click.option("--phone", required=True, help="Your phone (billing).")
@click.option("--time", "pickup_time", default=None, help="Pickup time, RFC 3339 (default: as soon as possible).")
@optional_data_dir_option
@node_option
@json_option
def order(
    bpp_uri: str,
    bpp_id: str | None,
    provider_id: str,
    location_id: str,
    items: tuple[str, ...],
    name: str,
    phone: str,
    pickup_time: str | None,
    data_dir: Path | None,
    node: str | None,
    as_json: bool,
) -> None:
    """Order items for pickup: select, init and confirm in one go."""
    fulfillment: dict[str, Any] = {"type": "pickup", "location_id": location_id}
    if pickup_time:
        fulfillment["time"] = pickup_time
    body = {
        "bpp_uri": bpp_uri,
        "provider_id": provider_id,
        "location_id": location_id,
        "items": [_parse_item(i) for i in items],
        "billing": {"name": name, "phone": phone},
        "fulfillment": fulfillment,
        **({"bpp_id": bpp_id} if bpp_id else {}),
    }
    data = _client(data_dir, node).post("/api/buy/order", body)
    _emit(data) if as_json else _show_order(data)


def _order_action(
    action: str,
    order_id: str,
    data_dir: Path | None,
    node: str | None,
    as_json: bool,
    body: dict[str, Any] | None = None,
) -> None:
    data = _client(data_dir, node).post(f"/api/buy/orders/{order_id}/{action}", body or {})
    _emit(data) if as_json else _show_order(data)


@buy.command()
@click.argument("order_id")
@optional_data_dir_option
@node_option
@json_option
def status(order_id: str, data_dir: Path | None, node: str | None, as_json: bool) -> None:
    """Ask the seller for the order's current status."""
    _order_action("status", order_id, data_dir, node, as_json)


@buy.command()
@click.argument("order_id")
@click.option("--reason", default=None, help="Why you cancel (sent to the seller).")
@optional_data_dir_option
@node_option
@json_option
def cancel(order_id: str, reason: str | None, data_dir: Path | None, node: str | None, as_json: bool) -> None:
    """Cancel an order (the seller's cancellation terms apply)."""
    _order_action("cancel", order_id, data_dir, node, as_json, {"reason": reason} if reason else {})


@buy.command()
@click.argument("order_id")
@click.argument("value", type=click.IntRange(1, 5))
@optional_data_dir_option
@node_option
@json_option
def rate(order_id: str, value: int, data_dir: Path | None, node: str | None, as_json: bool) -> None:
    """Rate a completed order from 1 to 5."""
    data = _client(data_dir, node).post(f"/api/buy/orders/{order_id}/rate", {"value": value})
    if as_json:
        _emit(data)
        return
    _show_order(data)
    click.echo(_("rated order {order_id}: {value} of 5 (the seller was told)").format(order_id=order_id, value=value))


@buy.command()
@optional_data_dir_option
@node_option
@json_option
def orders(data_dir: Path | None, node: str | None, as_json: bool) -> None:
    """List the orders placed from this node."""
    data = _client(data_dir, node).get("/api/buy/orders")
    if as_json:
        _emit(data)
        return
    if not data.get("orders"):
        click.echo(_("no orders"))
    for row in data.get("orders") or []:
        click.echo(
            f"{row['order_id']}  {row['status']:<10} {row.get('fulfillment_state') or '':<16} "
            f"{row['provider_id']}@{row['bpp_id']}"
        )


@buy.command()
@click.argument("order_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@optional_data_dir_option
@node_option
def receipt(order_id: str, output: Path | None, data_dir: Path | None, node: str | None) -> None:
    """Print (or save) the signed receipt of an order, for `duijie verify` (a pool member's
    allocation: ORDER_ID is the pledge's id followed by -allocation)."""
    data = _client(data_dir, node).get(f"/api/buy/orders/{order_id}")
    # An allocation (云拼) comes unsolicited in on_status: its receipt, signed by the organizer, is in the order's tags.
    doc = data.get("receipt") or receipt_from_tags((data.get("order") or {}).get("tags"))
    if not doc:
        raise Failure(_("order {id} has no receipt yet ({why})").format(
            id=order_id, why=data.get("receipt_problem") or _("none received")))
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(_("wrote the receipt of {id} to {path}").format(id=order_id, path=output))
