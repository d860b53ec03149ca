"""The organizer's signature on a pool's terms: signed at open and at every change of terms, and
checked by a pledger before it pledges or accepts a change (the form: :mod:`duijie.protocol.pool_terms`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from duijie.domain.pools import Pool, PoolError, PoolRule, PoolTerms
from duijie.protocol.canonical import canonical_bytes
from duijie.protocol.pool_terms import TermsCheck, check_signed_terms, signed_terms, terms_statement
from duijie.protocol.receipts import KeySource
from duijie.services.ports import Signer


class TermsSigner:
    """Signs pool terms as this node (the organizer) with its current key."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def sign(self, pool: Pool, signed_offer: dict[str, Any] | None, now: datetime,
             terms: PoolTerms | None = None, terms_version: int | None = None) -> dict[str, Any]:
        """The signed terms of ``pool`` (or of ``terms`` as version ``terms_version``: a proposal)."""
        statement = terms_statement(pool_id=pool.id, organizer_id=pool.organizer_id, terms=terms or pool.terms,
                                    terms_version=terms_version or pool.terms_version, signed_offer=signed_offer,
                                    issued_at=now)
        sig = self._signer.sign_detached(canonical_bytes(statement), now)
        return signed_terms(statement, unique_key_id=sig.unique_key_id, signing_public_key=sig.signing_public_key,
                            signature=sig.signature)


def verified_terms(doc: Any, pool_id: str, sources: Sequence[KeySource], organizer_id: str | None = None) -> TermsCheck:
    """Rule (a pledger's check): the terms of ``pool_id`` are signed by its organizer with a key one
    of ``sources`` confirms, intact, and any embedded producer offer holds and matches them; else
    :class:`PoolError` ``terms_not_verified`` naming what failed."""
    if doc is None:
        raise PoolError(PoolRule.TERMS_NOT_VERIFIED, f"pool {pool_id} carries no signed terms")
    check = check_signed_terms(doc, sources)
    if not check.intact:
        raise PoolError(PoolRule.TERMS_NOT_VERIFIED, f"pool {pool_id}: {check.reason}")
    if check.pool_id != pool_id:
        raise PoolError(PoolRule.TERMS_NOT_VERIFIED, f"the signed terms are of pool {check.pool_id}, not {pool_id}")
    if organizer_id is not None and check.organizer_id != organizer_id:
        raise PoolError(PoolRule.TERMS_NOT_VERIFIED,
                        f"pool {pool_id}'s terms are signed by {check.organizer_id}, not its organizer {organizer_id}")
    if not check.proven:
        raise PoolError(PoolRule.TERMS_NOT_VERIFIED,
                        f"pool {pool_id}: no key this node trusts confirms the signing key as {check.organizer_id}'s")
    return check
