"""`duijie bookings`: the merchant's reservations on a running node (uses its admin token)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from duijie.cli import http_client
from duijie.cli.common import data_dir_option, echo_list, user_errors
from duijie.cli.node_client import NodeClient, node_base_url, node_option, refused, unreachable
from duijie.l10n.cli_text import _
from duijie.storage.node_config import read_admin_token

STATES = ("HELD", "PENDING_APPROVAL", "CONFIRMED", "DECLINED", "CANCELLED", "NO_SHOW", "COMPLETED")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def fetch_text(data_dir: Path | None, node: str | None, path: str) -> str:
    """GET a text (not JSON) resource of the node's API with its admin token; failures as one line."""
    base = node_base_url(data_dir, node)
    token = read_admin_token(data_dir) if data_dir is not None else None
    try:
        resp = http_client.get(base + path, headers={"Authorization": f"Bearer {token}"} if token else {}, timeout=30)
    except http_client.HttpError as exc:
        raise unreachable(base, exc) from exc
    if resp.status_code >= 400:
        raise refused(resp)
    return resp.text


def _when(booking: dict[str, Any]) -> str:
    local = booking.get("local") or booking["slot"]
    start, end = str(local["start"]), str(local["end"])
    return f"{start[:16].replace('T', ' ')}-{end[11:16]}"


def _line(booking: dict[str, Any]) -> str:
    guest = booking.get("guest") or {}
    who = guest.get("name") or booking["bap_id"]
    return (f"{booking['id']}  {booking['state']:<16}  {booking['resource_id']:<13} {_when(booking)}  "
            + f"{_('party {party}').format(party=booking['party_size']):<10} {who}")


def _show(booking: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(booking, ensure_ascii=False))
        return
    click.echo(_line(booking))
    guest = booking.get("guest") or {}
    contact = "  ".join(v for v in (guest.get("phone"), guest.get("email")) if v)
    if contact:
        click.echo("  " + _("contact: {contact}").format(contact=contact))
    if guest.get("requests"):
        click.echo("  " + _("requests: {requests}").format(requests=guest["requests"]))
    for h in booking.get("history") or []:
        click.echo(f"  {h['at']}  {h['state']:<16}  " + _("by {who}").format(who=h["by"]))
    if booking.get("reason"):
        click.echo("  " + _("reason: {reason}").format(reason=booking["reason"]))


@click.group()
def bookings() -> None:
    """The merchant's reservations: list (or a day view), show, accept, decline, no-show, complete, block,
    approval mode, calendar."""


@bookings.command("list")
@data_dir_option
@node_option
@click.option("--state", type=click.Choice(STATES, case_sensitive=False), default=None, help="Only this state.")
@click.option("--day", default=None, help="A day view (YYYY-MM-DD, or 'today') of --provider's resources.")
@click.option("--provider", "provider_id", default=None, help="The provider (needed with --day when the node has "
                                                              "several).")
@click.option("--resource", "resource_id", default=None, help="With --day: only this resource.")
@json_option
@user_errors
def list_cmd(data_dir: Path, node: str | None, state: str | None, day: str | None, provider_id: str | None,
             resource_id: str | None, as_json: bool) -> None:
    """List bookings, newest first; with --day, each resource's bookings and blocks of that day."""
    client = NodeClient(data_dir, node)
    if day is None:
        params = {k: v for k, v in (("state", state.upper() if state else None), ("provider", provider_id)) if v}
        found = client.get("/api/bookings", **params)["bookings"]
        echo_list(found, as_json, "no bookings", _line)
        return
    if provider_id is None:
        providers = client.get("/api/providers")["providers"]
        if len(providers) != 1:
            raise click.UsageError("give --provider (the node hosts several)")
        provider_id = providers[0]["id"]
    params = {k: v for k, v in (("date", None if day == "today" else day), ("resource", resource_id)) if v}
    view = client.get(f"/api/providers/{provider_id}/bookings", **params)
    if as_json:
        click.echo(json.dumps(view, ensure_ascii=False))
        return
    click.echo(f"{view['provider_id']}  {view['date']}")
    for location in view["locations"]:
        click.echo(f"{location['id']} ({location['time_zone']})")
        for r in location["resources"]:
            click.echo(f"  {r['id']}  {r['name']}  (" + _("{min}-{max} guests, {approval}").format(
                min=r["min_party"], max=r["capacity"], approval=r["approval"]) + ")")
            shown = [b for b in r["bookings"] if state is None or b["state"] == state.upper()]
            for b in shown:
                click.echo(f"    {_line(b)}")
            for blk in r["blocks"]:
                local = blk.get("local") or blk
                click.echo(f"    {blk['id']}  BLOCKED {local['start'][:16]}-{local['end'][11:16]}  {blk['reason']}")
            if not shown and not r["blocks"]:
                click.echo("    " + _("(free all day)"))


@bookings.command("show")
@data_dir_option
@node_option
@click.argument("booking_id")
@json_option
@user_errors
def show(data_dir: Path, node: str | None, booking_id: str, as_json: bool) -> None:
    """Show one booking with its history."""
    _show(NodeClient(data_dir, node).get(f"/api/bookings/{booking_id}")["booking"], as_json)


def _step(action: str, help_text: str) -> click.Command:
    @click.command(action, help=help_text)
    @data_dir_option
    @node_option
    @click.argument("booking_id")
    @json_option
    @user_errors
    def command(data_dir: Path, node: str | None, booking_id: str, as_json: bool, **extra: Any) -> None:
        body = {"reason": extra["reason"]} if extra.get("reason") else None
        _show(NodeClient(data_dir, node).post(f"/api/bookings/{booking_id}/{action}", json=body)["booking"], as_json)

    if action == "decline":
        command = click.option("--reason", default=None, help="Why (sent to the guest).")(command)
    return command


bookings.add_command(_step("accept", "Confirm a booking that waits for approval (the guest is told)."))
bookings.add_command(_step("decline", "Decline a booking that waits for approval, with --reason (the guest is "
                                      "told; the slot goes to its waitlist)."))
bookings.add_command(_step("no-show", "Mark a confirmed booking a no-show (once its slot began)."))
bookings.add_command(_step("complete", "Mark a confirmed booking completed (once its slot began)."))


@bookings.command("block")
@data_dir_option
@node_option
@click.argument("resource_id")
@click.option("--provider", "provider_id", required=True, help="The provider, e.g. chuanshan.")
@click.option("--start", required=True, help="ISO 8601 with offset, e.g. 2026-12-05T11:00:00-05:00.")
@click.option("--end", required=True, help="ISO 8601 with offset.")
@click.option("--reason", default=None, help="Why (private event, maintenance).")
@json_option
@user_errors
def block(data_dir: Path, node: str | None, resource_id: str, provider_id: str, start: str, end: str,
          reason: str | None, as_json: bool) -> None:
    """Take RESOURCE_ID out of booking from --start to --end."""
    body = {"start": start, "end": end, **({"reason": reason} if reason else {})}
    made = NodeClient(data_dir, node).post(f"/api/providers/{provider_id}/resources/{resource_id}/blocks",
                                           json=body)["block"]
    if as_json:
        click.echo(json.dumps(made, ensure_ascii=False))
        return
    local = made.get("local") or made
    click.echo(f"{made['id']}  " + _("{resource} blocked {start} to {end}: {reason}").format(
        resource=resource_id, start=local["start"], end=local["end"], reason=made["reason"]))


@bookings.command("unblock")
@data_dir_option
@node_option
@click.argument("block_id")
@user_errors
def unblock(data_dir: Path, node: str | None, block_id: str) -> None:
    """Remove a block (the period is bookable again)."""
    NodeClient(data_dir, node).post(f"/api/blocks/{block_id}/remove")
    click.echo(_("{id} removed").format(id=block_id))


@bookings.command("approval")
@data_dir_option
@node_option
@click.argument("resource_id")
@click.argument("mode", type=click.Choice(("instant", "manual"), case_sensitive=False))
@click.option("--provider", "provider_id", required=True, help="The provider, e.g. chuanshan.")
@json_option
@user_errors
def approval(data_dir: Path, node: str | None, resource_id: str, mode: str, provider_id: str, as_json: bool) -> None:
    """Confirm RESOURCE_ID's requests at once (instant) or after your approval (manual)."""
    done = NodeClient(data_dir, node).post(f"/api/providers/{provider_id}/resources/{resource_id}/approval",
                                           json={"approval": mode.lower()})["resource"]
    if as_json:
        click.echo(json.dumps(done, ensure_ascii=False))
        return
    said = (_("requests are now confirmed at once") if done["approval"] == "instant"
            else _("requests are now confirmed after your approval"))
    click.echo(f"{provider_id}/{resource_id}: {said}")


@bookings.command("feed")
@data_dir_option
@node_option
@click.argument("resource_id")
@click.option("--provider", "provider_id", required=True, help="The provider, e.g. chuanshan.")
@user_errors
def feed(data_dir: Path, node: str | None, resource_id: str, provider_id: str) -> None:
    """Print the calendar feed URL of RESOURCE_ID (subscribe to it in a calendar app)."""
    client = NodeClient(data_dir, node)
    link = client.get(f"/api/providers/{provider_id}/resources/{resource_id}/calendar")
    click.echo(f"{client.base}{link['path']}")


@bookings.command("ics")
@data_dir_option
@node_option
@click.argument("booking_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@user_errors
def ics(data_dir: Path, node: str | None, booking_id: str, output: Path | None) -> None:
    """The booking as an iCalendar file."""
    text = fetch_text(data_dir, node, f"/api/bookings/{booking_id}/ics")
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(_("wrote booking {id} to {path}").format(id=booking_id, path=output))
