"""`duijie keys`: show and rotate this node's signing keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from duijie.cli.common import Failure, data_dir_option, user_errors
from duijie.cli.node_setup import new_node_keys
from duijie.l10n.cli_text import _
from duijie.storage import keyfiles
from duijie.storage.node_config import load_config


@click.group()
def keys() -> None:
    """This node's signing and encryption keys."""


@keys.command()
@data_dir_option
@click.option("--overlap-hours", default=24.0, show_default=True, type=click.FloatRange(min=0),
              help="How long the old key stays valid, so peers can catch up with the new one.")
@user_errors
def rotate(data_dir: Path, overlap_hours: float) -> None:
    """Issue a new key (new unique_key_id); the old one stays valid for --overlap-hours."""
    config = load_config(data_dir)
    now = datetime.now(UTC)
    new = new_node_keys(config.subscriber_id, now)
    try:
        keyfiles.rotate_keys(data_dir, new, retire_old_at=now + timedelta(hours=overlap_hours))
    except keyfiles.KeyFileError as exc:
        raise Failure(str(exc)) from exc
    click.echo(_("new key {id} ({public_key})").format(id=new.unique_key_id,
                                                       public_key=new.signing.public_key_base64()))
    click.echo(_("older keys stay valid until {time}").format(time=(now + timedelta(hours=overlap_hours)).isoformat()))


@keys.command("list")
@data_dir_option
@user_errors
def list_keys(data_dir: Path) -> None:
    """Every key set with its validity window."""
    for entry in keyfiles.read_keyring(data_dir):
        window = f"{entry['valid_from']} → {entry['valid_until']}"
        click.echo(f"{entry['unique_key_id']}\t{entry['signing_public_key']}\t{window}")
