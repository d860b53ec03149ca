"""duijie.storage.keyfiles (kept with the protocol key tests; move to tests/unit/storage if preferred)."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from duijie.protocol.keys import EncryptionKey, NodeKeys, SigningKey
from duijie.storage.keyfiles import (
    KeyFileError,
    KeysExist,
    create_keys,
    current_keys,
    keys_dir,
    read_keyring,
    read_keys,
    rotate_keys,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2026, 6, 1, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)


def _keys(ukid: str, start: datetime = T0) -> NodeKeys:
    return NodeKeys("node.test", ukid, SigningKey.generate(), EncryptionKey.generate(), start, END)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keys_are_stored_owner_only_and_read_back(tmp_path: Path) -> None:
    keys = _keys("k1")
    create_keys(tmp_path, keys)
    assert _mode(keys_dir(tmp_path)) == 0o700
    assert {_mode(p) for p in keys_dir(tmp_path).iterdir()} == {0o600}
    loaded = read_keys(tmp_path, "k1")
    assert loaded.signing.seed == keys.signing.seed
    assert loaded.encryption.raw == keys.encryption.raw
    assert (loaded.valid_from, loaded.valid_until) == (T0, END)


def test_keyring_holds_no_secrets(tmp_path: Path) -> None:
    keys = _keys("k1")
    create_keys(tmp_path, keys)
    text = (keys_dir(tmp_path) / "keyring.json").read_text()
    assert keys.signing.secret_key_base64() not in text and keys.encryption.private_key_base64() not in text
    assert read_keyring(tmp_path)[0]["signing_public_key"] == keys.signing.public_key_base64()


def test_existing_keys_are_never_overwritten(tmp_path: Path) -> None:
    first = _keys("k1")
    create_keys(tmp_path, first)
    with pytest.raises(KeysExist):
        create_keys(tmp_path, _keys("k1"))
    with pytest.raises(KeysExist):
        create_keys(tmp_path, _keys("k2"))
    assert read_keys(tmp_path, "k1").signing.seed == first.signing.seed


def test_rotation_adds_a_key_and_retires_the_old_one_but_keeps_it(tmp_path: Path) -> None:
    old, new = _keys("k1"), _keys("k2", T1)
    create_keys(tmp_path, old)
    retire = datetime(2026, 6, 2, tzinfo=UTC)
    rotate_keys(tmp_path, new, retire_old_at=retire)
    assert [e["unique_key_id"] for e in read_keyring(tmp_path)] == ["k1", "k2"]
    assert read_keys(tmp_path, "k1").valid_until == retire
    assert current_keys(tmp_path, datetime(2026, 3, 1, tzinfo=UTC)).unique_key_id == "k1"
    assert current_keys(tmp_path, datetime(2026, 6, 1, 12, tzinfo=UTC)).unique_key_id == "k2"
    assert current_keys(tmp_path, datetime(2026, 7, 1, tzinfo=UTC)).unique_key_id == "k2"
    with pytest.raises(KeysExist):
        rotate_keys(tmp_path, _keys("k2"), retire_old_at=retire)


def test_rotation_needs_existing_keys_and_current_needs_a_valid_key(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError):
        rotate_keys(tmp_path, _keys("k1"), retire_old_at=T1)
    create_keys(tmp_path, _keys("k1"))
    with pytest.raises(KeyFileError):
        current_keys(tmp_path, datetime(2030, 1, 1, tzinfo=UTC))


def test_unsafe_key_ids_and_tampered_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError):
        create_keys(tmp_path, _keys("../evil"))
    create_keys(tmp_path, _keys("k1"))
    path = keys_dir(tmp_path) / "k1.json"
    data = json.loads(path.read_text())
    other = SigningKey.generate()
    data["signing_private_key"] = other.secret_key_base64()
    path.write_text(json.dumps(data))
    with pytest.raises(KeyFileError):
        read_keys(tmp_path, "k1")
