"""Signing as this node with the key files in the data dir, following rotations on disk."""

from __future__ import annotations

import base64
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from duijie.protocol.keys import NodeKeys
from duijie.protocol.outbound import build_signed_request
from duijie.services.ports import DetachedSignature
from duijie.storage import keyfiles


class KeyringSigner:
    """Holds the node's key sets; re-reads the keyring when `duijie keys rotate` changed it."""

    def __init__(self, data_dir: Path, recheck_seconds: float = 2.0) -> None:
        self._data_dir = data_dir
        self._recheck = recheck_seconds
        self._lock = threading.Lock()
        self._checked = 0.0
        self._mtime = -1.0
        self._all: list[NodeKeys] = []
        self._reload()

    def _ring_mtime(self) -> float:
        try:
            return (keyfiles.keys_dir(self._data_dir) / "keyring.json").stat().st_mtime
        except OSError:
            return -1.0

    def _reload(self) -> None:
        self._mtime = self._ring_mtime()
        entries = keyfiles.read_keyring(self._data_dir)
        self._all = [keyfiles.read_keys(self._data_dir, e["unique_key_id"]) for e in entries]
        self._checked = time.monotonic()

    def _fresh(self) -> list[NodeKeys]:
        if time.monotonic() - self._checked > self._recheck:
            with self._lock:
                if self._ring_mtime() != self._mtime:
                    self._reload()
                self._checked = time.monotonic()
        return self._all

    def all_keys(self) -> list[NodeKeys]:
        """Every key set this node has, current and retired (for lookups and verification)."""
        return list(self._fresh())

    def current(self, now: datetime | None = None) -> NodeKeys:
        """The newest key set valid at ``now``."""
        now = now or datetime.now(UTC)
        valid = [k for k in self._fresh() if k.is_valid_at(now)]
        if not valid:
            raise keyfiles.KeyFileError(f"no key in {self._data_dir}/keys is valid at {now.isoformat()}")
        return max(valid, key=lambda k: k.valid_from)

    def headers_for(self, body: bytes, now: datetime) -> dict[str, str]:
        _, headers = build_signed_request(body, self.current(now), now)
        return headers

    def sign_detached(self, data: bytes, now: datetime) -> DetachedSignature:
        keys = self.current(now)
        return DetachedSignature(
            keys.subscriber_id,
            keys.unique_key_id,
            keys.signing.public_key_base64(),
            base64.b64encode(keys.signing.sign(data)).decode(),
        )
