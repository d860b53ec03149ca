"""This node as a Beckn lookup source: its own keys only (and so the merchants it hosts).

A lookup never repeats keys learned from elsewhere: a node that trusts this lookup
(``--registry``) must not inherit whatever this node was told (docs/TRUST.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from duijie.protocol.keys import NodeKeys
from duijie.services.ports import KnownKey
from duijie.services.subscriptions import subscription_record


def _own_record(keys: NodeKeys, url: str) -> KnownKey:
    return KnownKey(
        keys.subscriber_id,
        keys.unique_key_id,
        keys.signing.public_key_base64(),
        keys.encryption.public_key_base64(),
        url,
        keys.valid_from,
        keys.valid_until,
        "self",
    )


def _matches(record: dict[str, Any], query: dict[str, Any]) -> bool:
    for field, aliases in (("subscriber_id", ("subscriber_id",)), ("key_id", ("key_id", "ukId", "unique_key_id"))):
        wanted = next((query[a] for a in aliases if query.get(a)), None)
        if wanted is not None and str(record[field]) != str(wanted):
            return False
    wanted_type = query.get("type")
    return not (wanted_type and record["type"] not in (wanted_type, "*"))


class LookupService:
    """Answers a Subscription filter with 1.1.1 records (plus ``subscriber_url``/``ukId`` aliases)."""

    def __init__(self, own_keys: Callable[[], Sequence[NodeKeys]], own_url: str, roles: Sequence[str]) -> None:
        self._own_keys = own_keys
        self._own_url = own_url
        self._roles = list(roles)

    async def lookup(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        own_type = self._roles[0] if self._roles else "BPP"
        records = [subscription_record(_own_record(k, self._own_url), type_=own_type) for k in self._own_keys()]
        return [r for r in records if _matches(r, query)]
