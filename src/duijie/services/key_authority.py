"""Who may speak for an identity's keys: the configured registries, then the identity itself.

:class:`KeyAuthority` answers "which public key is (subscriber_id, unique_key_id)?" from the
only sources docs/TRUST.md allows: a registry the operator configured (``--registry``), or the
subscriber's own lookup reached at the address its id names (``{base}/registry/lookup``, see
:class:`~duijie.protocol.identity.IdentityAddresses`). It never asks peers and never stores;
callers keep what it finds in the key table with its source. Answers that found nothing are
remembered briefly, so a flood of requests naming unknown ids cannot turn this node into a
stream of lookups.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from duijie.protocol.identity import IdentityAddresses
from duijie.protocol.records import Vouch, VouchState
from duijie.services.ports import KnownKey, Transport
from duijie.services.subscriptions import key_from_subscription

log = logging.getLogger("duijie.keys")

SELF_LOOKUP_SOURCE = "self-lookup"
ENDORSED_SOURCE = "endorsed"
#: A lookup answer larger than this is refused (an identity has a handful of keys).
MAX_LOOKUP_BYTES = 256_000


def is_trusted_source(source: str) -> bool:
    """Key-table sources that may vouch for a key (anything else, e.g. an old ``peer-record``, may not)."""
    return source.startswith("registry:") or source in (SELF_LOOKUP_SOURCE, ENDORSED_SOURCE)


class IdentityLookup(Protocol):
    """Asks a Beckn lookup endpoint; None when it could not be reached or answered badly."""

    async def lookup(self, lookup_url: str, query: Mapping[str, str]) -> list[Any] | None: ...


class HttpIdentityLookup:
    """``POST {lookup_url}`` with a Subscription filter over the node's :class:`Transport`."""

    def __init__(self, transport: Transport, timeout: float = 5.0) -> None:
        self._transport = transport
        self._timeout = timeout

    async def lookup(self, lookup_url: str, query: Mapping[str, str]) -> list[Any] | None:
        body = json.dumps(dict(query)).encode()
        try:
            resp = await asyncio.wait_for(
                self._transport.send(lookup_url, body, {"Content-Type": "application/json"}), self._timeout)
        except Exception as exc:  # noqa: BLE001 - an unreachable authority just did not vouch
            log.info("lookup %s failed: %s", lookup_url, exc)
            return None
        if resp.status != 200 or len(resp.body) > MAX_LOOKUP_BYTES:
            return None
        try:
            records = json.loads(resp.body)
        except ValueError:
            return None
        return records if isinstance(records, list) else None


@dataclass(frozen=True, slots=True)
class Answer:
    """A :class:`Vouch` and, when found, the key as the authority described it."""

    vouch: Vouch
    key: KnownKey | None = None


class KeyAuthority:
    """Asks the registries, then the subscriber's own lookup; remembers misses for ``miss_ttl``."""

    def __init__(self, lookup: IdentityLookup, addresses: IdentityAddresses, registries: Sequence[str] = (),
                 miss_ttl: float = 30.0, max_misses: int = 10_000) -> None:
        self._lookup = lookup
        self.addresses = addresses
        self.registries = list(registries)
        self._miss_ttl = miss_ttl
        self._max_misses = max_misses
        self._misses: dict[tuple[str, str], tuple[float, Answer]] = {}
        self.lookups = 0  # for tests and benchmarks: how many requests were sent

    async def vouch(self, subscriber_id: str, unique_key_id: str) -> Answer:
        """What the authorities say about ``(subscriber_id, unique_key_id)``."""
        miss = self._misses.get((subscriber_id, unique_key_id))
        if miss is not None and miss[0] > time.monotonic():
            return miss[1]
        answer = await self._ask(subscriber_id, unique_key_id)
        if answer.vouch.state is not VouchState.FOUND:
            if len(self._misses) >= self._max_misses:
                self._misses.clear()  # bounded memory under a sweep of invented ids
            self._misses[(subscriber_id, unique_key_id)] = (time.monotonic() + self._miss_ttl, answer)
        return answer

    async def _ask(self, subscriber_id: str, unique_key_id: str) -> Answer:
        query = {"subscriber_id": subscriber_id, "key_id": unique_key_id, "ukId": unique_key_id}
        for registry in self.registries:
            source = f"registry:{registry}"
            self.lookups += 1
            found = _pick(await self._lookup.lookup(registry.rstrip("/") + "/lookup", query), subscriber_id,
                          unique_key_id, source)
            if found is not None:
                return Answer(Vouch(VouchState.FOUND, found.signing_public_key, source), found)
        lookup_url = self.addresses.lookup_url(subscriber_id)
        if lookup_url is None:
            return Answer(Vouch(VouchState.UNREACHABLE, source="no address"))
        self.lookups += 1
        records = await self._lookup.lookup(lookup_url, query)
        if records is None:
            return Answer(Vouch(VouchState.UNREACHABLE, source=SELF_LOOKUP_SOURCE))
        found = _pick(records, subscriber_id, unique_key_id, SELF_LOOKUP_SOURCE)
        if found is None:
            return Answer(Vouch(VouchState.DENIED, source=SELF_LOOKUP_SOURCE))
        if found.url is not None and not self.addresses.binds(subscriber_id, found.url):
            found = KnownKey(found.subscriber_id, found.unique_key_id, found.signing_public_key,
                             found.encr_public_key, None, found.valid_from, found.valid_until, found.source)
        return Answer(Vouch(VouchState.FOUND, found.signing_public_key, SELF_LOOKUP_SOURCE), found)


def _pick(records: list[Any] | None, subscriber_id: str, unique_key_id: str, source: str) -> KnownKey | None:
    for record in records or ():
        if not isinstance(record, dict):
            continue
        key = key_from_subscription(record, source)
        if key and key.subscriber_id == subscriber_id and key.unique_key_id == unique_key_id:
            return key
    return None
