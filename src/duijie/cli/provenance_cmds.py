"""`duijie provenance sign|relist`: a producer signs an offer's origin; anyone relists it.

The producer signs its offer (``duijie.offer/1``: the offer with its origin) and hands the file
to whoever relists it. ``relist`` checks the signed offer (refused when it was altered or its
key is contradicted), asks the producer's own lookup (or ``--registry``) whether the key is the
producer's, adds the relisting at the relister's prices to its listing, and can write the
relister's signed relisting (``duijie.relisting/1``) for ``duijie verify``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from duijie.cli import http_client
from duijie.cli.common import Failure, data_dir_option, db_option, user_errors
from duijie.cli.node_client import refused
from duijie.cli.verify_cmd import chain_sources, producer_of
from duijie.domain.money import Money
from duijie.domain.offers import PriceTier
from duijie.l10n.cli_text import _
from duijie.protocol.provenance import (
    ProvenanceError,
    check_signed_offer,
    relisted_offer,
    relisted_provenance,
    sign_offer,
    sign_relisting,
)
from duijie.storage.keyfiles import KeyFileError, current_keys
from duijie.storage.node_config import load_config


def _write(doc: dict[str, Any], output: Path | None) -> None:
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def _provider(data_dir: Path, db_url: str | None, provider_id: str | None) -> tuple[Any, Any]:
    from duijie.local_node import open_catalog

    catalog = open_catalog(data_dir, db_url=db_url)
    if provider_id is None:
        hosted = catalog.providers()
        if len(hosted) != 1:
            names = ", ".join(s.provider_id for s in hosted) or "none"
            raise Failure(_("--provider: this node hosts {count} providers ({names}); name one")
                          .format(count=len(hosted), names=names))
        provider_id = hosted[0].provider_id
    return catalog, catalog.listing(provider_id).listing


def _keys(data_dir: Path) -> Any:
    try:
        return current_keys(data_dir, datetime.now(UTC))
    except KeyFileError as exc:
        raise Failure(str(exc)) from exc


@click.group()
def provenance() -> None:
    """源头直供: sign an offer's origin (producer), relist a signed offer (anyone)."""


@provenance.command("sign")
@click.argument("offer_id")
@data_dir_option
@db_option
@click.option("--provider", "provider_id", default=None, help="The provider whose offer it is (default: the only one).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the signed offer here (default: stdout).")
@user_errors
def sign_cmd(offer_id: str, data_dir: Path, db_url: str | None, provider_id: str | None, output: Path | None) -> None:
    """Sign OFFER_ID with its origin as this node (the producer): the file a relister embeds."""
    _, listing = _provider(data_dir, db_url, provider_id)
    offer = next((o for o in listing.offers if o.id == offer_id), None)
    if offer is None:
        known = ", ".join(o.id for o in listing.offers) or "none"
        raise Failure(_("OFFER_ID: provider {provider} has no offer {offer!r} (offers: {known})")
                      .format(provider=listing.id, offer=offer_id, known=known))
    keys = _keys(data_dir)
    try:
        doc = sign_offer(offer, producer_id=load_config(data_dir).subscriber_id, provider_id=listing.id,
                         key=keys.signing, unique_key_id=keys.unique_key_id, signed_at=datetime.now(UTC))
    except ProvenanceError as exc:
        raise Failure(str(exc)) from exc
    _write(doc, output)


def _tiers(prices: tuple[str, ...], currency: str) -> list[PriceTier]:
    tiers: list[PriceTier] = []
    for text in prices:
        qty, sep, amount = text.partition(":")
        try:
            if not sep:
                raise ValueError
            tiers.append(PriceTier(int(qty), Money(Decimal(amount), currency)))
        except (ValueError, InvalidOperation):
            raise Failure(_("--price: expected MIN_QUANTITY:UNIT_PRICE (e.g. 1:55.00), got {value!r}")
                          .format(value=text)) from None
    return sorted(tiers, key=lambda t: t.min_quantity)


def _read_signed(where: str) -> Any:
    """The signed offer in a file, or fetched from the producer's node."""
    try:
        if where.startswith(("http://", "https://")):
            resp = http_client.get(where, timeout=15)
            if resp.status_code != 200:
                raise refused(resp)
            return resp.json()
        return json.loads(Path(where).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, http_client.HttpError) as exc:
        raise Failure(_("{where}: not a signed offer: {reason}").format(where=where, reason=exc)) from exc


@provenance.command("relist")
@click.argument("signed_offer")
@data_dir_option
@db_option
@click.option("--price", "prices", multiple=True, required=True,
              help="MIN_QUANTITY:UNIT_PRICE of a tier of yours, in the producer's currency (repeatable).")
@click.option("--provider", "provider_id", default=None, help="Your provider that lists it (default: your only one).")
@click.option("--id", "offer_id", default=None, help="The relisting's offer id (default: the producer's).")
@click.option("--minimum", "minimum_batch", type=int, default=1, show_default=True, help="Your minimum order.")
@click.option("--registry", "registries", multiple=True, help="Ask this lookup source whose the key is (repeatable).")
@click.option("--resolve", "resolve", multiple=True, help="NAME=URL: where an identity lives (like curl).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write your signed relisting here (for duijie verify).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@user_errors
def relist_cmd(signed_offer: str, data_dir: Path, db_url: str | None, prices: tuple[str, ...],
               provider_id: str | None, offer_id: str | None, minimum_batch: int, registries: tuple[str, ...],
               resolve: tuple[str, ...], output: Path | None, as_json: bool) -> None:
    """Relist a producer's SIGNED_OFFER at your prices; it stays linked to the producer's offer.

    SIGNED_OFFER is a file, or the producer's URL for it
    (http://HOST:PORT/api/providers/PROVIDER/offers/OFFER/signed).
    """
    doc = _read_signed(signed_offer)
    check = check_signed_offer(doc)
    if check.offer is None or not check.ok:
        raise Failure(_("{file}: refused: the producer's signed offer does not hold: {reason}")
                      .format(file=signed_offer, reason=check.reason))
    currency = check.offer.tiers[0].unit_price.currency
    catalog, listing = _provider(data_dir, db_url, provider_id)
    try:
        offer = relisted_offer(doc, _tiers(prices, currency), offer_id=offer_id, minimum_batch=minimum_batch)
    except ProvenanceError as exc:
        raise Failure(_("{file}: refused: {reason}").format(file=signed_offer, reason=exc)) from exc
    sources = chain_sources(producer_of(doc), registries, resolve, load_config(data_dir).resolve)
    asked = check_signed_offer(doc, sources)
    if asked.signer is not None and asked.signer.contradicted_by:
        raise Failure(_("{file}: refused: {reason}").format(file=signed_offer, reason=asked.signer.reason))
    prov = relisted_provenance(offer, sources)
    others = tuple(o for o in listing.offers if o.id != offer.id)
    catalog.save_listing(replace(listing, offers=(*others, offer)))
    keys = _keys(data_dir)
    relisting = sign_relisting(offer, relister_id=load_config(data_dir).subscriber_id, provider_id=listing.id,
                               key=keys.signing, unique_key_id=keys.unique_key_id, signed_at=datetime.now(UTC))
    if output is not None:
        _write(relisting, output)
    first = prov.markups[0] if prov.markups else None
    summary = {"offer_id": offer.id, "provider_id": listing.id, "producer_id": check.producer_id,
               "status": prov.status.value, "reason": prov.reason,
               "producer_price": first.producer_price.to_wire() if first else None,
               "relisted_price": first.relisted_price.to_wire() if first else None,
               "markup": first.amount.to_wire() if first else None,
               "markup_percent": format(first.percent, "f") if first else None, "currency": currency}
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    click.echo(_("relisted {offer} under {provider}: {price} {currency}/{unit} (producer {producer}: "
                 "{producer_price}, markup {markup}, {percent}%)").format(
        offer=offer.id, provider=listing.id, price=summary["relisted_price"], currency=currency, unit=offer.unit,
        producer=check.producer_id, producer_price=summary["producer_price"], markup=summary["markup"],
        percent=summary["markup_percent"]))
    if prov.reason:
        click.echo("  " + _("shown as {status}: {reason}").format(status=prov.status.value, reason=prov.reason))
    else:
        click.echo("  " + _("chain to the producer verified: shown as {status}").format(status=prov.status.value))
