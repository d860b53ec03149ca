"""The organizer's signed pool terms (duijie.pool/1): signed over the canonical bytes, checked
offline and with key sources; altered terms, a mismatched embedded producer offer and a key that
no source confirms each fail, naming why; `duijie verify` checks them offline."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from duijie.cli.verify_cmd import verify
from duijie.domain.pools import Pool, PoolError, PoolTerms
from duijie.interchange.listing_json import listing_from_document
from duijie.protocol.canonical import canonical_bytes
from duijie.protocol.keys import SigningKey
from duijie.protocol.pool_terms import check_signed_terms, signed_terms, terms_statement
from duijie.protocol.provenance import sign_offer
from duijie.protocol.receipts import StaticKeySource
from duijie.services.ports import DetachedSignature
from duijie.services.trade.pool.terms import TermsSigner, verified_terms

DEMO = Path(__file__).resolve().parents[3] / "src" / "duijie" / "demo" / "data"
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
CLUB, FARM = "club.example", "farm.example"
CLUB_KEY, FARM_KEY = SigningKey.generate(), SigningKey.generate()
KEYS = StaticKeySource("registry", {(CLUB, "k1"): CLUB_KEY.public_key_base64(),
                                    (FARM, "f1"): FARM_KEY.public_key_base64()})
LISTING = listing_from_document(json.loads((DEMO / "farm.json").read_text(encoding="utf-8")))
APPLES = LISTING.offers[0]
TERMS = PoolTerms(APPLES, FARM, LISTING.id, NOW + timedelta(days=2), ("Rockville Town Square",))
POOL = Pool.open("pool-abc", CLUB, TERMS, NOW)


class KeySigner:
    """A node's signer over one key (the Signer port's detached signature)."""

    def __init__(self, key: SigningKey, who: str, ukid: str) -> None:
        self.key, self.who, self.ukid = key, who, ukid

    def headers_for(self, body: bytes, now: datetime) -> dict[str, str]:
        return {}

    def sign_detached(self, data: bytes, now: datetime) -> DetachedSignature:
        raw = base64.b64encode(self.key.sign(data)).decode("ascii")
        return DetachedSignature(self.who, self.ukid, self.key.public_key_base64(), raw)


def _signed(pool: Pool = POOL, offer: dict[str, Any] | None = None) -> dict[str, Any]:
    return TermsSigner(KeySigner(CLUB_KEY, CLUB, "k1")).sign(pool, offer, NOW)


def _producer_offer() -> dict[str, Any]:
    return sign_offer(APPLES, producer_id=FARM, provider_id=LISTING.id, key=FARM_KEY, unique_key_id="f1", signed_at=NOW)


def test_signed_terms_verify_offline_and_with_the_organizers_key() -> None:
    doc = _signed(offer=_producer_offer())
    statement = doc["statement"]
    assert doc["format"] == "duijie.pool/1" and statement["pool_id"] == "pool-abc"
    assert statement["terms"]["offer"]["minimum_batch"] == 200 and statement["terms_version"] == 1
    assert CLUB_KEY.verify_key().verify(canonical_bytes(statement), base64.b64decode(doc["signature"]["signature"]))
    offline = check_signed_terms(doc)
    assert offline.intact and not offline.proven  # the carried key holds; nobody confirmed it
    check = check_signed_terms(doc, [KEYS])
    assert check.proven and check.terms == TERMS and check.offer is not None and check.offer.proven
    assert verified_terms(doc, "pool-abc", [KEYS], CLUB).terms_version == 1


@pytest.mark.parametrize(("change", "named"), [
    (lambda s: s["terms"]["offer"].update(minimum_batch=20), "altered after signing"),
    (lambda s: s["terms"].update(deadline="2027-01-01T00:00:00+00:00"), "altered after signing"),
    (lambda s: s.update(pool_id="pool-other"), "altered after signing"),
])
def test_altered_terms_fail_naming_the_signature(change: Any, named: str) -> None:
    doc = _signed()
    change(doc["statement"])
    check = check_signed_terms(doc, [KEYS])
    assert not check.intact and named in (check.reason or "")
    with pytest.raises(PoolError, match="terms_not_verified: .*organizer's signature"):
        verified_terms(doc, "pool-abc", [KEYS])


def test_terms_must_keep_to_the_embedded_producer_offer() -> None:
    cheaper = replace(POOL, terms=replace(TERMS, offer=replace(APPLES, minimum_batch=20)))
    doc = _signed(cheaper, _producer_offer())  # honestly signed by the organizer, but not the producer's terms
    check = check_signed_terms(doc, [KEYS])
    assert not check.intact and "minimum_batch: differs from the producer's signed offer" in (check.reason or "")
    altered = _producer_offer()
    altered["statement"]["offer"]["tiers"][0]["unit_price"]["amount"] = "1.00"
    check = check_signed_terms(_signed(offer=altered), [KEYS])
    assert not check.intact and "producer's signed offer does not hold" in (check.reason or "")


def test_a_pledger_refuses_terms_it_cannot_tie_to_the_organizer() -> None:
    stranger = TermsSigner(KeySigner(SigningKey.generate(), CLUB, "k1")).sign(POOL, None, NOW)
    with pytest.raises(PoolError, match="wrong key: registry lists another key"):
        verified_terms(stranger, "pool-abc", [KEYS])
    with pytest.raises(PoolError, match="no key this node trusts"):
        verified_terms(_signed(), "pool-abc", [])
    with pytest.raises(PoolError, match="of pool pool-abc, not pool-xyz"):
        verified_terms(_signed(), "pool-xyz", [KEYS])
    with pytest.raises(PoolError, match="not its organizer other.example"):
        verified_terms(_signed(), "pool-abc", [KEYS], "other.example")
    with pytest.raises(PoolError, match="carries no signed terms"):
        verified_terms(None, "pool-abc", [KEYS])
    bad = signed_terms(terms_statement(pool_id="pool-abc", organizer_id=CLUB, terms=TERMS, terms_version=1,
                                       signed_offer=None, issued_at=NOW),
                       unique_key_id="k1", signing_public_key=CLUB_KEY.public_key_base64(), signature="AAAA")
    assert not check_signed_terms(bad).intact


def test_duijie_verify_checks_signed_terms_offline(tmp_path: Path) -> None:
    good = tmp_path / "terms.json"
    good.write_text(json.dumps(_signed(offer=_producer_offer()), ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(verify, [str(good), "--offline"])
    assert result.exit_code == 0, result.output
    assert "signed by organizer club.example" in result.output and "embeds producer farm.example" in result.output
    doc = _signed()
    doc["statement"]["terms"]["pickup_points"] = ["somewhere else"]
    bad = tmp_path / "forged.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(verify, [str(bad), "--offline", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["reason"].startswith("the organizer's signature")
