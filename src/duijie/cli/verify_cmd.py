"""`duijie verify FILE`: check a receipt offline (and, if asked, its keys with lookup sources)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import httpx

from duijie.protocol.receipts import ReceiptCheck, SignatureCheck, verify_receipt
from duijie.services.key_lookup import key_from_subscription

EXIT_INVALID = 1
EXIT_NOT_A_RECEIPT = 2


@dataclass
class RegistrySource:
    """A Beckn lookup source asked over HTTP (``POST {url}/lookup``); failures are remembered, not fatal."""

    url: str
    name: str = ""
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.name = self.name or self.url

    def public_key(self, subscriber_id: str, unique_key_id: str) -> str | None:
        query = {"subscriber_id": subscriber_id, "key_id": unique_key_id, "ukId": unique_key_id}
        try:
            resp = httpx.post(self.url.rstrip("/") + "/lookup", json=query, timeout=5)
            records = resp.json() if resp.status_code == 200 else []
        except (httpx.HTTPError, ValueError) as exc:
            self.errors.append(f"{self.url}: {exc}")
            return None
        for record in records if isinstance(records, list) else []:
            key = key_from_subscription(record, self.url) if isinstance(record, dict) else None
            if key and key.subscriber_id == subscriber_id and key.unique_key_id == unique_key_id:
                return key.signing_public_key
        return None


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
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify(file: Path, registries: tuple[str, ...], as_json: bool) -> None:
    """Check a receipt offline and print what it proves.

    Exit 0 when every signature is valid, 1 when the receipt is tampered or invalid (naming the
    signature that broke), 2 when FILE is not a receipt.
    """
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        doc = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        click.echo(f"{file}: not a receipt: {exc}", err=True)
        sys.exit(EXIT_NOT_A_RECEIPT)
    sources = [RegistrySource(url) for url in registries]
    check = verify_receipt(doc, sources)
    errors = [e for s in sources for e in s.errors]
    if as_json:
        click.echo(json.dumps(_as_json(check, errors), ensure_ascii=False))
    elif check.is_receipt:
        for line in _describe(check):
            click.echo(line)
        for error in errors:
            click.echo(f"  note: lookup failed: {error}", err=True)
    if not check.is_receipt:
        if not as_json:
            click.echo(f"{file}: not a receipt: {'; '.join(check.problems)}", err=True)
        sys.exit(EXIT_NOT_A_RECEIPT)
    if not check.ok:
        if not as_json:
            broken = [s for s in check.signatures if not s.ok]
            reason = broken[0].reason if broken else "; ".join(check.problems)
            click.echo(f"{file}: receipt is NOT valid: {reason}", err=True)
        sys.exit(EXIT_INVALID)
    if not as_json:
        click.echo(f"{file}: receipt is valid ({len(check.signatures)} signature(s))")
