"""Node lifecycle commands: init, info, serve."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import click

from duijie.cli.back_office import back_office_argv, back_office_mode_default
from duijie.cli.common import Failure, data_dir_option, db_option, user_errors
from duijie.cli.node_setup import create_node_dir
from duijie.l10n.cli_text import _
from duijie.protocol.roles import default_roles
from duijie.storage import keyfiles
from duijie.storage.node_config import load_config


@click.command()
@data_dir_option
@click.option("--subscriber-id", default=None, help="Network id of this node (default: host:port of --url).")
@click.option(
    "--url",
    default="http://127.0.0.1:8000/beckn",
    show_default=True,
    help="Public Beckn base URL of this node (subscriber_url).",
)
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON line.")
@user_errors
def init(data_dir: Path, subscriber_id: str | None, url: str, db_url: str | None, as_json: bool) -> None:
    """Create a node: config, Ed25519 signing key, X25519 encryption key, admin token.

    Refuses to overwrite a data dir that already holds keys.
    """
    created = create_node_dir(data_dir, url, subscriber_id, db_url)
    if as_json:
        click.echo(
            json.dumps(
                {"subscriber_id": created.subscriber_id, "url": created.url, "unique_key_id": created.unique_key_id}
            )
        )
        return
    click.echo(_("initialised node {id} at {path}").format(id=created.subscriber_id, path=data_dir))
    click.echo(f"  subscriber_url      {created.url}")
    click.echo(f"  unique_key_id       {created.unique_key_id}")
    click.echo(f"  signing_public_key  {created.signing_public_key}")
    label = _("admin token")
    click.echo(f"  {label:<20}{created.admin_token_path}")
    click.echo(" " * 22 + _("(owner-only; send it as 'Authorization: Bearer <token>')"))


@click.command()
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@user_errors
def info(data_dir: Path, as_json: bool) -> None:
    """Show this node's subscriber_id, URL and public keys."""
    config = load_config(data_dir)
    try:
        current = keyfiles.current_keys(data_dir, datetime.now(UTC))
        ring = keyfiles.read_keyring(data_dir)
    except keyfiles.KeyFileError as exc:
        raise Failure(str(exc)) from exc
    data = {
        "subscriber_id": config.subscriber_id,
        "url": config.subscriber_url,
        "unique_key_id": current.unique_key_id,
        "signing_public_key": current.signing.public_key_base64(),
        "encr_public_key": current.encryption.public_key_base64(),
        "valid_from": current.valid_from.isoformat(),
        "valid_until": current.valid_until.isoformat(),
        "keys": ring,
    }
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    for key in ("subscriber_id", "url", "unique_key_id", "signing_public_key", "encr_public_key", "valid_until"):
        click.echo(f"{key:<20}{data[key]}")


@click.command()
@data_dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@db_option
@click.option("--registry", "registries", multiple=True,
              help="A Beckn registry to trust for unknown senders (repeatable).")
@click.option("--peer", "peers", multiple=True, help="Bootstrap peer node URL for discovery (repeatable).")
@click.option("--resolve", "resolve", multiple=True, metavar="NAME=URL",
              help="Where the identity NAME lives, like curl's --resolve (repeatable): its keys are looked up at "
                   "URL/registry/lookup and its records must point there. For demos and tests on one machine; "
                   "by default an id host[:port] lives at https://host[:port] (http on loopback).")
@click.option("--role", "roles", multiple=True, metavar="BAP|BPP|BG",
              type=click.Choice(["BAP", "BPP", "BG"], case_sensitive=False),
              help="A Beckn role this node plays, publishes and accepts messages for (repeatable): BAP buys "
                   "(receives on_* callbacks), BPP sells (receives search/select/init/confirm/...), BG is a "
                   "gateway (receives search and on_search). Default: BAP, plus BPP when the data dir hosts "
                   "providers, plus BG with --gateway. Other actions are NACKed (40001, naming the roles).")
@click.option("--gateway", is_flag=True, help="Same as --role BG: act as a Beckn gateway that multicasts search.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
@click.option("--back-office", "back_office", type=click.Choice(["process", "inline"]),
              default=back_office_mode_default, envvar="DUIJIE_BACK_OFFICE",
              help="Where journaled requests are handled: 'process' (a second process on another core, the "
                   "default with two or more cores) or 'inline' (this process). Env: DUIJIE_BACK_OFFICE.")
@click.option("--calm-backlog", default=64, show_default=True, envvar="DUIJIE_CALM_BACKLOG",
              type=click.IntRange(0, 100_000),
              help="Journaled requests that may wait before the node counts as under pressure: then it hands new "
                   "ones to the back office and narrows its own handling. Env: DUIJIE_CALM_BACKLOG.")
@user_errors
def serve(
    data_dir: Path,
    host: str,
    port: int,
    db_url: str | None,
    registries: tuple[str, ...],
    peers: tuple[str, ...],
    resolve: tuple[str, ...],
    roles: tuple[str, ...],
    gateway: bool,
    log_level: str,
    back_office: str,
    calm_backlog: int,
) -> None:
    """Serve the node over HTTP (uvicorn with uvloop and httptools).

    This process checks, journals and ACKs what arrives; by default a back office process
    handles the journaled requests and sends the callbacks on the other core (`--back-office`).
    The node's roles (`--role`) are what it publishes in its node record and lookup, and the
    only Beckn actions it accepts.
    """
    import uvicorn

    from duijie.bootstrap import BACK_OFFICE_ACTIONS, build_node
    from duijie.cli.gc_tuning import tune_for_serving
    from duijie.local_node import open_catalog
    from duijie.protocol.identity import ResolveEntryError, parse_resolve
    from duijie.settings import SettingError, Settings
    from duijie.transport.process_link import IntakeLink

    logging.getLogger("duijie").setLevel(log_level.upper())
    try:
        names = dict(parse_resolve(entry) for entry in resolve)
    except ResolveEntryError as exc:
        raise Failure(str(exc)) from exc
    link = None
    if back_office == "process":
        link = IntakeLink(back_office_argv(data_dir, db_url, registries, gateway, log_level), BACK_OFFICE_ACTIONS)
    if not roles:
        roles = default_roles(hosts_providers=bool(open_catalog(data_dir, db_url=db_url).providers()), gateway=gateway)
    try:  # the flags and the DUIJIE_* environment, read once here and passed down
        settings = Settings(registries=registries, peers=peers, gateway=gateway, roles=roles,
                            calm_backlog=calm_backlog, resolve=names)
    except SettingError as exc:
        raise Failure(str(exc)) from exc
    node = build_node(
        data_dir,
        db_url=db_url,
        options=settings,
        link=link,
    )
    tune_for_serving()
    uvicorn.run(
        node.app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        log_level=log_level,
        access_log=log_level == "debug",
        timeout_graceful_shutdown=5,
    )
