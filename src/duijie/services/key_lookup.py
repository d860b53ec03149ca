"""Finding a sender's public key: own keys, then the peer table, then trusted registries.

Nothing else is trusted: a key that no trusted source vouches for is unknown, and the message
signed with it is refused.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from duijie.protocol.keys import KeyFormatError, NodeKeys, VerifyKey
from duijie.services.ports import Clock, KnownKey, Transport, UnitOfWorkFactory

log = logging.getLogger("duijie.keys")


def subscription_record(key: KnownKey, *, type_: str = "BPP") -> dict[str, Any]:
    """A key as a Beckn 1.1.1 Subscription, with the aliases older peers read."""
    return {
        "subscriber_id": key.subscriber_id,
        "url": key.url,
        "subscriber_url": key.url,
        "type": type_,
        "domain": "*",
        "key_id": key.unique_key_id,
        "ukId": key.unique_key_id,
        "unique_key_id": key.unique_key_id,
        "signing_public_key": key.signing_public_key,
        "encr_public_key": key.encr_public_key,
        "valid_from": key.valid_from.isoformat(),
        "valid_until": key.valid_until.isoformat(),
        "status": "SUBSCRIBED",
    }


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def key_from_subscription(record: dict[str, Any], source: str) -> KnownKey | None:
    """Read a Subscription record (1.1.1 names or protocol-server aliases); None if unusable."""
    try:
        subscriber_id = str(record["subscriber_id"])
        ukid = str(record.get("key_id") or record.get("ukId") or record.get("unique_key_id") or "")
        public = str(record["signing_public_key"])
        VerifyKey.from_base64(public)
    except (KeyError, KeyFormatError, ValueError, TypeError):
        return None
    valid_from = _parse_time(record.get("valid_from"))
    valid_until = _parse_time(record.get("valid_until"))
    if not ukid or valid_from is None or valid_until is None:
        return None
    url = record.get("url") or record.get("subscriber_url")
    return KnownKey(subscriber_id, ukid, public, record.get("encr_public_key"), url, valid_from, valid_until,
                    source)


class NodeKeyResolver:
    """Resolves (subscriber_id, unique_key_id) in DESIGN.md §5 order, caching what it finds."""

    def __init__(
        self,
        own_keys: Callable[[], Sequence[NodeKeys]],
        uow: UnitOfWorkFactory,
        clock: Clock,
        transport: Transport,
        registries: Sequence[str] = (),
    ) -> None:
        self._own_keys = own_keys
        self._uow = uow
        self._clock = clock
        self._transport = transport
        self.registries = list(registries)
        self._cache: dict[tuple[str, str], KnownKey] = {}

    async def resolve(self, subscriber_id: str, unique_key_id: str) -> VerifyKey | None:
        now = self._clock.now()
        for own in self._own_keys():
            if own.subscriber_id == subscriber_id and own.unique_key_id == unique_key_id:
                return own.signing.verify_key() if own.is_valid_at(now) else None
        cached = self._cache.get((subscriber_id, unique_key_id))
        if cached is None:
            cached = await self._uow.run(self._from_table, subscriber_id, unique_key_id)
        if cached is None:
            cached = await self._from_registries(subscriber_id, unique_key_id)
        if cached is None or not cached.is_valid_at(now):
            return None
        self._cache[(subscriber_id, unique_key_id)] = cached
        return VerifyKey.from_base64(cached.signing_public_key)

    def _from_table(self, subscriber_id: str, unique_key_id: str) -> KnownKey | None:
        with self._uow(read_only=True) as uow:
            return uow.known_keys.get(subscriber_id, unique_key_id)

    async def _from_registries(self, subscriber_id: str, unique_key_id: str) -> KnownKey | None:
        for registry in self.registries:
            found = await self.lookup_registry(registry, subscriber_id, unique_key_id)
            if found is not None:
                await self._uow.run(self._remember, found)
                return found
        return None

    async def lookup_registry(self, registry: str, subscriber_id: str, unique_key_id: str) -> KnownKey | None:
        """Ask one registry (Beckn ``POST {registry}/lookup``); errors count as "not found"."""
        query = {"subscriber_id": subscriber_id, "key_id": unique_key_id, "ukId": unique_key_id}
        body = json.dumps(query).encode()
        try:
            resp = await asyncio.wait_for(
                self._transport.send(registry.rstrip("/") + "/lookup", body, {"Content-Type": "application/json"}),
                timeout=5,
            )
            records = json.loads(resp.body) if resp.status == 200 else []
        except Exception as exc:  # noqa: BLE001 - a registry that fails is just one that did not vouch
            log.warning("registry %s lookup failed: %s", registry, exc)
            return None
        if not isinstance(records, list):
            return None
        for record in records:
            if not isinstance(record, dict):
                continue
            key = key_from_subscription(record, f"registry:{registry}")
            if key and key.subscriber_id == subscriber_id and key.unique_key_id == unique_key_id:
                return key
        return None

    def _remember(self, key: KnownKey) -> None:
        with self._uow() as uow:
            uow.known_keys.put(key, self._clock.now())
            uow.commit()

    def forget_cache(self) -> None:
        self._cache.clear()
