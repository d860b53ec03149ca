"""`duijie verify FILE`: check a receipt offline (and, if asked, its keys with lookup sources)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from duijie.cli import http_client
from duijie.l10n.cli_text import _
from duijie.protocol.identity import IdentityAddresses, ResolveEntryError, parse_resolve
from duijie.protocol.pool_terms import POOL_TERMS_FORMAT
from duijie.protocol.provenance import (
    OFFER_FORMAT,
    RELISTING_FORMAT,
    OfferCheck,
    RelistingCheck,
    check_relisting,
    check_signed_offer,
)
from duijie.protocol.receipts import KeySource, ReceiptCheck, SignatureCheck, verify_receipt
from duijie.services.key_lookup import key_from_subscription

EXIT_INVALID = 1
EXIT_NOT_A_RECEIPT = 2


@dataclass
class RegistrySource:
    """A Beckn lookup source asked over HTTP (``POST {url}/lookup``); failures are remembered, not fatal."""

    url: str
    name: str = ""
    errors: list[str] = field(default_factory=list)
    answers: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name = self.name or self.url

    def public_key(self, subscriber_id: str, unique_key_id: str) -> str | None:
        if (subscriber_id, unique_key_id) not in self.answers:  # a chain asks about one key more than once
            self.answers[(subscriber_id, unique_key_id)] = self._ask(subscriber_id, unique_key_id)
        return self.answers[(subscriber_id, unique_key_id)]

    def _ask(self, subscriber_id: str, unique_key_id: str) -> str | None:
        query = {"subscriber_id": subscriber_id, "key_id": unique_key_id, "ukId": unique_key_id}
        try:
            resp = http_client.post(self.url.rstrip("/") + "/lookup", json=query, timeout=5)
            records = resp.json() if resp.status_code == 200 else []
        except (http_client.HttpError, ValueError) as exc:
            self.errors.append(f"{self.url}: {exc}")
            return None
        for record in records if isinstance(records, list) else []:
            key = key_from_subscription(record, self.url) if isinstance(record, dict) else None
            if key and key.subscriber_id == subscriber_id and key.unique_key_id == unique_key_id:
                return key.signing_public_key
        return None


def producer_of(doc: Any) -> str | None:
    """The producer a signed offer or relisting names (its own lookup is asked about its key)."""
    statement = doc.get("statement") if isinstance(doc, dict) else None
    if not isinstance(statement, dict):
        return None
    if doc.get("format") == RELISTING_FORMAT:
        source = (statement.get("offer") or {}).get("source") if isinstance(statement.get("offer"), dict) else None
        return producer_of(source)
    producer = statement.get("producer_id")
    return producer if isinstance(producer, str) else None


def chain_sources(producer_id: str | None, registries: tuple[str, ...], resolve: tuple[str, ...],
                  configured: dict[str, str] | None = None) -> list[RegistrySource]:
    """Who is asked whose the producer's key is: the ``--registry`` sources when given, else the
    producer's own lookup at the address its id names (``--resolve NAME=URL`` maps names)."""
    if registries:
        return [RegistrySource(url) for url in registries]
    names = dict(configured or {})
    try:
        names.update(parse_resolve(entry) for entry in resolve)
    except ResolveEntryError as exc:
        raise click.ClickException(str(exc)) from exc
    base = IdentityAddresses(names).base_url(producer_id) if producer_id else None
    return [] if base is None else [RegistrySource(f"{base}/registry", name=f"{producer_id}'s own lookup")]


def _offer_lines(check: OfferCheck, label: str = "signed offer") -> list[str]:
    offer = check.offer
    origin = offer.origin if offer is not None else None
    where = ""
    if origin is not None:
        when = origin.harvest_date.isoformat() if origin.harvest_date else None
        where = f", from {origin.place.both()}" + "".join(f", {x}" for x in (when, origin.batch) if x)
    lines = [f"{label} {offer.id if offer else '?'} of producer {check.producer_id} ({check.provider_id}){where}"]
    sig = check.signer
    if sig is not None and check.ok:
        proof = (f"key confirmed by {', '.join(sig.confirmed_by)}" if sig.confirmed_by
                 else "carried key; not confirmed by a lookup")
        lines.append(f"  OK   signed by producer {sig.subscriber_id} with key {sig.unique_key_id} ({proof})")
    else:
        lines.append(f"  FAIL {check.reason}")
    return lines


def _relisting_lines(check: RelistingCheck) -> list[str]:
    relisted, prov, sig = check.relisted, check.provenance, check.relister
    lines = [f"relisting {relisted.id if relisted else '?'} by {sig.subscriber_id if sig else '?'}"]
    if sig is not None and sig.ok:
        lines.append(f"  OK   signed by relister {sig.subscriber_id} with key {sig.unique_key_id}")
    elif sig is not None:
        lines.append(f"  FAIL relister's signature: {sig.reason}")
    lines.extend(f"  FAIL {p}" for p in check.problems)
    if check.source is not None:
        lines.extend("  " + line for line in _offer_lines(check.source, "embeds the signed offer"))
    if prov is not None:
        for m in prov.markups:
            lines.append(f"  at {m.quantity}+: producer {m.producer_price}, relisted {m.relisted_price}, "
                         f"markup {m.amount.to_wire()} ({m.percent}%)")
        lines.append(f"  status: {prov.status.value}" + (f" ({prov.reason})" if prov.reason else ""))
    return lines


def _verify_chain(doc: dict[str, Any], file: Path, sources: list[RegistrySource], offline: bool,
                  as_json: bool) -> None:
    """A signed offer or a relisting: exit 0 when it holds and (unless --offline) the producer's
    key is confirmed; 1 otherwise."""
    keyed: list[KeySource] = [] if offline else list(sources)
    if doc.get("format") == OFFER_FORMAT:
        offer = check_signed_offer(doc, keyed)
        intact, proven, lines = offer.ok, offer.proven, _offer_lines(offer)
        reason = offer.reason or ("the producer's key is not confirmed by any lookup" if not proven else None)
    else:
        chain = check_relisting(doc, keyed)
        intact, proven, lines = chain.intact, chain.ok, _relisting_lines(chain)
        prov = chain.provenance
        reason = next((r for r in (*chain.problems, chain.relister.reason if chain.relister else None,
                                   prov.reason if prov else None) if r), None)
    good = intact if offline else proven
    errors = [e for s in sources for e in s.errors]
    if as_json:
        click.echo(json.dumps({"ok": good, "format": doc.get("format"), "intact": intact, "proven": proven,
                               "reason": None if good else reason, "lookup_errors": errors}, ensure_ascii=False))
    else:
        for line in lines:
            click.echo(line)
        for error in errors:
            click.echo("  " + _("note: lookup failed: {error}").format(error=error), err=True)
        if good:
            said = _("intact (offline: keys not confirmed)") if offline else _("verified back to the producer")
            click.echo(f"{file}: {said}")
        else:
            click.echo(_("{file}: NOT verified: {reason}").format(file=file, reason=reason), err=True)
    if not good:
        sys.exit(EXIT_INVALID)


def _proof(sig: SignatureCheck) -> str:
    if sig.contradicted_by:
        return f"but {', '.join(sig.contradicted_by)} lists another key for {sig.subscriber_id}"
    if sig.confirmed_by:
        return f"key confirmed for {sig.subscriber_id} by {', '.join(sig.confirmed_by)}"
    return "carried in the receipt; not confirmed by a lookup"


def _describe(check: ReceiptCheck) -> list[str]:
    agreement = check.agreement or {}
    lines = [
        f"receipt of order {agreement.get('id')} between buyer {agreement.get('bap_id')} and seller "
        f"{agreement.get('bpp_id')} (transaction {agreement.get('transaction_id')})"
    ]
    for sig in check.signatures:
        if sig.ok:
            lines.append(
                f"  OK   agreement signed by {sig.role} {sig.subscriber_id} with key {sig.unique_key_id} "
                f"({_proof(sig)})"
            )
        else:
            lines.append(
                f"  FAIL signature #{sig.index + 1} by {sig.role} {sig.subscriber_id} with key "
                f"{sig.unique_key_id}: {sig.reason}"
            )
    lines.extend(f"  FAIL {problem}" for problem in check.problems)
    return lines


def _as_json(check: ReceiptCheck, lookup_errors: list[str]) -> dict[str, Any]:
    return {
        "ok": check.ok,
        "is_receipt": check.is_receipt,
        "order_id": (check.agreement or {}).get("id"),
        "problems": list(check.problems),
        "lookup_errors": lookup_errors,
        "signatures": [
            {
                "role": s.role,
                "subscriber_id": s.subscriber_id,
                "unique_key_id": s.unique_key_id,
                "valid": s.valid,
                "ok": s.ok,
                "reason": s.reason,
                "confirmed_by": list(s.confirmed_by),
                "contradicted_by": list(s.contradicted_by),
            }
            for s in check.signatures
        ],
    }


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@click.option(
    "--registry",
    "registries",
    multiple=True,
    help="Also ask this lookup source (Beckn POST URL/lookup) whose the keys are; repeatable.",
)
@click.option("--resolve", "resolve", multiple=True, help="NAME=URL: where an identity lives (like curl).")
@click.option("--offline", is_flag=True, help="Signed offers and relistings: check the signatures only.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify(file: Path, registries: tuple[str, ...], resolve: tuple[str, ...], offline: bool, as_json: bool) -> None:
    """Check a receipt, a producer's signed offer, a relisting or a pool's signed terms and print what it proves.

    Receipts: exit 0 when every signature is valid, 1 when the receipt is tampered or invalid
    (naming the signature that broke), 2 when FILE is not a receipt. Signed offers and
    relistings (源头直供): the chain back to the producer is checked offline, and the producer's
    key is asked of --registry, else of the producer's own lookup (skipped with --offline);
    exit 0 only when it all holds.
    """
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        doc = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        click.echo(_("{file}: not a receipt: {reason}").format(file=file, reason=exc), err=True)
        sys.exit(EXIT_NOT_A_RECEIPT)
    if isinstance(doc, dict) and doc.get("format") == POOL_TERMS_FORMAT:
        from duijie.cli.pool_verify import verify_pool_terms  # it reuses this module's key sources

        verify_pool_terms(doc, file, registries, resolve, offline, as_json)
        return
    if isinstance(doc, dict) and doc.get("format") in (OFFER_FORMAT, RELISTING_FORMAT):
        _verify_chain(doc, file, chain_sources(producer_of(doc), registries, resolve), offline, as_json)
        return
    sources = [RegistrySource(url) for url in registries]
    check = verify_receipt(doc, sources)
    errors = [e for s in sources for e in s.errors]
    if as_json:
        click.echo(json.dumps(_as_json(check, errors), ensure_ascii=False))
    elif check.is_receipt:
        for line in _describe(check):
            click.echo(line)
        for error in errors:
            click.echo("  " + _("note: lookup failed: {error}").format(error=error), err=True)
    if not check.is_receipt:
        if not as_json:
            click.echo(_("{file}: not a receipt: {reason}").format(file=file, reason="; ".join(check.problems)),
                       err=True)
        sys.exit(EXIT_NOT_A_RECEIPT)
    if not check.ok:
        if not as_json:
            broken = [s for s in check.signatures if not s.ok]
            reason = broken[0].reason if broken else "; ".join(check.problems)
            click.echo(_("{file}: receipt is NOT valid: {reason}").format(file=file, reason=reason), err=True)
        sys.exit(EXIT_INVALID)
    if not as_json:
        click.echo(_("{file}: receipt is valid ({count} signature(s))").format(file=file, count=len(check.signatures)))
