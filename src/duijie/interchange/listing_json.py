"""The listing document format ``duijie.listing/1`` (JSON) and its one stable text form.

Top-level shape (JSON Schema: ``duijie/schemas/listing-v1.schema.json``)::

    {
      "format": "duijie.listing/1",
      "provenance": {"source": str, "synthetic": bool, "illustrative": [JSON path, ...]},
      "provider":  {"id", "kind", "name", "description"?, "team"?, "contacts"?, "locations": [...]},
      "catalog":   {"sections": [...], "items": [...]},
      "resources": [...], "jobs": [...], "offers": [...]
    }

Conventions: bilingual text is ``{"zh": str, "en": str}`` (either may be absent); money is
``{"amount": "12.50", "currency": "USD"}`` with the amount a decimal *string*; durations are
whole minutes; optional fields are omitted rather than null, and empty optional lists are
omitted, so every listing has exactly one document. ``provenance.illustrative`` names the
parts of the data (JSON paths, ``[*]`` for every element) that were added for a demo and are
not facts from the merchant.
"""

from __future__ import annotations

import json
from typing import Any

from duijie.domain.errors import Issue, ValidationFailed
from duijie.domain.listing import Listing, Provenance
from duijie.domain.listing_problems import ListingProblem as P
from duijie.domain.listing_problems import Reason
from duijie.interchange.catalog_json import catalog_in, catalog_out
from duijie.interchange.provider_json import provider_in, provider_out
from duijie.interchange.reader import Reader
from duijie.interchange.trade_json import job_in, job_out, offer_in, offer_out, resource_in, resource_out
from duijie.interchange.wire import compact

FORMAT = "duijie.listing/1"
_TOP_KEYS = {"format", "provenance", "provider", "catalog", "resources", "jobs", "offers"}


def listing_to_document(listing: Listing) -> dict[str, Any]:
    """The document for ``listing`` (plain JSON types only; money as decimal strings)."""
    pv = listing.provenance
    return {
        "format": FORMAT,
        "provenance": compact({"source": pv.source, "illustrative": list(pv.illustrative)})
        | {"synthetic": pv.synthetic},
        "provider": provider_out(listing.provider),
        "catalog": catalog_out(listing.catalog),
        "resources": [resource_out(r) for r in listing.resources],
        "jobs": [job_out(j) for j in listing.jobs],
        "offers": [offer_out(o) for o in listing.offers],
    }


def listing_from_document(doc: Any) -> Listing:
    """Read a ``duijie.listing/1`` document; raise ``ValidationFailed`` with every issue.

    Structural problems (wrong types, missing or unknown fields, bad enum values) and domain
    rule violations (``Listing.validate``) are reported together, each with its JSON path.
    """
    r = Reader()
    obj = r.obj(doc, "$")
    if obj is None:
        raise ValidationFailed(r.issues)
    r.unknown_keys(obj, _TOP_KEYS, "$")
    fmt = r.get(obj, "format", "$", str)
    if fmt is not None and fmt != FORMAT:
        r.fail("$.format", Reason(P.UNSUPPORTED_FORMAT, got=fmt, expected=FORMAT))
    provenance = _provenance_in(r, obj.get("provenance"))
    for part in ("provider", "catalog"):
        if part not in obj:
            r.fail(f"$.{part}", Reason(P.MISSING_FIELD))
    # A missing or broken part is read as placeholders, so every rule about the rest still runs:
    # the merchant sees every problem in one pass, not some only after fixing others.
    provider = provider_in(r, obj.get("provider", {}), "$.provider")
    catalog = catalog_in(r, obj.get("catalog", {}), "$.catalog")
    resources = r.items(obj, "resources", "$", lambda v, p: resource_in(r, v, p))
    jobs = r.items(obj, "jobs", "$", lambda v, p: job_in(r, v, p))
    offers = r.items(obj, "offers", "$", lambda v, p: offer_in(r, v, p))
    listing = Listing(provider, catalog, resources, jobs, offers, provenance)
    # A rule about a part already reported structurally (a placeholder's value) says nothing new.
    issues = r.issues + [i for i in listing.validate() if not r.reported(i.path)]
    if issues:
        raise ValidationFailed(_dedupe(issues))
    return listing


def _provenance_in(r: Reader, raw: Any) -> Provenance:
    if raw is None:
        r.fail("$.provenance", Reason(P.MISSING_FIELD))
        return Provenance()
    obj = r.obj(raw, "$.provenance")
    if obj is None:
        return Provenance()
    r.unknown_keys(obj, {"source", "synthetic", "illustrative"}, "$.provenance")
    source = r.get(obj, "source", "$.provenance", str, required=False)
    synthetic = r.get(obj, "synthetic", "$.provenance", bool)
    illustrative = r.strings(obj, "illustrative", "$.provenance")
    return Provenance(source, bool(synthetic), illustrative)


def _dedupe(issues: list[Issue]) -> list[Issue]:
    return list(dict.fromkeys(issues))


def dump_document(doc: dict[str, Any]) -> str:
    """The one stable text form: sorted keys, 2-space indent, UTF-8 text unescaped, final newline.

    Sorted keys make the text depend only on the content, so export→import→export is
    byte-identical and diffs between versions stay small.
    """
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def load_document(text: str) -> Any:
    """Parse document text; malformed JSON becomes a ``ValidationFailed`` at ``$``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed([Issue("$", Reason(P.NOT_JSON, message=exc.msg, line=exc.lineno, column=exc.colno))]) \
            from exc
