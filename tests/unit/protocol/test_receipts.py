"""Receipts: seller signs the canonical agreement, buyer countersigns, anyone verifies offline."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from duijie.protocol.keys import SigningKey
from duijie.protocol.receipts import (
    FORMAT,
    ReceiptError,
    StaticKeySource,
    build_agreement,
    countersign,
    receipt_from_tags,
    receipt_tag_group,
    sign_agreement,
    verify_receipt,
    with_receipt_tag,
)

NOW = datetime(2025, 6, 6, 16, 0, tzinfo=UTC)
SELLER = SigningKey.generate()
BUYER = SigningKey.generate()
CONTEXT = {
    "bap_id": "buyer.example",
    "bpp_id": "chuanshan.demo.duijie",
    "transaction_id": "t-1",
    "domain": "nic2004:55204",
}
ORDER: dict[str, Any] = {
    "id": "ord-1",
    "status": "ACTIVE",
    "provider": {"id": "chuanshan"},
    "items": [{"id": "roujiamo", "quantity": {"selected": {"count": 2}}}],
    "quote": {"price": {"currency": "USD", "value": "28.85"}},
    "fulfillments": [{"id": "f1", "type": "Self-Pickup", "state": {"descriptor": {"code": "PENDING"}}}],
    "billing": {"name": "李雷", "phone": "+1-301-555-0100"},
    "tags": [{"descriptor": {"code": "x"}, "list": []}],
}


def seller_receipt() -> dict[str, Any]:
    return sign_agreement(
        build_agreement(ORDER, CONTEXT),
        SELLER,
        subscriber_id="chuanshan.demo.duijie",
        unique_key_id="k1",
        signed_at=NOW,
    )


def full_receipt() -> dict[str, Any]:
    return countersign(seller_receipt(), BUYER, subscriber_id="buyer.example", unique_key_id="b1", signed_at=NOW)


def test_agreement_keeps_the_agreed_fields_and_drops_moving_state() -> None:
    agreement = build_agreement(ORDER, CONTEXT)
    assert agreement["id"] == "ord-1" and agreement["bpp_id"] == "chuanshan.demo.duijie"
    assert agreement["billing"]["name"] == "李雷"
    assert "status" not in agreement and "tags" not in agreement
    assert "state" not in agreement["fulfillments"][0]
    assert "state" in ORDER["fulfillments"][0], "the caller's order must not be changed"


def test_agreement_without_order_id_or_parties_is_refused() -> None:
    with pytest.raises(ReceiptError, match="no id"):
        build_agreement({**ORDER, "id": None}, CONTEXT)
    with pytest.raises(ReceiptError, match="bap_id"):
        build_agreement(ORDER, {**CONTEXT, "bap_id": None})


def test_seller_signed_receipt_verifies_with_the_carried_key() -> None:
    check = verify_receipt(seller_receipt())
    assert check.ok
    assert [(s.role, s.subscriber_id, s.valid) for s in check.signatures] == [("seller", "chuanshan.demo.duijie", True)]
    assert check.signatures[0].confirmed_by == ()


def test_countersigned_receipt_has_both_valid_signatures() -> None:
    receipt = full_receipt()
    assert receipt["format"] == FORMAT
    check = verify_receipt(receipt)
    assert check.ok
    assert sorted(s.role for s in check.signatures) == ["buyer", "seller"]


def test_countersigning_twice_keeps_one_buyer_signature() -> None:
    again = countersign(full_receipt(), BUYER, subscriber_id="buyer.example", unique_key_id="b1", signed_at=NOW)
    assert [s["role"] for s in again["signatures"]] == ["seller", "buyer"]


def test_one_changed_byte_in_the_agreement_breaks_every_signature() -> None:
    receipt = full_receipt()
    receipt["agreement"]["quote"]["price"]["value"] = "18.85"
    check = verify_receipt(receipt)
    assert not check.ok
    assert all(not s.valid for s in check.signatures)
    assert "changed after signing" in (check.signatures[0].reason or "")


def test_a_signature_swapped_for_another_key_fails() -> None:
    receipt = seller_receipt()
    receipt["signatures"][0]["signing_public_key"] = BUYER.public_key_base64()
    check = verify_receipt(receipt)
    assert not check.ok and not check.signatures[0].valid


def test_a_lookup_source_confirms_or_contradicts_the_carried_key() -> None:
    receipt = seller_receipt()
    good = StaticKeySource("registry A", {("chuanshan.demo.duijie", "k1"): SELLER.public_key_base64()})
    bad = StaticKeySource("registry B", {("chuanshan.demo.duijie", "k1"): BUYER.public_key_base64()})
    assert verify_receipt(receipt, [good]).signatures[0].confirmed_by == ("registry A",)
    contradicted = verify_receipt(receipt, [good, bad])
    assert not contradicted.ok
    assert contradicted.signatures[0].contradicted_by == ("registry B",)


def test_a_receipt_without_seller_signature_fails() -> None:
    receipt = full_receipt()
    receipt["signatures"] = [s for s in receipt["signatures"] if s["role"] == "buyer"]
    check = verify_receipt(receipt)
    assert not check.ok
    assert "no seller signature" in check.problems[0]


def test_a_signer_who_is_not_the_party_in_the_agreement_fails() -> None:
    forged = sign_agreement(
        build_agreement(ORDER, CONTEXT),
        BUYER,
        subscriber_id="mallory.example",
        unique_key_id="m1",
        signed_at=NOW,
    )
    check = verify_receipt(forged)
    assert not check.ok
    assert "bpp_id" in (check.signatures[0].reason or "")


@pytest.mark.parametrize("doc", [[], {"format": "other/1"}, {"format": FORMAT, "agreement": "x", "signatures": []}])
def test_a_document_that_is_not_a_receipt_is_reported_as_such(doc: Any) -> None:
    check = verify_receipt(doc)
    assert not check.is_receipt and not check.ok and check.problems


def test_receipt_travels_in_order_tags_and_comes_back_unchanged() -> None:
    receipt = full_receipt()
    order = with_receipt_tag(ORDER, receipt)
    assert order["tags"][0]["descriptor"]["code"] == "x"
    assert receipt_from_tags(json.loads(json.dumps(order))["tags"]) == receipt
    assert receipt_tag_group(receipt)["list"][0]["descriptor"]["code"] == "receipt"
    assert receipt_from_tags(ORDER["tags"]) is None


def test_verification_does_not_depend_on_key_order_or_whitespace() -> None:
    receipt = full_receipt()
    shuffled = json.loads(json.dumps(copy.deepcopy(receipt), indent=2, sort_keys=False))
    shuffled["agreement"] = dict(reversed(list(shuffled["agreement"].items())))
    assert verify_receipt(shuffled).ok
