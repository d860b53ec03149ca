"""A pool's terms signed by its organizer: what every pledger checks before pledging.

One document, the same form as the producer's signed offer (:mod:`duijie.protocol.provenance`):
a ``statement`` and one Ed25519 signature over ``canonical_bytes(statement)``::

    {"format": "duijie.pool/1",
     "statement": {"pool_id", "organizer_id", "terms_version",
                   "terms": {...the pool's terms: offer, tiers, minimum, maximum, deadline, pickup points...},
                   "signed_offer": {...the producer's signed offer the pool embeds, when it does...},
                   "issued_at"},
     "signature": {"subscriber_id": <organizer_id>, "unique_key_id", "signing_public_key",
                   "algorithm": "ed25519", "signature"}}

The organizer signs at open and again at each change of terms (``terms_version`` counts them).
The check is offline (the carried keys) plus, for a pledger, that the organizer's key is one
its node trusts. Embedding a producer's signed offer binds the terms to it: the same producer,
unit, minimum batch and tiers, or the terms do not hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from duijie.domain.errors import ValidationFailed
from duijie.domain.pools import PoolTerms
from duijie.interchange.pool_json import terms_in, terms_out
from duijie.protocol.context import format_timestamp
from duijie.protocol.provenance import ALGORITHM, OfferCheck, SignerCheck, check_signed_offer, check_statement_signature
from duijie.protocol.receipts import KeySource

POOL_TERMS_FORMAT = "duijie.pool/1"


def terms_statement(*, pool_id: str, organizer_id: str, terms: PoolTerms, terms_version: int,
                    signed_offer: Mapping[str, Any] | None, issued_at: datetime) -> dict[str, Any]:
    """What the organizer signs about a pool's terms (version ``terms_version``)."""
    statement: dict[str, Any] = {"pool_id": pool_id, "organizer_id": organizer_id, "terms_version": terms_version,
                                 "terms": terms_out(terms), "issued_at": format_timestamp(issued_at)}
    if signed_offer is not None:
        statement["signed_offer"] = dict(signed_offer)
    return statement


def signed_terms(statement: Mapping[str, Any], *, unique_key_id: str, signing_public_key: str,
                 signature: str) -> dict[str, Any]:
    """The signed terms document around ``statement`` and a detached signature made by the
    organizer's node over ``canonical_bytes(statement)``."""
    return {"format": POOL_TERMS_FORMAT, "statement": dict(statement),
            "signature": {"subscriber_id": statement["organizer_id"], "unique_key_id": unique_key_id,
                          "signing_public_key": signing_public_key, "algorithm": ALGORITHM, "signature": signature}}


@dataclass(frozen=True, slots=True)
class TermsCheck:
    """Signed pool terms, checked. ``intact``: the organizer's signature holds with its carried key
    and any embedded producer offer holds and matches the terms; ``proven``: intact, and a key
    source confirms the organizer's key."""

    pool_id: str | None
    organizer_id: str | None
    terms_version: int | None
    terms: PoolTerms | None
    signer: SignerCheck | None
    offer: OfferCheck | None = None
    problems: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        return not self.problems and self.terms is not None and self.signer is not None and self.signer.ok

    @property
    def proven(self) -> bool:
        return self.intact and self.signer is not None and self.signer.proven

    @property
    def reason(self) -> str | None:
        """The first thing that fails (None when intact)."""
        if self.signer is not None and not self.signer.ok:
            return f"the organizer's signature: {self.signer.reason}"
        return self.problems[0] if self.problems else None


def _offer_binding(terms: PoolTerms, check: OfferCheck) -> list[str]:
    """Rule: terms that embed a producer's signed offer keep to it."""
    offer = check.offer
    if offer is None or not check.ok:
        return [f"$.statement.signed_offer: the producer's signed offer does not hold: {check.reason}"]
    out = []
    if check.producer_id != terms.producer_id:
        out.append(f"$.statement.signed_offer: signed by {check.producer_id}, the terms name {terms.producer_id}")
    mine = terms.offer
    for name, theirs, ours in (("unit", offer.unit, mine.unit), ("minimum_batch", offer.minimum_batch,
                                                                 mine.minimum_batch),
                               ("tiers", offer.tiers, mine.tiers), ("id", offer.id, mine.id)):
        if theirs != ours:
            out.append(f"$.statement.terms.offer.{name}: differs from the producer's signed offer")
    return out


def check_signed_terms(doc: Any, sources: Sequence[KeySource] = ()) -> TermsCheck:
    """Check signed pool terms: the shape, the terms' rules of form, the organizer's signature (its
    key asked of ``sources``), and the embedded producer offer (intact, matching the terms)."""
    if not isinstance(doc, dict) or doc.get("format") != POOL_TERMS_FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        return TermsCheck(None, None, None, None, None, problems=(f"format {found!r} is not {POOL_TERMS_FORMAT!r}",))
    statement = doc.get("statement")
    if not isinstance(statement, dict) or not isinstance(statement.get("terms"), dict):
        return TermsCheck(None, None, None, None, None, problems=("$.statement.terms must be an object",))
    pool_id, organizer = statement.get("pool_id"), statement.get("organizer_id")
    version = statement.get("terms_version")
    problems: list[str] = []
    terms: PoolTerms | None = None
    try:
        terms = terms_in(statement["terms"], "$.statement.terms")
    except ValidationFailed as exc:
        problems += [f"{i.path}: {i.reason}" for i in exc.issues]
    offer: OfferCheck | None = None
    if statement.get("signed_offer") is not None:
        offer = check_signed_offer(statement["signed_offer"], sources)
        if terms is not None:
            problems += _offer_binding(terms, offer)
    signer = check_statement_signature(doc, "organizer_id", sources)
    return TermsCheck(str(pool_id) if pool_id is not None else None, str(organizer) if organizer else None,
                      version if isinstance(version, int) else None, terms, signer, offer, tuple(problems))
