"""Talking to a running node's JSON API from the command line, with its admin token."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import httpx

from duijie.cli.common import Failure
from duijie.storage.node_config import CONFIG_FILE, load_config, read_admin_token


def node_base_url(data_dir: Path | None, node: str | None) -> str:
    """``--node`` if given, else the scheme://host:port of the node's configured URL."""
    if node:
        return node.rstrip("/")
    if data_dir is None:
        raise Failure("give --data-dir (or DUIJIE_DATA_DIR) or --node URL")
    parts = urlsplit(load_config(data_dir).url)
    return f"{parts.scheme}://{parts.netloc}"


def obvious_data_dir(here: Path | None = None) -> Path | None:
    """The one node data dir in sight: the current directory if it is one, else its only
    subdirectory that is; None when there is none. Several are a :class:`Failure` naming them."""
    here = here or Path.cwd()
    if (here / CONFIG_FILE).is_file():
        return here
    try:
        found = [d for d in sorted(here.iterdir()) if d.is_dir() and (d / CONFIG_FILE).is_file()]
    except OSError:
        return None
    if len(found) > 1:
        raise Failure(f"several node data dirs here ({', '.join(d.name for d in found)}): give --data-dir")
    return found[0] if found else None


def optional_data_dir_option(f: Any) -> Any:
    """``--data-dir`` for commands that can do without: default the one obvious node data dir."""
    return click.option(
        "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None, envvar="DUIJIE_DATA_DIR",
        help="The node's data directory. Env: DUIJIE_DATA_DIR. Default: the current directory if it is a data "
             "dir, else its only subdirectory that is (not needed with --node).",
    )(f)


def node_option(f: Any) -> Any:
    return click.option("--node", default=None, help="Base URL of the running node (default: from its config).")(f)


class NodeClient:
    """A small JSON client; every failure becomes a one-line :class:`Failure`."""

    def __init__(self, data_dir: Path | None, node: str | None = None, timeout: float = 30.0) -> None:
        self.base = node_base_url(data_dir, node)
        token = read_admin_token(data_dir) if data_dir is not None else None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(base_url=self.base, headers=headers, timeout=timeout)

    def request(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        try:
            resp = self._client.request(method, path, json=json, params=params)
        except httpx.HTTPError as exc:
            raise Failure(f"cannot reach the node at {self.base}: {exc} (is `duijie serve` running?)") from exc
        try:
            data = resp.json()
        except ValueError:
            data = None
        if resp.status_code >= 400:
            err = data.get("error", {}) if isinstance(data, dict) else {}
            message = err.get("message") if isinstance(err, dict) else None
            raise Failure(f"{method} {path}: HTTP {resp.status_code}: {message or resp.text[:200]}")
        return data

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, json: Any = None) -> Any:
        return self.request("POST", path, json=json)
