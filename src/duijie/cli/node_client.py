"""Talking to a running node's JSON API from the command line, with its admin token."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import httpx

from duijie.cli.common import Failure
from duijie.storage.node_config import load_config, read_admin_token


def node_base_url(data_dir: Path, node: str | None) -> str:
    """``--node`` if given, else the scheme://host:port of the node's configured URL."""
    if node:
        return node.rstrip("/")
    parts = urlsplit(load_config(data_dir).url)
    return f"{parts.scheme}://{parts.netloc}"


def node_option(f: Any) -> Any:
    return click.option("--node", default=None, help="Base URL of the running node (default: from its config).")(f)


class NodeClient:
    """A small JSON client; every failure becomes a one-line :class:`Failure`."""

    def __init__(self, data_dir: Path, node: str | None = None, timeout: float = 30.0) -> None:
        self.base = node_base_url(data_dir, node)
        token = read_admin_token(data_dir)
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
