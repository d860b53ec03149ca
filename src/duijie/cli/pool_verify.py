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
from duijie.l10n.cli_text import _
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
    lines = [_("pool {pool} terms version {version} by organizer {organizer}").format(
        pool=check.pool_id, version=check.terms_version, organizer=check.organizer_id)]
    if terms is not None:
        offer = terms.offer
        tiers = ", ".join(_("{quantity}+ at {price}").format(
            quantity=t.min_quantity, price=f"{t.unit_price.to_wire()} {t.unit_price.currency}") for t in offer.tiers)
        lines.append("  " + _("{offer} of producer {producer}: minimum batch {minimum} {unit}, maximum {maximum}, "
                              "tiers {tiers}").format(
            offer=offer.id, producer=terms.producer_id, minimum=offer.minimum_batch, unit=offer.unit,
            maximum=terms.maximum if terms.maximum is not None else "-", tiers=tiers))
        lines.append("  " + _("deadline {deadline}, pickup {points}").format(
            deadline=terms.deadline.isoformat(), points=" | ".join(terms.pickup_points)))
    sig = check.signer
    if sig is not None and sig.ok:
        proof = (_("key confirmed by {sources}").format(sources=", ".join(sig.confirmed_by)) if sig.confirmed_by
                 else _("carried key; not confirmed"))
        lines.append("  OK   " + _("signed by organizer {organizer} with key {key} ({proof})").format(
            organizer=sig.subscriber_id, key=sig.unique_key_id, proof=proof))
    embedded = check.offer
    if embedded is not None and embedded.ok and embedded.offer is not None:
        lines.append("  OK   " + _("embeds producer {producer}'s signed offer {offer}").format(
            producer=embedded.producer_id, offer=embedded.offer.id))
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
            click.echo("  " + _("note: lookup failed: {error}").format(error=error), err=True)
        if good:
            click.echo(f"{file}: " + (_("intact (offline: keys not confirmed)") if offline else _("verified")))
        else:
            click.echo(_("{file}: NOT verified: {reason}").format(file=file, reason=reason), err=True)
    if not good:
        sys.exit(EXIT_INVALID)
