"""Live search rows of offers say the unit, the minimum batch, the tiers and the provenance,
judged by the searching node with its own trusted keys (never the seller's status tag): a
producer's own offer is source-direct, a relisting that verifies back to the producer is
relisted with its markup, and a forged or unprovable one is unverified, naming why."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from duijie.domain.money import Money
from duijie.domain.offers import PriceTier
from duijie.interchange.listing_json import listing_from_document
from duijie.protocol.keys import SigningKey
from duijie.protocol.mapping.offers import offer_item
from duijie.protocol.provenance import offer_provenance, relisted_offer, sign_offer
from duijie.protocol.receipts import StaticKeySource
from duijie.search import SearchDocument
from duijie.services.buyer_ports import StoredCallback
from duijie.services.live_answers import answer_documents, answers_of, describe_live
from duijie.services.trade.offer.live_view import live_offer_view

DEMO = Path(__file__).resolve().parents[3] / "src" / "duijie" / "demo" / "data"
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
FARM, CLUB = "farm.example", "club.example"
FARM_KEY = SigningKey.generate()
KEYS = StaticKeySource("trusted", {(FARM, "f1"): FARM_KEY.public_key_base64()})
LISTING = listing_from_document(json.loads((DEMO / "farm.json").read_text(encoding="utf-8")))
APPLES = LISTING.offers[0]
SIGNED = sign_offer(APPLES, producer_id=FARM, provider_id=LISTING.id, key=FARM_KEY, unique_key_id="f1",
                    signed_at=NOW)
USD = "USD"


def _relisting_item(signed: dict[str, Any] = SIGNED) -> dict[str, Any]:
    relisted = relisted_offer(SIGNED, (PriceTier(1, Money(Decimal("3.60"), USD)),
                                       PriceTier(20, Money(Decimal("3.20"), USD))))
    if signed is not SIGNED:  # a relister that altered the producer's offer after checking it
        relisted = replace(relisted, source=json.dumps(signed, ensure_ascii=False))
    # The seller claims "relisted" whatever it holds: the buyer's node judges for itself.
    return offer_item(relisted, offer_provenance(relisted, CLUB, [KEYS]))


def test_a_producers_own_offer_shows_unit_minimum_tiers_and_is_source_direct() -> None:
    item = offer_item(APPLES, offer_provenance(APPLES, FARM, []))
    row = live_offer_view(item, FARM, [])
    assert row["unit"] == "kg" and row["minimum_batch"] == 200
    assert row["tiers"] == [{"min_quantity": 1, "unit_price": "3.00"}, {"min_quantity": 100, "unit_price": "2.60"},
                            {"min_quantity": 500, "unit_price": "2.20"}]
    prov = row["provenance"]
    assert prov["status"] == "source-direct" and prov["producer_id"] == FARM
    assert prov["origin"]["batch"] == "FJ-2026-41"
    # Another seller claiming the farm's origin without embedding its signed offer proves nothing.
    assert live_offer_view(item, CLUB, [])["provenance"]["status"] == "unverified"


def test_a_relisting_verifies_back_to_the_producer_with_the_searchers_keys() -> None:
    row = live_offer_view(_relisting_item(), CLUB, [KEYS])
    prov = row["provenance"]
    assert prov["status"] == "relisted" and prov["producer_id"] == FARM and prov["reason"] is None
    assert (prov["producer_price"], prov["relisted_price"], prov["markup"]) == ("3.00", "3.60", "0.60")
    assert row["minimum_batch"] == 1 and row["unit"] == "kg"
    unproven = live_offer_view(_relisting_item(), CLUB, [])["provenance"]  # this node trusts no farm key
    assert unproven["status"] == "unverified" and "no key source confirms" in unproven["reason"]


def test_a_forged_relisting_is_unverified_naming_the_signature() -> None:
    forged = json.loads(json.dumps(SIGNED))
    forged["statement"]["offer"]["tiers"][0]["unit_price"]["amount"] = "1.00"  # a cheaper "producer price"
    prov = live_offer_view(_relisting_item(forged), CLUB, [KEYS])["provenance"]
    assert prov["status"] == "unverified" and "altered after signing" in prov["reason"]


def test_a_live_offer_is_an_offer_row_keyed_like_the_index_with_its_provenance() -> None:
    provider = {"id": "club", "descriptor": {"name": "Club"}, "items": [_relisting_item()]}
    doc = {"context": {"bpp_uri": "http://club/beckn"}, "message": {"catalog": {"providers": [provider]}}}
    [answer] = answers_of([StoredCallback(1, "t", "m", "on_search", CLUB, doc, NOW)])
    offers = [d for d in answer_documents(answer, SearchDocument, NOW) if d.kind == "offer"]
    assert [d.doc_id for d in offers] == [f"{CLUB}|club/offer/apples"]
    hit = SimpleNamespace(doc_id=offers[0].doc_id, kind="offer", title="富士苹果", score=1.0, why=(), price=None,
                          currency=None, distance_km=None)
    row = describe_live(hit, answer, NOW, [KEYS])
    assert row["source"] == "live" and row["minimum_batch"] == 1 and row["provenance"]["status"] == "relisted"
