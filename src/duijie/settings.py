"""The node's settings: command-line flags and ``DUIJIE_*`` environment, read once at start.

``duijie serve`` builds one :class:`Settings` from its flags and hands it to
``duijie.bootstrap.build_node``, which passes each value down through constructors. This is the
only module that reads the environment: a field the caller does not give falls back to its
``DUIJIE_*`` variable (read when the settings are built), then to its default. The data dir's
``config.json`` (``storage.node_config``) holds what a node keeps between runs (identity, URL,
registries, database); flags add to it. README's "Settings" table lists every one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from duijie.protocol.roles import Role, parse_roles


class SettingError(ValueError):
    """A ``DUIJIE_*`` variable holds a value of the wrong shape (the message names it)."""


def _env_float(name: str, default: float) -> Callable[[], float]:
    def read() -> float:
        raw = os.environ.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingError(f"{name} must be a number, not {raw!r}") from None
        if value <= 0:
            raise SettingError(f"{name} must be greater than 0, not {raw!r}")
        return value

    return read


def _env_switch(name: str, default: bool | None) -> Callable[[], bool | None]:
    """``0`` turns a feature off, ``1`` on; unset keeps ``default`` (None: decide by what is installed)."""

    def read() -> bool | None:
        raw = os.environ.get(name)
        if raw is None or raw == "":
            return default
        if raw not in ("0", "1"):
            raise SettingError(f"{name} must be 0 or 1, not {raw!r}")
        return raw == "1"

    return read


def _env_on(name: str) -> Callable[[], bool]:
    switch = _env_switch(name, True)
    return lambda: bool(switch())


@dataclass(frozen=True)
class Settings:
    """Everything a running node is told at start, typed; frozen once built."""

    #: ``--registry``: registries trusted for unknown senders, besides config.json's.
    registries: tuple[str, ...] = ()
    #: ``--peer``: bootstrap peers for the peer exchange.
    peers: tuple[str, ...] = ()
    gateway: bool = False  # ``--gateway``, the old spelling of role BG
    #: ``--role``: the Beckn roles played, published and accepted.
    roles: tuple[str, ...] = ("BPP", "BAP")
    #: ``--calm-backlog`` (env ``DUIJIE_CALM_BACKLOG``, read by the flag): journaled messages that
    #: may wait before the node is under pressure.
    calm_backlog: int = 64
    #: ``--resolve NAME=URL``: where identities live, for demos and tests on one machine (docs/TRUST.md).
    resolve: Mapping[str, str] = field(default_factory=dict)
    #: ``DUIJIE_PEER_INTERVAL``: seconds between peer-exchange rounds.
    peer_interval: float = field(default_factory=_env_float("DUIJIE_PEER_INTERVAL", 3.0))
    #: ``DUIJIE_PEER_TIMEOUT``: seconds a peer has to answer one exchange request.
    peer_timeout: float = field(default_factory=_env_float("DUIJIE_PEER_TIMEOUT", 5.0))
    #: ``DUIJIE_PEER_RATE``: requests per second one client may make to the discovery routes.
    peer_rate: float = field(default_factory=_env_float("DUIJIE_PEER_RATE", 50.0))
    #: ``DUIJIE_POOL_INTERVAL``: seconds between looks for pools due to close.
    pool_interval: float = field(default_factory=_env_float("DUIJIE_POOL_INTERVAL", 1.0))
    #: ``DUIJIE_LOCAL_INDEX``: ``0`` keeps no local search index (a buyer node keeps one by default).
    local_index: bool = field(default_factory=_env_on("DUIJIE_LOCAL_INDEX"))
    #: ``DUIJIE_SEMANTIC``: ``0`` lexical search only, ``1`` require the embedding model; unset: use it
    #: when installed.
    semantic: bool | None = field(default_factory=_env_switch("DUIJIE_SEMANTIC", None))

    @property
    def all_roles(self) -> tuple[Role, ...]:
        """The roles this node plays and publishes (``gateway`` adds BG), most specific first."""
        return parse_roles((*self.roles, *(("BG",) if self.gateway else ())))
