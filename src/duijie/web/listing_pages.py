"""The merchant's listing editor: ``/merchant/listing`` and the parts of one provider's listing.

The overview (``/merchant/listing/{provider}``) shows the hours of each location (each its own
form), the menu by section, the rooms and the job postings (each with its own page, see
:mod:`duijie.web.listing_edit_pages`), and import and export of the listing (JSON) and the
menu (CSV) through the same importers as ``duijie provider import`` and ``duijie menu import``.
Every save is one validated update through the catalog service (:mod:`duijie.web.listing_save`),
and every page needs a signed-in merchant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from duijie.domain.errors import DomainError, Issue, ValidationFailed
from duijie.interchange.listing_json import load_document
from duijie.services.errors import NotFound
from duijie.web import csrf, listing_edit_pages
from duijie.web.access import require_merchant
from duijie.web.listing_form import Draft
from duijie.web.listing_issues import say
from duijie.web.listing_json_lines import LineFinder, line_finder
from duijie.web.listing_parts import read_hours
from duijie.web.listing_save import Spot, back_to_listing, catalog, form_values, not_found, save, stored
from duijie.web.templating import gettext_for, render

MAX_UPLOAD = 5 * 1024 * 1024
"""The largest listing or menu file accepted (the demo's whole listing is 20 KB)."""

_CSV_LINE = re.compile(r".*:(\d+)")


async def index(request: Request) -> Response:
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    providers = await run_in_threadpool(catalog(request).providers)
    if len(providers) == 1:  # the usual node: one business, straight to its listing
        return RedirectResponse(f"/merchant/listing/{quote(providers[0].provider_id)}", status_code=303)
    return render(request, "listing/index.html", {"providers": providers})


async def overview(request: Request) -> Response:
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    return await show_overview(request, request.path_params["provider_id"])


async def show_overview(request: Request, provider_id: str, *, status: int = 200,
                        hours_forms: Mapping[str, Any] | None = None,
                        import_problems: list[tuple[str, str]] | None = None, import_name: str = "") -> Response:
    """The overview page, with a refused form's values and problems when there is one."""
    try:
        found, _document = await stored(request, provider_id)
    except NotFound:
        return not_found(request)
    query = request.query_params
    return render(request, "listing/hub.html", {
        "listing": found.listing, "version": found.version, "updated_at": found.updated_at,
        "saved": query.get("saved", ""), "unchanged": query.get("unchanged", ""),
        "hours_forms": hours_forms or {}, "import_problems": import_problems or [], "import_name": import_name,
    }, status=status)


async def save_hours(request: Request) -> Response:
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    form = await csrf.checked_form(request)
    provider_id, location_id = request.path_params["provider_id"], request.path_params["location_id"]
    values = form_values(form)
    draft = Draft(gettext_for(request), values)
    name = f"hours_{location_id}"
    hours = read_hours(draft, name)
    spot = Spot()

    def edit(document: dict[str, Any]) -> None:
        for i, location in enumerate(document["provider"]["locations"]):
            if location["id"] == location_id:
                spot.prefix = f"$.provider.locations[{i}].opening_hours"
                if hours is None:
                    location.pop("opening_hours", None)
                else:
                    location["opening_hours"] = hours
                return
        raise NotFound(f"no location {location_id!r}")

    try:
        outcome = await save(request, provider_id, draft, edit, spot)
    except NotFound:
        return not_found(request)
    if outcome.result is not None:
        return back_to_listing(provider_id, outcome.result, "hours")
    form_state = {"values": values, "errors": draft.errors, "others": outcome.others}
    return await show_overview(request, provider_id, status=400, hours_forms={location_id: form_state})


async def import_file(request: Request) -> Response:
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    form = await csrf.checked_form(request)
    provider_id = request.path_params["provider_id"]
    _ = gettext_for(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await show_overview(request, provider_id, status=400, import_name="",
                                   import_problems=[("", _("Choose a .json or .csv file to import."))])
    name = upload.filename
    raw = await upload.read(MAX_UPLOAD + 1)
    problems: list[tuple[str, str]] = []
    lines: LineFinder | None = None
    try:
        text = _text_of(raw, _)
        as_csv = name.lower().endswith(".csv") or (
            not name.lower().endswith(".json") and not text.lstrip("\ufeff \r\n\t").startswith("{"))
        if as_csv:
            result = await run_in_threadpool(catalog(request).import_menu_csv, provider_id, text, name)
        else:
            document = load_document(text.removeprefix("\ufeff"))
            lines = line_finder(text.removeprefix("\ufeff"))
            _same_provider(document, provider_id, _)
            result = await run_in_threadpool(catalog(request).import_document, document)
    except NotFound:
        return not_found(request)
    except _Unreadable as exc:
        problems = [("", str(exc))]
    except ValidationFailed as exc:
        problems = [_where(issue, _, lines) for issue in exc.issues]
    if problems:
        return await show_overview(request, provider_id, status=400, import_problems=problems, import_name=name)
    return back_to_listing(provider_id, result, "transfer")


class _Unreadable(Exception):
    """An upload that is no text file at all (already said in the visitor's language)."""


def _text_of(raw: bytes, _: Any) -> str:
    if len(raw) > MAX_UPLOAD:
        raise _Unreadable(_("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD // (1024 * 1024)})
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Unreadable(_("The file is not UTF-8 text (byte %(at)s). Save it as “CSV UTF-8” or UTF-8 JSON.")
                          % {"at": exc.start}) from exc


def _same_provider(document: Any, provider_id: str, _: Any) -> None:
    """A listing file replaces this provider's listing only: another provider's is refused."""
    provider = document.get("provider") if isinstance(document, dict) else None
    other = provider.get("id") if isinstance(provider, dict) else None
    if isinstance(other, str) and other != provider_id:
        raise ValidationFailed([Issue("$.provider.id", _("this file is the listing of “%(other)s”, not of "
                                                         "“%(this)s”") % {"other": other, "this": provider_id})])


def _where(issue: Issue, _: Any, lines: LineFinder | None) -> tuple[str, str]:
    """Where an import problem is: a CSV file's line, or a JSON file's line and path."""
    said = say(issue.reason, _)
    if not issue.path.startswith("$"):
        csv_line = _CSV_LINE.fullmatch(issue.path)
        return (_("line %(n)s") % {"n": csv_line[1]} if csv_line else issue.path), said
    line = lines.line(issue.path) if lines is not None and issue.path != "$" else None
    return (f"{_('line %(n)s') % {'n': line}} ({issue.path})" if line else issue.path), said


async def export_json(request: Request) -> Response:
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    provider_id = request.path_params["provider_id"]
    try:
        text = await run_in_threadpool(catalog(request).export_document, provider_id)
    except NotFound:
        return not_found(request)
    return _download(text, f"{provider_id}.listing.json", "application/json")


async def export_csv(request: Request) -> Response:
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    provider_id = request.path_params["provider_id"]
    _ = gettext_for(request)
    try:
        text = await run_in_threadpool(catalog(request).export_menu_csv, provider_id)
    except NotFound:
        return not_found(request)
    except DomainError:
        return render(request, "error.html", {
            "title": _("The menu cannot be written as CSV"),
            "message": _("An add-on name holds | : ; or /, which the spreadsheet form uses. Rename it, "
                         "or download the whole listing as JSON.")}, status=409)
    return _download(text, f"{provider_id}.menu.csv", "text/csv")


def _download(text: str, filename: str, media_type: str) -> Response:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", filename)
    return Response(text.encode("utf-8"), media_type=f"{media_type}; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{safe}"', "Cache-Control": "no-store"})


_BASE = "/merchant/listing/{provider_id}"

routes: list[BaseRoute] = [
    Route("/merchant/listing", index, methods=["GET"]),
    Route(_BASE, overview, methods=["GET"]),
    Route(_BASE + "/hours/{location_id}", save_hours, methods=["POST"]),
    Route(_BASE + "/import", import_file, methods=["POST"]),
    Route(_BASE + "/export.json", export_json, methods=["GET"]),
    Route(_BASE + "/export.csv", export_csv, methods=["GET"]),
    *listing_edit_pages.routes,
]
