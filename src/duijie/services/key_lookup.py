"""Finding a sender's public key: own keys, then keys already trusted, then the key authority.

Only keys from a source that may speak for the identity are believed (docs/TRUST.md): a
configured registry, the subscriber's own lookup at the address its id names, or a change
endorsed by a key already trusted. A key nobody vouches for is unknown, and the message
signed with it is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from duijie.protocol.keys import NodeKeys, VerifyKey
from duijie.protocol.records import VouchState
from duijie.services.key_authority import KeyAuthority, is_trusted_source
from duijie.services.ports import Clock, KnownKey, UnitOfWorkFactory
from duijie.services.subscriptions import key_from_subscription, subscription_record

__all__ = ["NodeKeyResolver", "key_from_subscription", "subscription_record"]

log = logging.getLogger("duijie.keys")


class NodeKeyResolver:
    """Resolves (subscriber_id, unique_key_id) in DESIGN.md §5 order, caching what it finds."""

    def __init__(
        self,
        own_keys: Callable[[], Sequence[NodeKeys]],
        uow: UnitOfWorkFactory,
        clock: Clock,
        authority: KeyAuthority,
    ) -> None:
        self._own_keys = own_keys
        self._uow = uow
        self._clock = clock
        self.authority = authority
        self._cache: dict[tuple[str, str], KnownKey] = {}

    @property
    def registries(self) -> list[str]:
        return self.authority.registries

    async def resolve(self, subscriber_id: str, unique_key_id: str) -> VerifyKey | None:
        now = self._clock.now()
        for own in self._own_keys():
            if own.subscriber_id == subscriber_id and own.unique_key_id == unique_key_id:
                return own.signing.verify_key() if own.is_valid_at(now) else None
        cached = self._cache.get((subscriber_id, unique_key_id))
        if cached is None:
            cached = await self._uow.run(self._from_table, subscriber_id, unique_key_id)
        if cached is None:
            answer = await self.authority.vouch(subscriber_id, unique_key_id)
            if answer.vouch.state is VouchState.FOUND and answer.key is not None:
                cached = answer.key
                await self._uow.run(self._remember, cached)
        if cached is None or not cached.is_valid_at(now):
            return None
        self._cache[(subscriber_id, unique_key_id)] = cached
        return VerifyKey.from_base64(cached.signing_public_key)

    def _from_table(self, subscriber_id: str, unique_key_id: str) -> KnownKey | None:
        with self._uow(read_only=True) as uow:
            key = uow.known_keys.get(subscriber_id, unique_key_id)
        return key if key is not None and is_trusted_source(key.source) else None

    def _remember(self, key: KnownKey) -> None:
        with self._uow() as uow:
            uow.known_keys.put(key, self._clock.now())
            uow.commit()

