"""源头直供 between real nodes: a shop relists the factory's noodles and it verifies back to the
factory; a forger's relisting (an offer signed with a key that is not the factory's) is stored
but shown unverified, in the buyer's search and in the forger's own catalog; an altered signed
offer and a forgery under the factory's own key id are refused by ``duijie provenance relist``."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.processes import ServerProcess, duijie, free_port

from duijie.interchange.listing_json import listing_from_document
from duijie.protocol.keys import SigningKey
from duijie.protocol.provenance import sign_offer
from duijie.storage import keyfiles
from duijie.storage.node_config import load_config

DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "duijie" / "demo" / "data"
INLINE = ["--back-office", "inline"]  # one process per node: four nodes on a shared machine


@dataclass
class Network:
    root: Path
    factory: ServerProcess
    shop: ServerProcess
    fake: ServerProcess
    buyer: ServerProcess
    factory_id: str
    relisting: Path
    forged_relisting: Path


def _init(root: Path, name: str) -> tuple[Path, int]:
    port = free_port()
    duijie("init", "--data-dir", str(root / name), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    return root / name, port


def _forged_offer(factory_id: str, key_id: str) -> dict[str, Any]:
    """The factory's noodles, claimed in the factory's name but signed with someone else's key."""
    listing = listing_from_document(json.loads((DEMO_DATA / "factory.json").read_text(encoding="utf-8")))
    offer = next(o for o in listing.offers if o.id == "noodles-case")
    return sign_offer(offer, producer_id=factory_id, provider_id=listing.id, key=SigningKey.generate(),
                      unique_key_id=key_id, signed_at=datetime.now(UTC))


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("provenance")
    mp = pytest.MonkeyPatch()
    mp.setenv("DUIJIE_PEER_INTERVAL", "0.5")
    mp.setenv("DUIJIE_PEER_RATE", "20")
    mp.setenv("DUIJIE_SEMANTIC", "0")
    started: list[ServerProcess] = []
    try:
        factory_dir, factory_port = _init(root, "factory")
        duijie("provider", "import", str(DEMO_DATA / "factory.json"), "--data-dir", str(factory_dir), check=True)
        factory = ServerProcess(factory_dir, factory_port, INLINE).start(timeout=120)
        started.append(factory)
        factory_id = load_config(factory_dir).subscriber_id
        signed = root / "noodles.json"
        duijie("provenance", "sign", "noodles-case", "--data-dir", str(factory_dir), "-o", str(signed), check=True)

        shop_dir, shop_port = _init(root, "shop")
        duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(shop_dir), check=True)
        relisting = root / "relisting.json"
        served = f"{factory.base}/api/providers/mingde-noodles/offers/noodles-case/signed"  # signed on request
        duijie("provenance", "relist", served, "--price", "1:55.00", "--price", "10:52.00",
               "--data-dir", str(shop_dir), "-o", str(relisting), check=True)

        fake_dir, fake_port = _init(root, "fake")
        duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(fake_dir), check=True)
        forged = root / "forged.json"
        forged.write_text(json.dumps(_forged_offer(factory_id, "forged-1")), encoding="utf-8")
        forged_relisting = root / "forged-relisting.json"
        duijie("provenance", "relist", str(forged), "--price", "1:45.00", "--data-dir", str(fake_dir),
               "-o", str(forged_relisting), check=True)

        shop = ServerProcess(shop_dir, shop_port, [*INLINE, "--peer", factory.base]).start(timeout=120)
        started.append(shop)
        fake = ServerProcess(fake_dir, fake_port, [*INLINE, "--peer", factory.base]).start(timeout=120)
        started.append(fake)
        buyer_dir, buyer_port = _init(root, "buyer")
        buyer = ServerProcess(buyer_dir, buyer_port,
                              [*INLINE, "--peer", factory.base, "--peer", shop.base,
                               "--peer", fake.base]).start(timeout=120)
        started.append(buyer)
        yield Network(root, factory, shop, fake, buyer, factory_id, relisting, forged_relisting)
    finally:
        for server in reversed(started):
            server.stop()
        mp.undo()


def _offer_rows(net: Network, wanted: int) -> list[dict[str, Any]]:
    """The buyer's indexed search rows of noodle offers, once ``wanted`` sellers' catalogs are in."""
    deadline, rows = time.monotonic() + 60, []
    while time.monotonic() < deadline:
        out = duijie("search", "noodles", "--no-live", "--json", "--data-dir", str(net.buyer.data_dir), check=True)
        rows = [r for r in json.loads(out.stdout)["results"] if r["kind"] == "offer"]
        if len({r["bpp_id"] for r in rows}) >= wanted:
            break
        time.sleep(0.5)
    return rows


def test_the_relisting_verifies_back_to_the_factory(net: Network) -> None:
    res = duijie("verify", str(net.relisting))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "verified back to the producer" in res.stdout
    assert f"key confirmed by {net.factory_id}'s own lookup" in res.stdout
    assert "producer 48.00 USD, relisted 55.00 USD, markup 7.00 (14.6%)" in res.stdout


def test_the_forged_relisting_does_not_verify(net: Network) -> None:
    res = duijie("verify", str(net.forged_relisting), "--json")
    assert res.returncode == 1
    report = json.loads(res.stdout)
    assert report["intact"] is True and report["proven"] is False
    assert "confirms the key" in report["reason"]


def test_search_shows_source_direct_relisted_with_markup_and_unverified(net: Network) -> None:
    rows = _offer_rows(net, 3)
    by_seller = {r["bpp_id"]: r for r in rows if r["doc_id"].split("/offer/")[1].startswith("noodles-case")}
    factory = by_seller[net.factory_id]
    assert factory["provenance"]["status"] == "source-direct"
    assert factory["unit"] == "case" and factory["minimum_batch"] == 50
    shop = by_seller[load_config(net.shop.data_dir).subscriber_id]
    assert shop["provenance"]["status"] == "relisted"
    assert (shop["provenance"]["producer_price"], shop["provenance"]["relisted_price"],
            shop["provenance"]["markup"]) == ("48.00", "55.00", "7.00")
    fake = by_seller[load_config(net.fake.data_dir).subscriber_id]
    assert fake["provenance"]["status"] == "unverified"
    assert fake["provenance"]["producer_id"] == net.factory_id


def _catalog_provenance(net: Network, seller: ServerProcess) -> dict[str, str]:
    out = duijie("buy", "search", "noodles", "--bpp", f"{seller.base}/beckn", "--json",
                 "--data-dir", str(net.buyer.data_dir), check=True)
    for result in json.loads(out.stdout)["results"]:
        for provider in result["catalog"]["providers"]:
            for item in provider.get("items") or []:
                if item["id"] == "noodles-case":
                    group = next(g for g in item["tags"] if g["descriptor"]["code"] == "duijie.provenance")
                    return {t["descriptor"]["code"]: t["value"] for t in group["list"]}
    raise AssertionError("no noodles-case item in the catalog")


def test_catalogs_mark_the_relisting_and_the_forgery(net: Network) -> None:
    _offer_rows(net, 3)  # by now the shop and the fake have met the factory too
    shop = _catalog_provenance(net, net.shop)
    assert shop["status"] == "relisted" and shop["markup"] == "7.00" and shop["producer_id"] == net.factory_id
    fake = _catalog_provenance(net, net.fake)
    assert fake["status"] == "unverified"


def test_an_altered_signed_offer_is_refused(net: Network, tmp_path: Path) -> None:
    doc = json.loads((net.root / "noodles.json").read_text(encoding="utf-8"))
    doc["statement"]["offer"]["tiers"][0]["unit_price"]["amount"] = "40.00"
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(doc), encoding="utf-8")
    res = duijie("provenance", "relist", str(altered), "--price", "1:50.00", "--id", "altered",
                 "--data-dir", str(net.root / "fake"))
    assert res.returncode == 2
    assert "refused" in res.stderr and "altered after signing" in res.stderr


def test_a_forgery_under_the_factorys_own_key_id_is_refused(net: Network, tmp_path: Path) -> None:
    real_key_id = keyfiles.current_keys(net.factory.data_dir, datetime.now(UTC)).unique_key_id
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(_forged_offer(net.factory_id, real_key_id)), encoding="utf-8")
    res = duijie("provenance", "relist", str(forged), "--price", "1:45.00", "--id", "forged-2",
                 "--data-dir", str(net.root / "fake"))
    assert res.returncode == 2
    assert "wrong key" in res.stderr


def test_the_factory_serves_its_signed_offers(net: Network) -> None:
    base = f"{net.factory.base}/api/providers/mingde-noodles/offers"
    doc = httpx.get(f"{base}/chopsticks/signed", timeout=30).json()
    assert doc["format"] == "duijie.offer/1" and doc["statement"]["producer_id"] == net.factory_id
    assert doc["statement"]["offer"]["origin"]["batch"] == "MD-C-2026-1120"
    missing = httpx.get(f"{base}/spoons/signed", timeout=30)
    assert missing.status_code == 404 and "spoons" in missing.text
