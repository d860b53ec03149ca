"""Where an identity lives: the address a subscriber id names, and whether a URL is bound to it.

Beckn networks use the subscriber URL's host as the ``subscriber_id``: only whoever controls
that host can answer there, so the host is the one place that may speak for the identity's
keys (see docs/TRUST.md). A subscriber id ``host[:port]`` names the base URL
``{scheme}://{host[:port]}``: ``http`` for loopback hosts, ``https`` otherwise. A node's
operator may map names to base URLs (``duijie serve --resolve NAME=URL``, like curl's
``--resolve``) for demos and tests on one machine; that map is configuration, never something
a peer says.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_HOST_PORT = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\.?)+(?::\d{1,5})?$|^\[[0-9a-f:.]+\](?::\d{1,5})?$")
_MAX_ID = 253


class ResolveEntryError(ValueError):
    """A ``--resolve NAME=URL`` entry that cannot be used."""


def _is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _origin(url: str) -> str | None:
    """``scheme://netloc`` of an absolute http(s) URL, lower-cased; None for anything else."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def parse_resolve(entry: str) -> tuple[str, str]:
    """Read one ``NAME=URL`` entry; the URL is reduced to its origin (scheme, host, port)."""
    name, sep, url = entry.partition("=")
    name = name.strip().lower()
    origin = _origin(url)
    if not sep or not name or origin is None:
        raise ResolveEntryError(f"--resolve {entry!r}: give NAME=URL, e.g. shop.example=http://127.0.0.1:8001")
    return name, origin


@dataclass(frozen=True)
class IdentityAddresses:
    """The operator's name map plus the default rule; answers where an identity lives."""

    resolve: Mapping[str, str] = field(default_factory=dict)

    def base_url(self, subscriber_id: str) -> str | None:
        """The base URL the id names, or None when the id is not a host name at all."""
        sid = subscriber_id.strip().lower()
        mapped = self.resolve.get(sid)
        if mapped is not None:
            return mapped
        if not sid or len(sid) > _MAX_ID or not _HOST_PORT.match(sid):
            return None
        host = sid.rsplit(":", 1)[0] if not sid.startswith("[") else sid.split("]")[0] + "]"
        scheme = "http" if _is_loopback(host) else "https"
        return f"{scheme}://{sid}"

    def binds(self, subscriber_id: str, url: str) -> bool:
        """True when ``url`` is at the address ``subscriber_id`` names (same scheme, host, port)."""
        base = self.base_url(subscriber_id)
        return base is not None and _origin(url) == base

    def lookup_url(self, subscriber_id: str) -> str | None:
        """Where the identity's own key lookup answers: ``{base}/registry/lookup``."""
        base = self.base_url(subscriber_id)
        return None if base is None else f"{base}/registry/lookup"
