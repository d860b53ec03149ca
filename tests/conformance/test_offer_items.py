"""Producer offers and relistings in an on_search catalog validate against Beckn core 1.1.1."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.support.beckn_spec import requires_spec, validate_message

from duijie.domain.money import Money
from duijie.domain.offers import PriceTier
from duijie.interchange.listing_json import listing_from_document
from duijie.protocol import mapping as m
from duijie.protocol.context import Action, Context, format_timestamp
from duijie.protocol.envelope_schema import validate_envelope
from duijie.protocol.keys import SigningKey
from duijie.protocol.outbound import wire_bytes
from duijie.protocol.provenance import relisted_offer, sign_offer
from duijie.services.trade.offer_listing import with_offers

pytestmark = requires_spec
DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "duijie" / "demo" / "data"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


class NoKeys:
    def get(self, subscriber_id: str, unique_key_id: str) -> None:
        return None


class Uow:
    known_keys = NoKeys()


def _listing(name: str) -> Any:
    return listing_from_document(json.loads((DEMO_DATA / name).read_text(encoding="utf-8")))


def test_an_on_search_with_offers_and_a_relisting_validates() -> None:
    factory, shop = _listing("factory.json"), _listing("chuanshan.json")
    signed = sign_offer(factory.offers[0], producer_id="factory.example", provider_id=factory.id,
                        key=SigningKey.generate(), unique_key_id="k1", signed_at=NOW)
    shop = replace(shop, offers=(relisted_offer(signed, [PriceTier(1, Money(Decimal("55.00"), "USD"))]),))
    providers = with_offers(Uow(), [factory, shop], m.search_criteria({"item": {"descriptor": {"name": "noodles"}}}),
                            [], NOW, "factory.example")
    assert {p["id"]: [i["id"] for i in p["items"]] for p in providers} == {factory.id: ["noodles-case"],
                                                                           shop.id: ["noodles-case"]}
    ctx = Context(domain="nic2004:52110", action=Action.ON_SEARCH, bap_id="127.0.0.1:8001",
                  bap_uri="http://127.0.0.1:8001/beckn", transaction_id="6f4b3e1c-1f5c-4b55-9c53-2f8c1e0d9a11",
                  message_id="0b6d7c39-4a9e-4f41-8c2e-5d0f3b7a2c44", timestamp=format_timestamp(NOW), ttl="PT30S",
                  bpp_id="127.0.0.1:8002", bpp_uri="http://127.0.0.1:8002/beckn")
    doc = json.loads(wire_bytes({"context": ctx.to_dict(),
                                 "message": {"catalog": m.catalog_to_beckn(providers, "demo")}}))
    assert validate_message("on_search", doc) == []
    assert validate_envelope(doc, "on_search") == []
