"""Signed offers and relistings: signing, offline checks, altered documents, wrong keys, the chain."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from duijie.domain.money import Money
from duijie.domain.offers import PriceTier, ProducerOffer
from duijie.domain.provenance import Origin, ProvenanceStatus
from duijie.domain.text import LocalText
from duijie.protocol.keys import SigningKey
from duijie.protocol.mapping.offers import offer_item, tag_values
from duijie.protocol.provenance import (
    ProvenanceError,
    check_relisting,
    check_signed_offer,
    offer_provenance,
    relisted_offer,
    relisted_provenance,
    sign_offer,
    sign_relisting,
)
from duijie.protocol.receipts import StaticKeySource

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
FACTORY = "factory.example"
FACTORY_KEY = SigningKey.generate()
SHOP_KEY = SigningKey.generate()
REGISTRY = StaticKeySource("registry", {(FACTORY, "k1"): FACTORY_KEY.public_key_base64(),
                                        ("shop.example", "s1"): SHOP_KEY.public_key_base64()})


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


NOODLES = ProducerOffer("noodles-case", LocalText("刀削挂面（箱）", "Knife-cut noodles"), "case",
                        (PriceTier(1, usd("48.00")), PriceTier(20, usd("44.00")), PriceTier(100, usd("39.50"))),
                        50, origin=Origin(LocalText(None, "Baltimore, MD"), date(2026, 11, 20), "MD-N-1130"))


def signed(key: SigningKey = FACTORY_KEY, key_id: str = "k1") -> dict[str, Any]:
    return sign_offer(NOODLES, producer_id=FACTORY, provider_id="mingde", key=key, unique_key_id=key_id,
                      signed_at=NOW)


def relisted(doc: dict[str, Any] | None = None) -> ProducerOffer:
    return relisted_offer(doc or signed(), [PriceTier(1, usd("55.00"))], offer_id="noodles")


def test_a_signed_offer_verifies_offline_and_its_key_is_confirmed_by_a_registry() -> None:
    offline = check_signed_offer(signed())
    assert offline.ok and not offline.proven
    check = check_signed_offer(signed(), [REGISTRY])
    assert check.proven and check.offer == NOODLES and check.producer_id == FACTORY
    assert check.signer is not None and check.signer.confirmed_by == ("registry",)


def test_an_altered_signed_offer_fails_naming_the_signature() -> None:
    doc = signed()
    doc["statement"]["offer"]["origin"]["batch"] = "MD-N-9999"
    check = check_signed_offer(doc, [REGISTRY])
    assert not check.ok
    assert check.reason is not None and "altered after signing" in check.reason


def test_an_offer_signed_with_another_key_is_contradicted_by_the_registry() -> None:
    check = check_signed_offer(signed(SigningKey.generate()), [REGISTRY])
    assert not check.ok
    assert check.reason == f"wrong key: registry lists another key k1 for {FACTORY}"


def test_a_producer_cannot_sign_an_offer_without_origin_or_a_relisting() -> None:
    with pytest.raises(ProvenanceError, match="states no origin"):
        sign_offer(ProducerOffer("x", LocalText(None, "x"), "kg", (PriceTier(1, usd("1")),)), producer_id=FACTORY,
                   provider_id="p", key=FACTORY_KEY, unique_key_id="k1", signed_at=NOW)
    with pytest.raises(ProvenanceError, match="is a relisting"):
        sign_offer(relisted(), producer_id=FACTORY, provider_id="p", key=FACTORY_KEY, unique_key_id="k1",
                   signed_at=NOW)


def test_a_relisting_of_an_altered_offer_is_refused() -> None:
    doc = signed()
    doc["statement"]["offer"]["tiers"][0]["unit_price"]["amount"] = "40.00"
    with pytest.raises(ProvenanceError, match="altered after signing"):
        relisted(doc)


def test_a_relisting_in_another_currency_is_refused() -> None:
    with pytest.raises(ProvenanceError, match="priced in CNY"):
        relisted_offer(signed(), [PriceTier(1, Money(Decimal("55"), "CNY"))])


def test_a_relisting_is_relisted_with_markup_only_when_the_producer_key_is_confirmed() -> None:
    prov = relisted_provenance(relisted(), [REGISTRY])
    assert prov.status is ProvenanceStatus.RELISTED and prov.producer_id == FACTORY
    assert [(m.quantity, m.amount.to_wire()) for m in prov.markups] == [(1, "7.00"), (20, "11.00"), (100, "15.50")]
    unproven = relisted_provenance(relisted(), [])
    assert unproven.status is ProvenanceStatus.UNVERIFIED and unproven.intact
    assert unproven.reason == f"no key source confirms the key as {FACTORY}'s"


def test_a_forgery_signed_in_the_producers_name_is_unverified_never_source_direct() -> None:
    forged = relisted(signed(SigningKey.generate(), "forged-1"))
    prov = offer_provenance(forged, "fake.example", [REGISTRY])
    assert prov is not None and prov.status is ProvenanceStatus.UNVERIFIED


def test_a_relisting_whose_embedded_offer_was_altered_afterwards_is_unverified() -> None:
    offer = relisted()
    doc = json.loads(offer.source or "")
    doc["statement"]["offer"]["origin"]["place"] = {"en": "Yantai"}
    prov = relisted_provenance(replace(offer, source=json.dumps(doc)), [REGISTRY])
    assert prov.status is ProvenanceStatus.UNVERIFIED and not prov.intact
    assert prov.reason is not None and "altered after signing" in prov.reason


def test_the_producers_own_offer_with_origin_is_source_direct() -> None:
    prov = offer_provenance(NOODLES, FACTORY, [])
    assert prov is not None and prov.status is ProvenanceStatus.SOURCE_DIRECT and prov.producer_id == FACTORY
    assert offer_provenance(replace(NOODLES, origin=None), FACTORY, []) is None


def test_a_relisting_document_checks_the_whole_chain() -> None:
    doc = sign_relisting(relisted(), relister_id="shop.example", provider_id="shop", key=SHOP_KEY,
                         unique_key_id="s1", signed_at=NOW)
    check = check_relisting(doc, [REGISTRY])
    assert check.ok and check.relister is not None and check.relister.proven
    tampered = copy.deepcopy(doc)
    tampered["statement"]["offer"]["tiers"][0]["unit_price"]["amount"] = "50.00"
    bad = check_relisting(tampered, [REGISTRY])
    assert not bad.ok and bad.relister is not None and not bad.relister.valid
    assert not check_relisting({"format": "duijie.relisting/1"}).ok


def test_an_offer_item_carries_unit_minimum_tiers_and_provenance() -> None:
    offer = relisted()
    item = offer_item(offer, relisted_provenance(offer, [REGISTRY]))
    assert item["quantity"]["minimum"] == {"count": 1}
    assert item["quantity"]["unitized"]["measure"] == {"unit": "case", "value": "1"}
    assert tag_values(item, "duijie.offer") == {"unit": "case", "minimum_batch": "1", "kind": "relisting"}
    assert tag_values(item, "duijie.offer.tiers") == {"1": "55.00"}
    prov = tag_values(item, "duijie.provenance")
    assert prov["status"] == "relisted" and prov["producer_price"] == "48.00" and prov["markup"] == "7.00"
    assert prov["origin_place"] == "Baltimore, MD" and prov["harvest_date"] == "2026-11-20"
    assert json.loads(tag_values(item, "duijie.provenance.source")["signed_offer"])["format"] == "duijie.offer/1"
