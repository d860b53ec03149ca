"""`duijie orders`: the merchant's inbox of orders on a running node (uses its admin token)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from duijie.cli.common import data_dir_option, echo_list, user_errors
from duijie.cli.node_client import NodeClient, node_option
from duijie.l10n.cli_text import _

STATES = ("CREATED", "ACCEPTED", "READY", "COMPLETED", "DECLINED", "CANCELLED")


def pickup_time(pickup: dict[str, Any]) -> str:
    """The pickup time as the location's clock shows it (its zone named), or "as soon as possible"."""
    if not pickup.get("at"):
        return _("as soon as possible")
    at = datetime.fromisoformat(pickup["at"])
    if pickup.get("time_zone"):
        at = at.astimezone(ZoneInfo(pickup["time_zone"]))
    return at.strftime("%Y-%m-%d %H:%M %Z").strip()


def _buyer(order: dict[str, Any]) -> str:
    billing = order.get("billing") or {}
    return "  ".join(v for v in (billing.get("name"), billing.get("phone")) if v) or "?"


def _line(order: dict[str, Any]) -> str:
    items = ", ".join(f"{ln['name']} ×{ln['quantity']}" for ln in order["lines"])
    total = f"{order['total']['amount']} {order['total']['currency']}"
    pickup = order["pickup"]
    return (f"{order['id']}  {order['state']:<9}  {pickup['location_id']} {pickup_time(pickup)}  {total}  "
            f"{_buyer(order)}  {items}")


def _show(order: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(order, ensure_ascii=False))
        return
    pickup = order["pickup"]
    billing = order.get("billing") or {}
    click.echo(_("order {id}  {state}").format(id=order["id"], state=order["state"]))
    click.echo("  " + _("buyer: {name}  phone: {phone}").format(name=billing.get("name") or "?",
                                                               phone=billing.get("phone") or "?"))
    click.echo("  " + _("pickup: {location}  {time}").format(location=pickup["location_id"],
                                                            time=pickup_time(pickup)))
    for ln in order["lines"]:
        add_ons = f" (+{', '.join(ln['add_ons'])})" if ln.get("add_ons") else ""
        click.echo(f"  {ln['name']}{add_ons} ×{ln['quantity']}  {ln['total']}")
    click.echo("  " + _("total: {amount} {currency}").format(**order["total"]))
    for h in order["history"]:
        click.echo(f"  {h['at']}  {h['state']:<9}  " + _("by {who}").format(who=h["by"]))
    if order.get("reason"):
        click.echo("  " + _("reason: {reason}").format(reason=order["reason"]))


@click.group()
def orders() -> None:
    """The merchant's inbox of orders: list, accept, decline, ready, complete."""


@orders.command("list")
@data_dir_option
@node_option
@click.option("--state", type=click.Choice(STATES, case_sensitive=False), default=None, help="Only this state.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def list_cmd(data_dir: Path, node: str | None, state: str | None, as_json: bool) -> None:
    """List orders, newest first."""
    params = {"state": state.upper()} if state else {}
    found = NodeClient(data_dir, node).get("/api/orders", **params)["orders"]
    echo_list(found, as_json, _("no orders"), _line)


@orders.command("show")
@data_dir_option
@node_option
@click.argument("order_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def show(data_dir: Path, node: str | None, order_id: str, as_json: bool) -> None:
    """Show one order with its history."""
    _show(NodeClient(data_dir, node).get(f"/api/orders/{order_id}")["order"], as_json)


def _transition(action: str, help_text: str) -> click.Command:
    @click.command(action, help=help_text)
    @data_dir_option
    @node_option
    @click.argument("order_id")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @user_errors
    def command(data_dir: Path, node: str | None, order_id: str, as_json: bool, **extra: Any) -> None:
        body = {"reason": extra["reason"]} if extra.get("reason") else None
        _show(NodeClient(data_dir, node).post(f"/api/orders/{order_id}/{action}", json=body)["order"], as_json)

    if action == "decline":
        command = click.option("--reason", default=None, help="Why the order is declined (sent to the buyer).")(command)
    return command


orders.add_command(_transition("accept", "Accept a new order (the buyer is told)."))
orders.add_command(_transition("decline", "Decline a new order, with --reason (the buyer is told)."))
orders.add_command(_transition("ready", "Mark an accepted order ready for pickup (the buyer is told)."))
orders.add_command(_transition("complete", "Complete an order that was picked up (the buyer is told)."))
