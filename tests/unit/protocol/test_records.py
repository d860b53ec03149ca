"""Node records: signed, expiring, and trusted only with key continuity."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from duijie.protocol.keys import SigningKey
from duijie.protocol.records import (
    NodeRecord,
    ProviderEntry,
    RecordKey,
    RecordVerdict,
    SignedCatalog,
    catalog_digest,
    catalog_problem,
    check_record,
    record_from_dict,
    sign_record,
)
from duijie.services.discovery import sign_record_bytes

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LISTING = {"provider": {"id": "chuanshan", "name": {"zh": "川陕名吃"}}, "catalog": {"items": []}}


def _record(key: SigningKey, ukid: str = "k1", sid: str = "shop.test", **changes: object) -> NodeRecord:
    rec = NodeRecord(
        subscriber_id=sid, url="http://shop.test/beckn", peer_url="http://shop.test", roles=("BPP",),
        keys=(RecordKey(ukid, key.public_key_base64(), None, NOW - timedelta(days=1), NOW + timedelta(days=300)),),
        domains=("*",), location=(38.9, -77.0),
        providers=(ProviderEntry("chuanshan", catalog_digest(LISTING), 3),),
        issued_at=NOW, expires_at=NOW + timedelta(hours=1), sequence=1,
    )
    return dataclasses.replace(rec, **changes)  # type: ignore[arg-type]


def test_a_record_signed_by_its_own_listed_key_is_accepted_on_first_contact() -> None:
    key = SigningKey.generate()
    signed = sign_record(_record(key), key, "k1")
    assert check_record(signed, NOW).verdict is RecordVerdict.ACCEPTED


def test_a_record_survives_the_json_round_trip_unchanged() -> None:
    key = SigningKey.generate()
    signed = sign_record(_record(key), key, "k1")
    again = record_from_dict(signed.to_dict())
    assert again.record == signed.record
    assert check_record(again, NOW, [key.public_key_base64()]).accepted


def test_a_tampered_record_fails_its_signature() -> None:
    key = SigningKey.generate()
    doc = sign_record(_record(key), key, "k1").to_dict()
    doc["record"]["url"] = "http://evil.test/beckn"
    assert check_record(record_from_dict(doc), NOW).verdict is RecordVerdict.BAD_SIGNATURE


def test_a_record_signed_by_a_key_it_does_not_list_is_refused() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    signed = sign_record(_record(key), other, "k1")
    assert check_record(signed, NOW).verdict is RecordVerdict.BAD_SIGNATURE


def test_an_expired_record_is_refused() -> None:
    key = SigningKey.generate()
    signed = sign_record(_record(key), key, "k1")
    assert check_record(signed, NOW + timedelta(hours=2)).verdict is RecordVerdict.EXPIRED


def test_a_record_issued_far_in_the_future_is_refused() -> None:
    key = SigningKey.generate()
    signed = sign_record(_record(key, issued_at=NOW + timedelta(hours=1), expires_at=NOW + timedelta(hours=3)),
                         key, "k1")
    assert check_record(signed, NOW).verdict is RecordVerdict.NOT_YET_VALID


def test_an_impostor_claiming_a_known_subscriber_with_its_own_key_is_refused() -> None:
    real, impostor = SigningKey.generate(), SigningKey.generate()
    forged = sign_record(_record(impostor), impostor, "k1")
    check = check_record(forged, NOW, [real.public_key_base64()])
    assert check.verdict is RecordVerdict.KEY_NOT_TRUSTED


def test_a_key_change_endorsed_by_the_old_key_is_accepted() -> None:
    old, new = SigningKey.generate(), SigningKey.generate()
    signed = sign_record(_record(new, ukid="k2"), new, "k2", previous=(old, "k1"))
    assert check_record(signed, NOW, [old.public_key_base64()]).accepted


def test_a_key_change_without_endorsement_is_refused_unless_a_registry_confirms() -> None:
    old, new = SigningKey.generate(), SigningKey.generate()
    signed = sign_record(_record(new, ukid="k2"), new, "k2")
    assert check_record(signed, NOW, [old.public_key_base64()]).verdict is RecordVerdict.KEY_NOT_TRUSTED
    assert check_record(signed, NOW, [old.public_key_base64()], registry_confirmed=True).accepted


def test_an_endorsement_by_a_stranger_key_does_not_count() -> None:
    old, new, stranger = SigningKey.generate(), SigningKey.generate(), SigningKey.generate()
    signed = sign_record(_record(new, ukid="k2"), new, "k2", previous=(stranger, "k1"))
    assert not check_record(signed, NOW, [old.public_key_base64()]).accepted


def _catalog(key: SigningKey, listing: dict[str, object]) -> SignedCatalog:
    from duijie.protocol.keys import EncryptionKey, NodeKeys

    keys = NodeKeys("shop.test", "k1", key, EncryptionKey.generate(), NOW - timedelta(days=1), NOW + timedelta(days=1))
    return SignedCatalog("shop.test", "chuanshan", 3, listing, sign_record_bytes(keys, listing))


def test_a_catalog_matching_its_record_digest_and_signed_by_the_node_is_sound() -> None:
    key = SigningKey.generate()
    assert catalog_problem(_catalog(key, LISTING), _record(key)) is None


def test_an_altered_catalog_is_refused_by_its_digest() -> None:
    key = SigningKey.generate()
    altered = {**LISTING, "catalog": {"items": [{"id": "fake"}]}}
    problem = catalog_problem(_catalog(key, altered), _record(key))
    assert problem is not None and "digest" in problem


def test_a_catalog_signed_by_another_key_is_refused() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    problem = catalog_problem(_catalog(other, LISTING), _record(key))
    assert problem is not None and "key" in problem
