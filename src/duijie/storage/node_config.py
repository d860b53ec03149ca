"""The node's own configuration file, ``DATA_DIR/config.json``."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CONFIG_FILE = "config.json"
ADMIN_TOKEN_FILE = "admin-token"


class ConfigError(Exception):
    """The data dir is missing, unreadable or holds an invalid configuration."""


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """Who this node is on the network and how its merchant proves to be the merchant."""

    subscriber_id: str
    url: str
    admin_token_sha256: str
    db_url: str | None = None
    registries: tuple[str, ...] = field(default_factory=tuple)
    #: Names mapped to base URLs (``--resolve`` kept in the config): where identities live.
    resolve: dict[str, str] = field(default_factory=dict)

    @property
    def subscriber_url(self) -> str:
        """The Beckn base URL: requests go to ``{subscriber_url}/{action}``."""
        return self.url.rstrip("/")

    def admin_token_matches(self, token: str) -> bool:
        """Compare in constant time, so the token cannot be guessed byte by byte."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        return hmac.compare_digest(digest, self.admin_token_sha256)


def default_subscriber_id(url: str) -> str:
    """Derive an id from the URL's host and port, as Beckn ids are usually the host name."""
    parts = urlsplit(url)
    return parts.netloc or "duijie.local"


def validate_url(url: str) -> str:
    """A subscriber URL must be absolute http(s) with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"--url must be an absolute http(s) URL, got {url!r}")
    return url.rstrip("/")


def new_admin_token() -> tuple[str, str]:
    """A fresh admin token and the hash that the config keeps."""
    token = secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


def write_config(data_dir: Path, config: NodeConfig) -> None:
    """Write the config atomically (a crash leaves the old file or the new one, never half)."""
    data = asdict(config)
    data["registries"] = list(config.registries)
    tmp = data_dir / (CONFIG_FILE + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, data_dir / CONFIG_FILE)


def write_admin_token(data_dir: Path, token: str) -> Path:
    """Keep the token for the merchant's own CLI calls, readable by the owner only."""
    path = data_dir / ADMIN_TOKEN_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    return path


def read_admin_token(data_dir: Path) -> str | None:
    path = data_dir / ADMIN_TOKEN_FILE
    return path.read_text().strip() if path.exists() else None


def load_config(data_dir: Path) -> NodeConfig:
    """Read ``config.json``; a missing or broken file is a :class:`ConfigError` naming it."""
    path = data_dir / CONFIG_FILE
    if not path.exists():
        raise ConfigError(f"{path} not found: run `duijie init --data-dir {data_dir}` first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return NodeConfig(
            subscriber_id=str(data["subscriber_id"]),
            url=validate_url(str(data["url"])),
            admin_token_sha256=str(data["admin_token_sha256"]),
            db_url=data.get("db_url"),
            registries=tuple(data.get("registries") or ()),
            resolve={str(k): str(v) for k, v in (data.get("resolve") or {}).items()},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: invalid configuration ({exc})") from exc
