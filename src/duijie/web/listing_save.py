"""One save of the listing editor: the form's change, checked whole by the catalog service.

Every editor page saves the same way: the change is a function on the listing's document
(:data:`duijie.services.trade.catalog.DocumentEdit`); the catalog service applies it to the
stored document and reads the result back exactly as an import reads a file, so an edit and an
import accept and refuse the same things. A refused edit stores nothing; its problems go next to
their fields (:meth:`Draft.place`), and what belongs to no field of the form is listed above it.
The form carries the version it was made from: if someone saved in between, the save is
refused rather than silently undoing their change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from duijie.domain.errors import ValidationFailed
from duijie.interchange.listing_json import listing_to_document
from duijie.services.errors import Conflict
from duijie.services.ports import StoredListing
from duijie.services.trade.catalog import CatalogService, DocumentEdit, ImportResult
from duijie.web.listing_form import Draft
from duijie.web.templating import gettext_for, render


def catalog(request: Request) -> CatalogService:
    """The node's catalog service."""
    service: CatalogService = request.app.state.services.catalog
    return service


async def stored(request: Request, provider_id: str) -> tuple[StoredListing, dict[str, Any]]:
    """The stored listing and its document (raises ``NotFound`` for an unknown provider)."""
    found = await run_in_threadpool(catalog(request).listing, provider_id)
    return found, listing_to_document(found.listing)


@dataclass
class Spot:
    """Where in the document the edited part landed (set by the edit; its issues' prefix)."""

    prefix: str = "$"


@dataclass
class Outcome:
    """What a save did: the result when stored, else the problems of no field (said)."""

    result: ImportResult | None = None
    others: list[str] = field(default_factory=list)


async def save(request: Request, provider_id: str, draft: Draft, edit: DocumentEdit, spot: Spot) -> Outcome:
    """Store ``edit`` when the form and the edited listing are both valid; else put every problem
    on ``draft`` (the form's own and the check's, in one pass) and store nothing."""
    _ = draft._
    service = catalog(request)
    version = _version(draft)

    def attempt() -> ImportResult | None:
        if draft.errors:  # a field the form could not read: check the rest, never store
            service.check_edit(provider_id, edit)
            return None
        return service.edit_listing(provider_id, edit, expected_version=version)

    try:
        result = await run_in_threadpool(attempt)
    except ValidationFailed as exc:
        return Outcome(others=draft.place(exc.issues, spot.prefix))
    except Conflict:
        return Outcome(others=[_("The listing changed since this form was opened (another save). "
                                 "Reload the page and make your change again.")])
    return Outcome(result=result)


def _version(draft: Draft) -> int | None:
    raw = draft.values.get("version", "")
    return int(raw) if raw.isdigit() else None


def back_to_listing(provider_id: str, result: ImportResult, anchor: str) -> RedirectResponse:
    """After a save: the editor's overview, saying what happened (303, so a reload posts nothing)."""
    state = "saved" if result.changed else "unchanged"
    return RedirectResponse(f"/merchant/listing/{quote(provider_id)}?{state}={result.version}#{anchor}",
                            status_code=303)


def form_values(form: Any) -> dict[str, str]:
    """The text fields of a submitted form (files and the CSRF token left out)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def not_found(request: Request) -> Response:
    """The page for a provider (or a part of its listing) this node does not have."""
    _ = gettext_for(request)
    return render(request, "error.html", {"title": _("Not found"),
                                          "message": _("This node has no such listing or part of it.")}, status=404)
