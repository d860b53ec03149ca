"""Node records: signed, expiring, and trusted only with key continuity."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from duijie.protocol.identity import IdentityAddresses
from duijie.protocol.keys import SigningKey
from duijie.protocol.records import (
    NodeRecord,
    ProviderEntry,
    RecordKey,
    RecordVerdict,
    Vouch,
    VouchState,
    check_record,
    record_from_dict,
    sign_record,
)
from duijie.protocol.signed_catalogs import SignedCatalog, catalog_digest, catalog_problem
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


ADDRESSES = IdentityAddresses({"shop.test": "http://shop.test"})


def _trust(key: SigningKey, ukid: str = "k1") -> dict[str, str]:
    return {ukid: key.public_key_base64()}


def test_a_first_contact_record_is_only_a_hint_until_someone_who_may_speak_for_the_id_vouches() -> None:
    key = SigningKey.generate()
    signed = sign_record(_record(key), key, "k1")
    assert check_record(signed, NOW, addresses=ADDRESSES).verdict is RecordVerdict.KEY_NOT_TRUSTED
    unreachable = Vouch(VouchState.UNREACHABLE)
    assert check_record(signed, NOW, vouch=unreachable).verdict is RecordVerdict.KEY_NOT_TRUSTED
    vouched = check_record(signed, NOW, addresses=ADDRESSES,
                           vouch=Vouch(VouchState.FOUND, key.public_key_base64(), "self-lookup"))
    assert vouched.accepted and vouched.source == "self-lookup"


def test_a_first_contact_record_that_its_authority_contradicts_or_denies_is_a_conflict() -> None:
    genuine, forger = SigningKey.generate(), SigningKey.generate()
    forged = sign_record(_record(forger), forger, "k1")
    named = check_record(forged, NOW, vouch=Vouch(VouchState.FOUND, genuine.public_key_base64(), "registry:r"))
    denied = check_record(forged, NOW, vouch=Vouch(VouchState.DENIED, source="self-lookup"))
    assert named.verdict is denied.verdict is RecordVerdict.KEY_CONFLICT
    assert named.hostile and denied.hostile


def test_a_record_pointing_away_from_the_address_its_id_names_is_not_bound() -> None:
    key = SigningKey.generate()
    for change in ({"url": "http://evil.test/beckn"}, {"peer_url": "http://evil.test"},
                   {"url": "https://shop.test/beckn"}):
        signed = sign_record(_record(key, **change), key, "k1")
        check = check_record(signed, NOW, _trust(key), addresses=ADDRESSES)
        assert check.verdict is RecordVerdict.NOT_BOUND and check.hostile


def test_a_record_survives_the_json_round_trip_unchanged() -> None:
    key = SigningKey.generate()
    signed = sign_record(_record(key), key, "k1")
    again = record_from_dict(signed.to_dict())
    assert again.record == signed.record
    assert check_record(again, NOW, _trust(key), addresses=ADDRESSES).accepted


def test_a_tampered_record_fails_its_signature() -> None:
    key = SigningKey.generate()
    doc = sign_record(_record(key), key, "k1").to_dict()
    doc["record"]["url"] = "http://evil.test/beckn"
    assert check_record(record_from_dict(doc), NOW, _trust(key)).verdict is RecordVerdict.BAD_SIGNATURE


def test_a_record_signed_by_a_key_it_does_not_list_is_refused() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    signed = sign_record(_record(key), other, "k1")
    assert check_record(signed, NOW).verdict is RecordVerdict.BAD_SIGNATURE


def test_an_expired_record_is_refused() -> None:
    key = SigningKey.generate()
    signed = sign_record(_record(key), key, "k1")
    assert check_record(signed, NOW + timedelta(hours=2), _trust(key)).verdict is RecordVerdict.EXPIRED


def test_a_record_issued_far_in_the_future_is_refused() -> None:
    key = SigningKey.generate()
    signed = sign_record(_record(key, issued_at=NOW + timedelta(hours=1), expires_at=NOW + timedelta(hours=3)),
                         key, "k1")
    assert check_record(signed, NOW, _trust(key)).verdict is RecordVerdict.NOT_YET_VALID


def test_an_impostor_claiming_a_trusted_key_id_is_a_conflict_whatever_it_is_vouched() -> None:
    real, impostor = SigningKey.generate(), SigningKey.generate()
    forged = sign_record(_record(impostor, sequence=10**12, expires_at=datetime(2099, 1, 1, tzinfo=UTC)),
                         impostor, "k1")
    vouch = Vouch(VouchState.FOUND, impostor.public_key_base64(), "registry:compromised")
    check = check_record(forged, NOW, _trust(real), vouch=vouch)
    assert check.verdict is RecordVerdict.KEY_CONFLICT


def test_a_key_change_endorsed_by_the_trusted_key_is_accepted() -> None:
    old, new = SigningKey.generate(), SigningKey.generate()
    signed = sign_record(_record(new, ukid="k2"), new, "k2", previous=(old, "k1"))
    check = check_record(signed, NOW, _trust(old))
    assert check.accepted and check.source == "endorsed"


def test_a_key_change_without_endorsement_needs_the_authority() -> None:
    old, new = SigningKey.generate(), SigningKey.generate()
    signed = sign_record(_record(new, ukid="k2"), new, "k2")
    assert check_record(signed, NOW, _trust(old)).verdict is RecordVerdict.KEY_NOT_TRUSTED
    confirmed = Vouch(VouchState.FOUND, new.public_key_base64(), "self-lookup")
    assert check_record(signed, NOW, _trust(old), vouch=confirmed).accepted


def test_an_endorsement_by_a_stranger_key_does_not_count() -> None:
    old, new, stranger = SigningKey.generate(), SigningKey.generate(), SigningKey.generate()
    signed = sign_record(_record(new, ukid="k2"), new, "k2", previous=(stranger, "k1"))
    assert not check_record(signed, NOW, _trust(old)).accepted


def test_a_subscriber_id_names_its_own_host_and_resolve_entries_override_it() -> None:
    plain = IdentityAddresses()
    assert plain.base_url("127.0.0.1:8001") == "http://127.0.0.1:8001"
    assert plain.base_url("localhost:9") == "http://localhost:9"
    assert plain.base_url("shop.example.com") == "https://shop.example.com"
    assert plain.base_url("not a host/path") is None
    assert plain.binds("127.0.0.1:8001", "http://127.0.0.1:8001/beckn")
    assert not plain.binds("127.0.0.1:8001", "http://127.0.0.1:8002/beckn")
    assert not plain.binds("shop.example.com", "http://shop.example.com/beckn")  # https expected
    mapped = IdentityAddresses({"shop.demo": "http://127.0.0.1:7700"})
    assert mapped.lookup_url("shop.demo") == "http://127.0.0.1:7700/registry/lookup"
    assert mapped.binds("shop.demo", "http://127.0.0.1:7700/beckn")


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


def test_a_sequence_beyond_what_a_64_bit_column_holds_exactly_is_not_a_record() -> None:
    import pytest

    from duijie.protocol.records import RecordFormatError

    key = SigningKey.generate()
    for bad in (2**53 + 1, -1, "5", True):
        doc = sign_record(_record(key), key, "k1").to_dict()
        doc["record"]["sequence"] = bad
        with pytest.raises(RecordFormatError):
            record_from_dict(doc)
