"""`duijie apply` (the applicant) and `duijie applications` (the employer), through the running node's JSON API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from duijie.cli.common import data_dir_option, echo_list, user_errors
from duijie.cli.node_client import NodeClient, node_option
from duijie.l10n.cli_text import _, language_of_environment
from duijie.l10n.formats import Formats

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
STAGES = ("RECEIVED", "SCREENING", "INTERVIEW", "OFFER", "REJECTED", "WITHDRAWN")
MOVES = ("SCREENING", "INTERVIEW", "OFFER", "REJECTED")


def _client(data_dir: Path, node: str | None) -> NodeClient:
    # An application is up to four round trips (search, select, init, confirm), each awaiting a callback.
    return NodeClient(data_dir, node, timeout=90.0)


def _show_applied(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    order = data.get("order") or {}
    title = ((order.get("items") or [{}])[0].get("descriptor") or {}).get("name") or "?"
    click.echo(_("application {id}  {state}  {title}").format(
        id=data["order_id"], state=data.get("fulfillment_state") or data["status"], title=title))
    click.echo("  " + _("employer {provider} at {node}").format(provider=data.get("provider_id"),
                                                                node=data.get("bpp_id")))
    if data.get("receipt_state"):
        click.echo("  " + _("receipt {state}").format(state=data["receipt_state"]))


class _ApplyGroup(click.Group):
    """``duijie apply POSTING ...`` applies; ``duijie apply status|withdraw ID`` follows one up."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["to", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_ApplyGroup)
def apply() -> None:
    """Apply for a job at another node: `duijie apply POSTING --provider ID --bpp URL --name ... --phone ...`;
    then `duijie apply status ID` or `duijie apply withdraw ID`."""


@apply.command("to", hidden=True)
@click.argument("posting")
@click.option("--provider", "provider_id", required=True, help="The employer's provider id, e.g. chuanshan.")
@click.option("--bpp", "bpp_uri", required=True, help="Beckn URL of the employer's node, .../beckn.")
@click.option("--bpp-id", default=None, help="The employer node's subscriber id (default: learned by a search).")
@click.option("--name", required=True, help="Your name.")
@click.option("--phone", default=None, help="Your phone (a phone or an email is required).")
@click.option("--email", default=None, help="Your email.")
@click.option("--languages", default=None, help="Languages you speak, comma-separated codes: en,zh.")
@click.option("--experience", default=None, help="Your experience, in a sentence.")
@click.option("--availability", default=None, help="When you can work.")
@click.option("--resume", "resume_url", default=None, help="A link to your résumé (http or https).")
@data_dir_option
@node_option
@json_option
@user_errors
def apply_to(posting: str, provider_id: str, bpp_uri: str, bpp_id: str | None, name: str, phone: str | None,
             email: str | None, languages: str | None, experience: str | None, availability: str | None,
             resume_url: str | None, data_dir: Path, node: str | None, as_json: bool) -> None:
    """Apply to POSTING (e.g. cashier): select, init and confirm with the employer's node."""
    applicant: dict[str, Any] = {"name": name}
    for key, value in (("phone", phone), ("email", email), ("experience", experience),
                       ("availability", availability), ("resume_url", resume_url)):
        if value:
            applicant[key] = value
    if languages:
        applicant["languages"] = [x.strip() for x in languages.split(",") if x.strip()]
    body = {"bpp_uri": bpp_uri, "provider_id": provider_id, "posting_id": posting, "applicant": applicant,
            **({"bpp_id": bpp_id} if bpp_id else {})}
    _show_applied(_client(data_dir, node).post("/api/apply", body), as_json)


@apply.command()
@click.argument("application_id")
@data_dir_option
@node_option
@json_option
@user_errors
def status(application_id: str, data_dir: Path, node: str | None, as_json: bool) -> None:
    """Ask the employer for the application's stage."""
    _show_applied(_client(data_dir, node).post(f"/api/apply/{application_id}/status", {}), as_json)


@apply.command()
@click.argument("application_id")
@click.option("--reason", default=None, help="Why you withdraw (sent to the employer).")
@data_dir_option
@node_option
@json_option
@user_errors
def withdraw(application_id: str, reason: str | None, data_dir: Path, node: str | None, as_json: bool) -> None:
    """Withdraw the application (the employer is told)."""
    body = {"reason": reason} if reason else {}
    _show_applied(_client(data_dir, node).post(f"/api/apply/{application_id}/withdraw", body), as_json)


# ---- the employer ------------------------------------------------------------------------------


def _line(app: dict[str, Any]) -> str:
    a = app["applicant"]
    contact = a.get("phone") or a.get("email") or ""
    return f"{app['id']}  {app['stage']:<9}  {app['posting_id']:<14}  {a['name']}  {contact}"


def _show(app: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(app, ensure_ascii=False))
        return
    click.echo(_line(app))
    a = app["applicant"]
    languages = Formats(language_of_environment()).languages(a.get("languages") or [])
    for label, value in ((_("languages: {value}"), languages), (_("experience: {value}"), a.get("experience")),
                         (_("availability: {value}"), a.get("availability")),
                         (_("résumé: {value}"), a.get("resume_url")), (_("email: {value}"), a.get("email"))):
        if value:
            click.echo("  " + label.format(value=value))
    for h in app["history"]:
        click.echo(f"  {h['at']}  {h['stage']:<9}  " + _("by {who}").format(who=h["by"]))


@click.group()
def applications() -> None:
    """The job applications this node's providers received: list, show, move."""


@applications.command("list")
@click.option("--stage", type=click.Choice(STAGES, case_sensitive=False), default=None, help="Only this stage.")
@click.option("--provider", "provider_id", default=None, help="Only this provider's.")
@data_dir_option
@node_option
@json_option
@user_errors
def list_cmd(stage: str | None, provider_id: str | None, data_dir: Path, node: str | None, as_json: bool) -> None:
    """List applications, newest first."""
    params = {k: v for k, v in (("stage", stage.upper() if stage else None), ("provider_id", provider_id)) if v}
    found = NodeClient(data_dir, node).get("/api/applications", **params)["applications"]
    echo_list(found, as_json, _("no applications"), _line)


@applications.command()
@click.argument("application_id")
@data_dir_option
@node_option
@json_option
@user_errors
def show(application_id: str, data_dir: Path, node: str | None, as_json: bool) -> None:
    """Show one application: the applicant and its history."""
    _show(NodeClient(data_dir, node).get(f"/api/applications/{application_id}")["application"], as_json)


@applications.command()
@click.argument("application_id")
@click.argument("stage", type=click.Choice(MOVES, case_sensitive=False))
@data_dir_option
@node_option
@json_option
@user_errors
def move(application_id: str, stage: str, data_dir: Path, node: str | None, as_json: bool) -> None:
    """Move an application to STAGE (the applicant is told)."""
    app = NodeClient(data_dir, node).post(f"/api/applications/{application_id}/move", {"stage": stage.upper()})
    _show(app["application"], as_json)
