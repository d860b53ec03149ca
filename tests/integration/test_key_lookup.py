"""Key lookup order (own keys → trusted table → registries → the id's own lookup), on both backends."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from duijie.protocol.identity import IdentityAddresses
from duijie.protocol.keys import EncryptionKey, NodeKeys, SigningKey
from duijie.services.key_authority import HttpIdentityLookup, KeyAuthority
from duijie.services.key_lookup import NodeKeyResolver, key_from_subscription, subscription_record
from duijie.services.ports import KnownKey, TransportResponse
from duijie.services.registry import LookupService
from duijie.storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


def _keys(sid: str, ukid: str = "k1") -> NodeKeys:
    return NodeKeys(sid, ukid, SigningKey.generate(), EncryptionKey.generate(), NOW - timedelta(days=1),
                    NOW + timedelta(days=30))


class FakeTransport:
    """Records what is sent and answers from a script."""

    def __init__(self, answer: TransportResponse | Exception) -> None:
        self.answer = answer
        self.sent: list[tuple[str, bytes, Mapping[str, str]]] = []

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> TransportResponse:
        self.sent.append((url, body, headers))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _known(keys: NodeKeys, source: str) -> KnownKey:
    return KnownKey(keys.subscriber_id, keys.unique_key_id, keys.signing.public_key_base64(),
                    keys.encryption.public_key_base64(), "http://x/beckn", keys.valid_from, keys.valid_until, source)


def _resolver(engine: Engine, transport: FakeTransport, own: list[NodeKeys] | None = None,
              registries: tuple[str, ...] = (), clock: FixedClock | None = None,
              names: dict[str, str] | None = None) -> NodeKeyResolver:
    authority = KeyAuthority(HttpIdentityLookup(transport), IdentityAddresses(names or {}), registries)
    return NodeKeyResolver(lambda: own or [], SqlUnitOfWorkFactory(engine), clock or FixedClock(), authority)


def _answer(*keys: NodeKeys, url: str = "http://x/beckn") -> TransportResponse:
    records = [subscription_record(KnownKey(k.subscriber_id, k.unique_key_id, k.signing.public_key_base64(),
                                            None, url, k.valid_from, k.valid_until, "x")) for k in keys]
    return TransportResponse(200, json.dumps(records).encode())


def test_own_keys_resolve_without_any_lookup(engine: Engine) -> None:
    own = _keys("me.example")
    transport = FakeTransport(RuntimeError("must not be called"))
    found = asyncio.run(_resolver(engine, transport, [own]).resolve("me.example", "k1"))
    assert found is not None and found.to_base64() == own.signing.public_key_base64()
    assert transport.sent == []


def test_trusted_keys_in_the_table_are_used_before_any_lookup(engine: Engine) -> None:
    peer = _keys("peer.example")
    with SqlUnitOfWorkFactory(engine)() as u:
        u.known_keys.put(_known(peer, "self-lookup"), NOW)
        u.commit()
    transport = FakeTransport(RuntimeError("nobody must be asked"))
    assert asyncio.run(_resolver(engine, transport, registries=("http://registry",)).resolve("peer.example", "k1"))
    assert transport.sent == []


def test_a_key_learned_from_a_relayed_record_by_an_old_version_is_not_trusted(engine: Engine) -> None:
    victim, forger = _keys("victim.example"), _keys("victim.example")
    with SqlUnitOfWorkFactory(engine)() as u:
        u.known_keys.put(_known(forger, "peer-record"), NOW)
        u.commit()
    transport = FakeTransport(_answer(victim))
    found = asyncio.run(_resolver(engine, transport).resolve("victim.example", "k1"))
    assert found is not None and found.to_base64() == victim.signing.public_key_base64()
    assert transport.sent[0][0] == "https://victim.example/registry/lookup"


def test_registry_vouches_and_the_key_is_remembered(engine: Engine) -> None:
    peer = _keys("peer.example", "uk-9")
    transport = FakeTransport(_answer(peer))
    resolver = _resolver(engine, transport, registries=("http://registry/reg",))
    assert asyncio.run(resolver.resolve("peer.example", "uk-9")) is not None
    assert transport.sent[0][0] == "http://registry/reg/lookup"
    with SqlUnitOfWorkFactory(engine)(read_only=True) as u:
        stored = u.known_keys.get("peer.example", "uk-9")
    assert stored is not None and stored.source == "registry:http://registry/reg"


def test_the_subscribers_own_lookup_at_the_address_its_id_names_vouches(engine: Engine) -> None:
    peer = _keys("127.0.0.1:8001")
    transport = FakeTransport(_answer(peer, url="http://127.0.0.1:9999/beckn"))
    resolver = _resolver(engine, transport)
    assert asyncio.run(resolver.resolve("127.0.0.1:8001", "k1")) is not None
    assert transport.sent[0][0] == "http://127.0.0.1:8001/registry/lookup"
    with SqlUnitOfWorkFactory(engine)(read_only=True) as u:
        stored = u.known_keys.get("127.0.0.1:8001", "k1")
    # Remembered as its own word; the URL it gave elsewhere is not kept (it must be at its own address).
    assert stored is not None and stored.source == "self-lookup" and stored.url is None


def test_a_resolve_entry_says_where_a_name_lives(engine: Engine) -> None:
    peer = _keys("shop.demo")
    transport = FakeTransport(_answer(peer, url="http://127.0.0.1:7700/beckn"))
    resolver = _resolver(engine, transport, names={"shop.demo": "http://127.0.0.1:7700"})
    assert asyncio.run(resolver.resolve("shop.demo", "k1")) is not None
    assert transport.sent[0][0] == "http://127.0.0.1:7700/registry/lookup"


def test_unknown_subscriber_and_expired_keys_do_not_resolve(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    old = _keys("old.example")
    with uow() as u:
        u.known_keys.put(_known(old, "self-lookup"), NOW)
        u.commit()
    resolver = _resolver(engine, FakeTransport(TransportResponse(200, b"[]")), registries=("http://registry",),
                         clock=FixedClock(NOW + timedelta(days=60)))
    assert asyncio.run(resolver.resolve("nobody.example", "k1")) is None
    assert asyncio.run(resolver.resolve("old.example", "k1")) is None


def test_a_miss_is_remembered_so_a_flood_of_unknown_ids_sends_one_lookup_each(engine: Engine) -> None:
    transport = FakeTransport(TransportResponse(200, b"[]"))
    resolver = _resolver(engine, transport)
    for _ in range(20):
        assert asyncio.run(resolver.resolve("nobody.example", "k1")) is None
    assert len(transport.sent) == 1


def test_a_lookup_answering_for_someone_else_is_ignored(engine: Engine) -> None:
    other = _keys("other.example", "k1")
    transport = FakeTransport(_answer(other))
    resolver = _resolver(engine, transport, registries=("http://r",))
    assert asyncio.run(resolver.resolve("victim.example", "k1")) is None
    assert [u for u, _, _ in transport.sent] == ["http://r/lookup", "https://victim.example/registry/lookup"]


def test_lookup_answers_in_the_subscription_shape_with_aliases() -> None:
    own = _keys("me.example", "uk-1")
    service = LookupService(lambda: [own], "http://127.0.0.1:1/beckn", ["BPP"])
    records = asyncio.run(service.lookup({"subscriber_id": "me.example", "ukId": "uk-1"}))
    assert len(records) == 1
    rec = records[0]
    assert rec["url"] == rec["subscriber_url"] == "http://127.0.0.1:1/beckn"
    assert rec["key_id"] == rec["ukId"] == "uk-1"
    assert rec["status"] == "SUBSCRIBED" and rec["signing_public_key"] == own.signing.public_key_base64()
    assert key_from_subscription(rec, "t") is not None
    assert asyncio.run(service.lookup({"subscriber_id": "someone.else"})) == []


def test_a_lookup_answers_for_its_own_node_only_never_for_keys_it_learned(engine: Engine) -> None:
    own, learned = _keys("me.example"), _keys("peer.example")
    with SqlUnitOfWorkFactory(engine)() as u:
        u.known_keys.put(_known(learned, "self-lookup"), NOW)
        u.commit()
    service = LookupService(lambda: [own], "http://127.0.0.1:1/beckn", ["BPP"])
    assert [r["subscriber_id"] for r in asyncio.run(service.lookup({}))] == ["me.example"]
    assert asyncio.run(service.lookup({"subscriber_id": "peer.example"})) == []
