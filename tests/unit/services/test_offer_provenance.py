"""The seams of 源头直供 in the services: a pool's offer must verify back to its producer, the
producer signs its offers on request, and a node judges relistings with the keys it trusts."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from duijie.domain.offers import ProducerOffer
from duijie.interchange.listing_json import listing_from_document
from duijie.protocol.keys import SigningKey
from duijie.protocol.provenance import check_signed_offer, sign_offer
from duijie.protocol.receipts import StaticKeySource
from duijie.services.errors import Conflict, NotFound
from duijie.services.ports import DetachedSignature, KnownKey
from duijie.services.trade.offer_listing import SignedOffers, TrustedKeys, verified_offer

DEMO = Path(__file__).resolve().parents[3] / "src" / "duijie" / "demo" / "data"
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
FARM = "farm.example"
KEY = SigningKey.generate()
REGISTRY = StaticKeySource("registry", {(FARM, "k1"): KEY.public_key_base64()})
LISTING = listing_from_document(json.loads((DEMO / "farm.json").read_text(encoding="utf-8")))
APPLES: ProducerOffer = LISTING.offers[0]


def _signed(key: SigningKey = KEY, producer: str = FARM) -> dict[str, Any]:
    return sign_offer(APPLES, producer_id=producer, provider_id=LISTING.id, key=key, unique_key_id="k1",
                      signed_at=NOW)


def test_a_pool_offer_verifies_back_to_its_producer() -> None:
    assert verified_offer(_signed(), FARM, [REGISTRY]) == APPLES


def test_a_pool_against_an_offer_whose_producer_signature_does_not_verify_is_refused() -> None:
    altered = _signed()
    altered["statement"]["offer"]["minimum_batch"] = 20
    with pytest.raises(Conflict, match="offer_not_verified: .*altered after signing"):
        verified_offer(altered, FARM, [REGISTRY])
    with pytest.raises(Conflict, match="offer_not_verified: .*wrong key: registry lists another key"):
        verified_offer(_signed(SigningKey.generate()), FARM, [REGISTRY])
    with pytest.raises(Conflict, match="no key source confirms"):
        verified_offer(_signed(), FARM, [])
    with pytest.raises(Conflict, match="signed by other.example"):
        verified_offer(_signed(producer="other.example"), FARM, [REGISTRY])


class FakeCatalog:
    def listing(self, provider_id: str) -> Any:
        if provider_id != LISTING.id:
            raise NotFound(f"no provider {provider_id!r}")
        return type("Stored", (), {"listing": LISTING})()


class FakeSigner:
    def sign_detached(self, data: bytes, now: datetime) -> DetachedSignature:
        return DetachedSignature(FARM, "k1", KEY.public_key_base64(), base64.b64encode(KEY.sign(data)).decode())


class FixedClock:
    def now(self) -> datetime:
        return NOW


def test_the_producer_signs_its_offers_on_request() -> None:
    offers = SignedOffers(FakeCatalog(), FakeSigner(), FixedClock(), FARM)  # type: ignore[arg-type]
    check = check_signed_offer(offers.signed(LISTING.id, "apples"), [REGISTRY])
    assert check.proven and check.offer == APPLES
    with pytest.raises(NotFound, match="no offer 'pears'"):
        offers.signed(LISTING.id, "pears")


class Keys:
    def __init__(self, *known: KnownKey) -> None:
        self.known = {(k.subscriber_id, k.unique_key_id): k for k in known}

    def get(self, subscriber_id: str, unique_key_id: str) -> KnownKey | None:
        return self.known.get((subscriber_id, unique_key_id))


def test_trusted_keys_answer_only_for_keys_valid_now() -> None:
    key = KnownKey(FARM, "k1", KEY.public_key_base64(), None, None, NOW - timedelta(days=1), NOW + timedelta(days=1),
                   "self-lookup")
    assert TrustedKeys(Keys(key), NOW).public_key(FARM, "k1") == KEY.public_key_base64()  # type: ignore[arg-type]
    assert TrustedKeys(Keys(key), NOW + timedelta(days=2)).public_key(FARM, "k1") is None  # type: ignore[arg-type]
    assert TrustedKeys(Keys(), NOW).public_key(FARM, "k1") is None  # type: ignore[arg-type]
