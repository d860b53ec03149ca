"""Node keys on disk: ``DATA_DIR/keys/`` (mode 0700) with one 0600 JSON file per key set.

Layout::

    keys/keyring.json         every key set ever created, with its validity window
    keys/<unique_key_id>.json the secrets of one key set

Key files are written once and never overwritten. Rotation adds a new key set and shortens the
validity of the older ones in the keyring; old keys stay readable so signatures made with them
can still be verified until they expire.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from duijie.protocol.keys import EncryptionKey, NodeKeys, SigningKey

__all__ = [
    "KeyFileError",
    "KeysExist",
    "create_keys",
    "current_keys",
    "keys_dir",
    "read_keyring",
    "read_keys",
    "rotate_keys",
]

_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_KEYRING = "keyring.json"


class KeyFileError(Exception):
    """Key files are missing, unreadable or inconsistent."""


class KeysExist(KeyFileError):
    """Refused to overwrite keys that already exist."""


def keys_dir(data_dir: Path) -> Path:
    """``DATA_DIR/keys``."""
    return Path(data_dir) / "keys"


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` with mode 0600, failing if it exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeysExist(f"{path} already exists; refusing to overwrite keys") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _replace(path: Path, text: str) -> None:
    """Atomically replace ``path`` (0600) via a temporary file."""
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    _write_new(tmp, text)
    os.replace(tmp, path)


def _ensure_dir(data_dir: Path) -> Path:
    directory = keys_dir(data_dir)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    return directory


def _entry(keys: NodeKeys) -> dict[str, Any]:
    return {
        "subscriber_id": keys.subscriber_id,
        "unique_key_id": keys.unique_key_id,
        "signing_public_key": keys.signing.public_key_base64(),
        "encr_public_key": keys.encryption.public_key_base64(),
        "valid_from": keys.valid_from.isoformat(),
        "valid_until": keys.valid_until.isoformat(),
    }


def _key_path(directory: Path, unique_key_id: str) -> Path:
    if not _SAFE_ID.fullmatch(unique_key_id):
        raise KeyFileError(f"unique_key_id {unique_key_id!r} is not usable as a file name")
    return directory / f"{unique_key_id}.json"


def _write_key_file(directory: Path, keys: NodeKeys) -> None:
    secret = _entry(keys) | {
        "signing_private_key": keys.signing.secret_key_base64(),
        "encr_private_key": keys.encryption.private_key_base64(),
    }
    _write_new(_key_path(directory, keys.unique_key_id), json.dumps(secret, indent=2) + "\n")


def _write_keyring(directory: Path, entries: list[dict[str, Any]]) -> None:
    _replace(directory / _KEYRING, json.dumps({"keys": entries}, indent=2, ensure_ascii=False) + "\n")


def read_keyring(data_dir: Path) -> list[dict[str, Any]]:
    """Every key set's public record and validity window, oldest first (empty if none)."""
    path = keys_dir(data_dir) / _KEYRING
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["keys"]
    except (OSError, ValueError, KeyError) as exc:
        raise KeyFileError(f"cannot read {path}: {exc}") from exc
    return list(entries)


def create_keys(data_dir: Path, keys: NodeKeys) -> Path:
    """Store the node's first key set; raise :class:`KeysExist` if keys are already stored."""
    directory = _ensure_dir(data_dir)
    if read_keyring(data_dir):
        raise KeysExist(f"{directory / _KEYRING} already lists keys; use rotate_keys")
    _write_key_file(directory, keys)
    _write_keyring(directory, [_entry(keys)])
    return directory


def rotate_keys(data_dir: Path, new_keys: NodeKeys, retire_old_at: datetime) -> None:
    """Add ``new_keys`` and end every older key's validity at ``retire_old_at`` (if later)."""
    entries = read_keyring(data_dir)
    if not entries:
        raise KeyFileError("no keys to rotate; use create_keys")
    if any(entry["unique_key_id"] == new_keys.unique_key_id for entry in entries):
        raise KeysExist(f"unique_key_id {new_keys.unique_key_id!r} already exists")
    directory = _ensure_dir(data_dir)
    _write_key_file(directory, new_keys)
    for entry in entries:
        if datetime.fromisoformat(entry["valid_until"]) > retire_old_at:
            entry["valid_until"] = retire_old_at.isoformat()
    _write_keyring(directory, [*entries, _entry(new_keys)])


def read_keys(data_dir: Path, unique_key_id: str) -> NodeKeys:
    """Load one key set, with the validity window the keyring now gives it."""
    directory = keys_dir(data_dir)
    window = next((e for e in read_keyring(data_dir) if e["unique_key_id"] == unique_key_id), None)
    if window is None:
        raise KeyFileError(f"no key {unique_key_id!r} in {directory / _KEYRING}")
    path = _key_path(directory, unique_key_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = NodeKeys(
            subscriber_id=data["subscriber_id"],
            unique_key_id=data["unique_key_id"],
            signing=SigningKey.from_base64(data["signing_private_key"]),
            encryption=EncryptionKey.from_base64(data["encr_private_key"]),
            valid_from=datetime.fromisoformat(window["valid_from"]),
            valid_until=datetime.fromisoformat(window["valid_until"]),
        )
    except (OSError, ValueError, KeyError) as exc:
        raise KeyFileError(f"cannot read {path}: {exc}") from exc
    if keys.signing.public_key_base64() != window["signing_public_key"]:
        raise KeyFileError(f"{path} does not match its keyring entry")
    return keys


def current_keys(data_dir: Path, now: datetime) -> NodeKeys:
    """The newest key set (latest ``valid_from``) valid at ``now``."""
    valid = [
        e
        for e in read_keyring(data_dir)
        if datetime.fromisoformat(e["valid_from"]) <= now <= datetime.fromisoformat(e["valid_until"])
    ]
    if not valid:
        raise KeyFileError(f"no key in {keys_dir(data_dir)} is valid at {now.isoformat()}")
    newest = max(valid, key=lambda e: datetime.fromisoformat(e["valid_from"]))
    return read_keys(data_dir, newest["unique_key_id"])
