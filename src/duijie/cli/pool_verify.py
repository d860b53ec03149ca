"""`duijie verify` of a pool's signed terms (``duijie.pool/1``): the organizer's signature, the
terms' form, and the embedded producer offer (intact and matching the terms), offline; then,
unless ``--offline``, whose the keys are (``--registry``, else the organizer's and the producer's
own lookups)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from duijie.cli.verify_cmd import EXIT_INVALID, RegistrySource, chain_sources
from duijie.protocol.pool_terms import TermsCheck, check_signed_terms
from duijie.protocol.receipts import KeySource


def _sources(doc: dict[str, Any], registries: tuple[str, ...], resolve: tuple[str, ...]) -> list[RegistrySource]:
    statement = doc.get("statement")
    statement = statement if isinstance(statement, dict) else {}
    terms = statement.get("terms")
    organizer = statement.get("organizer_id")
    producer = terms.get("producer_id") if isinstance(terms, dict) else None
    if registries:
        return chain_sources(None, registries, resolve)
    found: list[RegistrySource] = []
    for who in dict.fromkeys(w for w in (organizer, producer) if isinstance(w, str)):
        found += chain_sources(who, (), resolve)
    return found


def _lines(check: TermsCheck) -> list[str]:
    terms = check.terms
    lines = [f"pool {check.pool_id} terms version {check.terms_version} by organizer {check.organizer_id}"]
    if terms is not None:
        offer = terms.offer
        tiers = ", ".join(f"{t.min_quantity}+ at {t.unit_price.to_wire()} {t.unit_price.currency}" for t in offer.tiers)
        lines.append(f"  {offer.id} of producer {terms.producer_id}: minimum batch {offer.minimum_batch} {offer.unit}"
                     f", maximum {terms.maximum if terms.maximum is not None else '-'}, tiers {tiers}")
        lines.append(f"  deadline {terms.deadline.isoformat()}, pickup {' | '.join(terms.pickup_points)}")
    sig = check.signer
    if sig is not None and sig.ok:
        proof = f"key confirmed by {', '.join(sig.confirmed_by)}" if sig.confirmed_by else "carried key; not confirmed"
        lines.append(f"  OK   signed by organizer {sig.subscriber_id} with key {sig.unique_key_id} ({proof})")
    embedded = check.offer
    if embedded is not None and embedded.ok and embedded.offer is not None:
        lines.append(f"  OK   embeds producer {embedded.producer_id}'s signed offer {embedded.offer.id}")
    if check.reason:
        lines.append(f"  FAIL {check.reason}")
    return lines


def verify_pool_terms(doc: dict[str, Any], file: Path, registries: tuple[str, ...], resolve: tuple[str, ...],
                      offline: bool, as_json: bool) -> None:
    """Print what the signed terms prove; exit 0 only when they hold (and, unless offline, the
    organizer's key is confirmed), else 1."""
    sources = [] if offline else _sources(doc, registries, resolve)
    keyed: list[KeySource] = list(sources)
    check = check_signed_terms(doc, keyed)
    good = check.intact if offline else check.proven
    reason = check.reason or (None if good else "the organizer's key is not confirmed by any lookup")
    errors = [e for s in sources for e in s.errors]
    if as_json:
        click.echo(json.dumps({"ok": good, "format": doc.get("format"), "intact": check.intact, "proven": check.proven,
                               "pool_id": check.pool_id, "terms_version": check.terms_version,
                               "reason": None if good else reason, "lookup_errors": errors}, ensure_ascii=False))
    else:
        for line in _lines(check):
            click.echo(line)
        for error in errors:
            click.echo(f"  note: lookup failed: {error}", err=True)
        if good:
            click.echo(f"{file}: {'intact (offline: keys not confirmed)' if offline else 'verified'}")
        else:
            click.echo(f"{file}: NOT verified: {reason}", err=True)
    if not good:
        sys.exit(EXIT_INVALID)
