"""Creating a node's data dir; shared by `duijie init` and `duijie demo`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from duijie.cli.common import Failure
from duijie.l10n.cli_text import _
from duijie.protocol.keys import EncryptionKey, NodeKeys, SigningKey
from duijie.storage import keyfiles
from duijie.storage.node_config import (
    NodeConfig,
    default_subscriber_id,
    new_admin_token,
    validate_url,
    write_admin_token,
    write_config,
)


@dataclass(frozen=True, slots=True)
class CreatedNode:
    subscriber_id: str
    url: str
    unique_key_id: str
    signing_public_key: str
    admin_token_path: Path


def create_node_dir(
    data_dir: Path,
    url: str,
    subscriber_id: str | None = None,
    db_url: str | None = None,
    registries: tuple[str, ...] = (),
) -> CreatedNode:
    """Make keys, admin token and config; refuse to overwrite existing keys."""
    url = validate_url(url)
    subscriber_id = subscriber_id or default_subscriber_id(url)
    if not subscriber_id.strip() or any(c in subscriber_id for c in "|\" \n"):
        raise Failure(_("--subscriber-id: {value!r} may not be empty or contain '|', quotes or spaces")
                      .format(value=subscriber_id))
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    if keyfiles.read_keyring(data_dir):
        raise Failure(_("{path} already holds node keys; refusing to overwrite them").format(path=data_dir))
    keys = new_node_keys(subscriber_id, datetime.now(UTC))
    try:
        keyfiles.create_keys(data_dir, keys)
    except keyfiles.KeysExist as exc:
        raise Failure(_("{path} already holds node keys; refusing to overwrite them").format(path=data_dir)) from exc
    token, token_hash = new_admin_token()
    write_config(data_dir, NodeConfig(subscriber_id, url, token_hash, db_url=db_url, registries=registries))
    token_path = write_admin_token(data_dir, token)
    return CreatedNode(subscriber_id, url, keys.unique_key_id, keys.signing.public_key_base64(), token_path)


KEY_LIFETIME = timedelta(days=365)


def new_node_keys(subscriber_id: str, now: datetime) -> NodeKeys:
    """A fresh Ed25519 + X25519 key set with a new unique_key_id, valid for a year."""
    return NodeKeys(
        subscriber_id=subscriber_id,
        unique_key_id=str(uuid.uuid4()),
        signing=SigningKey.generate(),
        encryption=EncryptionKey.generate(),
        valid_from=now,
        valid_until=now + KEY_LIFETIME,
    )
