"""Peer exchange between in-process nodes: records and signed catalogs spread, forgeries do not."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tests.support.mock_network import DEMO_DATA, MockNet, url

from duijie.protocol.keys import SigningKey
from duijie.protocol.records import record_from_dict, sign_record

pytestmark = pytest.mark.anyio


@pytest.fixture
def net(net: MockNet, monkeypatch: pytest.MonkeyPatch) -> MockNet:
    monkeypatch.delenv("DUIJIE_LOCAL_INDEX")  # a buyer node keeps its local search index, as by default
    monkeypatch.setenv("DUIJIE_PEER_TIMEOUT", "0.5")
    return net


def _restaurant(net: MockNet, **kw: object) -> None:
    net.add("shop", roles=("BPP",), listing="chuanshan.json", **kw)  # type: ignore[arg-type]


async def _rounds(net: MockNet, names: tuple[str, ...], n: int = 2) -> None:
    for _ in range(n):
        for name in names:
            await net.nodes[name].services.discovery.run_round()


def _fake_peer(records: list[dict[str, object]], catalog: dict[str, object] | None = None) -> Starlette:
    async def page(request: Request) -> JSONResponse:
        return JSONResponse({"records": records, "next": "1", "more": False})

    async def cat(request: Request) -> JSONResponse:
        return JSONResponse(catalog or {}, status_code=200 if catalog else 404)

    return Starlette(routes=[Route("/peers/records", page, methods=["GET", "POST"]),
                             Route("/peers/catalogs/{pid}", cat, methods=["GET", "POST"])])


async def test_a_catalog_reaches_the_buyer_through_an_intermediate_peer(
    net: MockNet, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing here waits on a silent peer (the shop is down: refused at once), so the module's short
    # timeout is not needed; under a loaded CI machine a relay's answer took longer than its 0.5 s.
    monkeypatch.setenv("DUIJIE_PEER_TIMEOUT", "10")
    _restaurant(net)
    net.add("relay", peers=(url("shop"),), roles=("BPP",))
    buyer = net.add("buyer", peers=(url("relay"),), roles=("BAP",))
    await _rounds(net, ("relay",), 1)
    # The buyer checked the shop's key at the shop's own lookup before (as when they traded) ...
    shop_key = net.nodes["shop"].signer.all_keys()[0]
    assert await buyer.resolver.resolve("shop.test", shop_key.unique_key_id) is not None
    net.transport.down.add(url("shop"))  # ... then the shop goes offline: only the relay's verified copy is left
    stats = await buyer.services.discovery.run_round()
    assert stats.catalogs_fetched == 1
    results = buyer.services.search.search(text="凉皮")
    assert {r["location"]["id"] for r in results} == {"dc", "rockville"}
    assert all(r["provider_name"]["zh"] == "川陕名吃" and r["age_seconds"] >= 0 for r in results)
    assert all(r["why"] for r in results)


async def test_a_catalog_change_reaches_the_buyer_index(net: MockNet) -> None:
    _restaurant(net)
    buyer = net.add("buyer", peers=(url("shop"),), roles=("BAP",))
    await _rounds(net, ("buyer",), 1)
    doc = json.loads((DEMO_DATA / "chuanshan.json").read_text())
    new = dict(doc["catalog"]["items"][0], id="biangbiang", name={"zh": "油泼扯面", "en": "Biangbiang noodles"})
    doc["catalog"]["items"].append(new)
    net.nodes["shop"].services.catalog.import_document(doc)
    stats = await buyer.services.discovery.run_round()
    assert stats.catalogs_fetched == 1
    assert [r["provider_id"] for r in buyer.services.search.search(text="油泼扯面")][:1] == ["chuanshan"]


async def test_a_quiet_round_fetches_no_catalog_again(net: MockNet) -> None:
    _restaurant(net)
    buyer = net.add("buyer", peers=(url("shop"),), roles=("BAP",))
    await _rounds(net, ("buyer",), 1)
    net.transport.sent.clear()
    stats = await buyer.services.discovery.run_round()
    assert stats.catalogs_fetched == 0 and stats.records_accepted == 0
    assert not any("/peers/catalogs/" in u for u, _ in net.transport.sent)


async def test_a_forged_record_for_a_known_subscriber_is_refused_and_not_reserved(net: MockNet) -> None:
    _restaurant(net)
    buyer = net.add("buyer", peers=(url("shop"),), roles=("BAP",))
    await _rounds(net, ("buyer",), 1)
    genuine = buyer.services.discovery.store.record_of("shop.test")
    impostor = SigningKey.generate()
    fake_keys = tuple(k.__class__(k.unique_key_id, impostor.public_key_base64(), None, k.valid_from, k.valid_until)
                      for k in genuine.record.keys)
    forged_rec = genuine.record.__class__(**{**{f: getattr(genuine.record, f) for f in genuine.record.__slots__},
                                             "keys": fake_keys, "url": "http://evil.test/beckn",
                                             "sequence": genuine.record.sequence + 5})
    forged = sign_record(forged_rec, impostor, fake_keys[0].unique_key_id).to_dict()
    tampered = genuine.to_dict()
    tampered["record"]["url"] = "http://evil.test/beckn"
    tampered["record"]["sequence"] += 9
    net.transport.register("http://evil.test", _fake_peer([forged, tampered]))
    buyer.services.discovery.add_peers(["http://evil.test"])
    stats = await buyer.services.discovery.run_round()
    assert stats.records_refused == 2
    kept = buyer.services.discovery.store.record_of("shop.test")
    assert kept is not None and kept.record.url == "http://shop.test/beckn"
    page = buyer.services.discovery.store.records_page(None, 200)
    assert all(r["record"]["url"] != "http://evil.test/beckn" for r in page["records"])


async def test_an_expired_record_is_refused(net: MockNet) -> None:
    _restaurant(net)
    shop = net.nodes["shop"]
    buyer = net.add("buyer", roles=("BAP",))
    signed = shop.services.discovery.store.publish_self().to_dict()
    signed["record"]["expires_at"] = "2020-01-01T00:00:00+00:00"
    net.transport.register("http://old.test", _fake_peer([signed]))
    buyer.services.discovery.add_peers(["http://old.test"])
    stats = await buyer.services.discovery.run_round()
    assert stats.records_refused == 1 and buyer.services.discovery.store.record_of("shop.test") is None


async def test_a_peer_that_alters_a_catalog_is_caught_by_the_merchant_signature(net: MockNet) -> None:
    _restaurant(net)
    shop = net.nodes["shop"]
    buyer = net.add("buyer", roles=("BAP",))
    record = shop.services.discovery.store.publish_self().to_dict()
    genuine = shop.services.discovery.store.sign_catalog("chuanshan").to_dict()
    altered = json.loads(json.dumps(genuine))
    altered["listing"]["catalog"]["items"][1]["price"]["amount"] = "0.01"
    net.transport.register("http://mitm.test", _fake_peer([record], altered))
    shop_key = shop.signer.all_keys()[0]  # the buyer checked the shop's key at its own lookup before
    assert await buyer.resolver.resolve("shop.test", shop_key.unique_key_id) is not None
    net.transport.down.add(url("shop"))  # only the tampering peer can be asked
    buyer.services.discovery.add_peers(["http://mitm.test"])
    stats = await buyer.services.discovery.run_round()
    assert stats.records_accepted == 1 and stats.catalogs_refused == 1 and stats.catalogs_fetched == 0
    assert buyer.services.search.search(text="凉皮") == []


async def test_oversized_pages_and_dead_peers_are_cut_off_and_the_node_goes_on(net: MockNet) -> None:
    _restaurant(net)
    buyer = net.add("buyer", peers=(url("shop"),), roles=("BAP",))
    record = net.nodes["shop"].services.discovery.store.publish_self().to_dict()
    net.transport.register("http://flood.test", _fake_peer([record] * 500))

    async def hang(request: Request) -> JSONResponse:
        import asyncio

        await asyncio.sleep(30)
        return JSONResponse({})

    net.transport.register("http://slow.test", Starlette(routes=[Route("/peers/records", hang, methods=["POST"])]))
    buyer.services.discovery.add_peers(["http://flood.test", "http://slow.test"])
    stats = await buyer.services.discovery.run_round()
    assert stats.peers_failed == 2 and stats.catalogs_fetched == 1  # the honest shop still got through
    states = {p["url"]: p["failures"] for p in buyer.services.discovery.describe()["peers"]}
    assert states["http://flood.test"] == 1 and states["http://slow.test"] == 1


def test_records_pages_are_bounded_and_resume_from_the_cursor(net: MockNet) -> None:
    _restaurant(net)
    store = net.nodes["shop"].services.discovery.store
    page = store.records_page(None, 10_000)
    assert len(page["records"]) == 1 and page["more"] is False
    assert store.records_page(page["next"], 50)["records"] == []
    assert record_from_dict(page["records"][0]).record.subscriber_id == "shop.test"


def _forged_shop(net: MockNet, *, sequence: int, expires_at: datetime | None = None) -> dict[str, object]:
    """A record claiming shop.test at shop.test's own address, signed by another key."""
    genuine = net.nodes["shop"].services.discovery.store.publish_self()
    impostor = SigningKey.generate()
    keys = tuple(dataclasses.replace(k, signing_public_key=impostor.public_key_base64()) for k in genuine.record.keys)
    forged = dataclasses.replace(genuine.record, keys=keys, sequence=sequence,
                                 expires_at=expires_at or genuine.record.expires_at)
    return sign_record(forged, impostor, keys[0].unique_key_id).to_dict()


async def test_a_forgery_first_cannot_lock_the_genuine_record_out(net: MockNet) -> None:
    _restaurant(net)
    buyer = net.add("buyer", roles=("BAP",))
    forged = _forged_shop(net, sequence=10**12, expires_at=datetime(2099, 1, 1, tzinfo=UTC))
    net.transport.register("http://evil.test", _fake_peer([forged]))
    buyer.services.discovery.add_peers(["http://evil.test"])
    stats = await buyer.services.discovery.run_round()
    assert stats.records_refused == 1 and "key_conflict" in stats.refusals[0]
    assert buyer.services.discovery.store.record_of("shop.test") is None
    buyer.services.discovery.add_peers([url("shop")])
    await buyer.services.discovery.run_round()
    held = buyer.services.discovery.store.record_of("shop.test")
    assert held is not None and held.record.sequence < 10**12
    assert held.signature.signing_public_key == net.nodes["shop"].signer.all_keys()[0].signing.public_key_base64()
    with buyer.services.discovery._uow(read_only=True) as uow:  # noqa: SLF001 - the key table's source
        key = uow.known_keys.get("shop.test", held.signature.unique_key_id)
    assert key is not None and key.source == "self-lookup"


async def test_a_peer_sending_forgeries_is_counted_and_backed_off_past_the_limit(net: MockNet) -> None:
    _restaurant(net)
    buyer = net.add("buyer", peers=(url("shop"),), roles=("BAP",))
    await buyer.services.discovery.run_round()
    net.transport.register("http://evil.test", _fake_peer([_forged_shop(net, sequence=10**12 + i) for i in range(3)]))
    buyer.services.discovery.add_peers(["http://evil.test"])
    stats = await buyer.services.discovery.run_round()
    assert stats.records_refused == 3
    evil = next(p for p in buyer.services.discovery.describe()["peers"] if p["url"] == "http://evil.test")
    assert evil["refusals"] == 3
    net.transport.sent.clear()
    await buyer.services.discovery.run_round()
    assert not any(u.startswith("http://evil.test") for u, _ in net.transport.sent)  # backed off
    assert buyer.services.discovery.store.record_of("shop.test") is not None  # the genuine one stays


async def test_from_urls_are_capped_candidates_and_only_one_answering_for_itself_is_earned(net: MockNet) -> None:
    _restaurant(net)
    shop = net.nodes["shop"].services.discovery
    net.add("buyer", roles=("BAP",))
    for i in range(150):
        shop.store.records_page(None, 1, f"http://flood-{i}.test")
    described = shop.describe()
    assert described["peers"] == [] and described["candidates"] == 100
    # A fresh shop: one genuine caller and one that answers with somebody else's record.
    shop2 = net.add("shop2", roles=("BPP",)).services.discovery
    relayed = shop.store.publish_self().to_dict()
    net.transport.register("http://liar.test", Starlette(routes=[
        Route("/peers/self", lambda r: JSONResponse(relayed), methods=["POST"])]))
    shop2.store.records_page(None, 1, url("buyer"))
    shop2.store.records_page(None, 1, "http://liar.test")
    stats = await shop2.run_round()
    assert stats.candidates_probed == 2 and stats.candidates_promoted == 1
    peers = shop2.describe()
    # The liar is gone; the buyer earned it; the shop whose record the liar relayed earned it too,
    # since its own lookup, at the address that record names, just confirmed it.
    assert [(p["url"], p["kind"]) for p in peers["peers"]] == [(url("buyer"), "peer"), (url("shop"), "peer")]
    assert peers["candidates"] == 0
