"""The use cases a node offers, handed as one object to the entry points."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from duijie.services.beckn_inbox import BecknInbox
from duijie.services.catalog import CatalogService
from duijie.services.ports import Clock
from duijie.services.registry import LookupService


@dataclass
class NodeIdentity:
    """Public facts about this node that responses and headers need."""

    subscriber_id: str
    subscriber_url: str


@dataclass
class Services:
    """Everything the api and cli layers may call; built by ``duijie.bootstrap``."""

    identity: NodeIdentity
    clock: Clock
    catalog: CatalogService
    admin_token_check: Callable[[str], bool]
    beckn: BecknInbox | None = None
    registry: LookupService | None = None
    # Filled by the features that own them (see bootstrap): typed there.
    merchant: Any = None
    seller: Any = None
    buyer: Any = None
    discovery: Any = None
    search: Any = None
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
