"""The editor's pages of one dish, room or job posting (new, edit, delete), and the menu's sections.

A dish, a room and a job posting are edited the same way (:class:`Part`): a page with the form,
a POST that replaces the part (found by its id, which never changes: orders, bookings and
applications name it) or adds a new one, and a POST that deletes it. Each save is one validated
update of the whole listing (:func:`duijie.web.listing_save.save`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from duijie.domain.currencies import is_currency
from duijie.services.errors import NotFound
from duijie.web import csrf
from duijie.web.access import require_merchant
from duijie.web.listing_form import Draft, FormValues, listing_currency
from duijie.web.listing_item_form import DIETS, item_values, layout, read_item
from duijie.web.listing_parts import (
    APPROVALS,
    EMPLOYMENT,
    ROOM_KINDS,
    job_values,
    read_job,
    read_room,
    read_sections,
    room_values,
    section_rows,
    section_values,
)
from duijie.web.listing_save import Outcome, Spot, back_to_listing, form_values, not_found, save, stored
from duijie.web.templating import gettext_for, render, request_lang

Document = dict[str, Any]


@dataclass(frozen=True)
class Part:
    """One kind of listed thing with its own editor page."""

    path: str  # its URL segment and the document's list: items → $.catalog.items
    template: str
    anchor: str  # where the overview shows it
    prefix: str
    members: Callable[[Document], list[dict[str, Any]]]
    values_of: Callable[[dict[str, Any]], dict[str, str]]
    defaults: Callable[[Document], dict[str, str]]
    read: Callable[[Draft, dict[str, Any] | None, Document], dict[str, Any]]
    choices: Callable[[Document, FormValues, Any, str], dict[str, Any]]


def _name(values: FormValues, field: str, lang: str) -> str:
    first, second = (f"{field}_zh", f"{field}_en") if lang == "zh" else (f"{field}_en", f"{field}_zh")
    return values.get(first) or values.get(second) or ""


def _locations(document: Document, lang: str, *, any_label: str | None = None) -> list[tuple[str, str]]:
    found = [(loc["id"], loc["name"].get(lang) or loc["name"].get("zh") or loc["name"].get("en") or loc["id"])
             for loc in document["provider"]["locations"]]
    return [("", any_label), *found] if any_label is not None else found


def _read_item(d: Draft, existing: dict[str, Any] | None, document: Document) -> dict[str, Any]:
    currency = listing_currency(document)
    if currency is None:  # the first dish of a menu says the listing's currency
        currency = d.raw("currency").upper()
        if not is_currency(currency):
            d.fail("currency", d._("give an ISO 4217 code such as USD or CNY (RMB is CNY)"))
            currency = "USD"  # stand-in, so the rest is still checked
    taken = {item["id"] for item in document["catalog"]["items"]}
    return read_item(d, item_id=existing["id"] if existing else None, currency=currency, taken=taken)


def _item_choices(document: Document, values: FormValues, _: Any, lang: str) -> dict[str, Any]:
    currency = listing_currency(document)
    sections = [(s["id"], s["name"].get(lang) or s["name"].get("zh") or s["name"].get("en") or s["id"])
                for s in document["catalog"]["sections"]]
    spices = [("", _("Not said")), ("0", _("Not spicy")), ("1", _("Mildly spicy")), ("2", _("Medium spicy")),
              ("3", _("Spicy")), ("4", _("Very spicy"))]
    return {"sections": sections, "spices": spices, "diets": [t.value for t in DIETS], "groups": layout(values),
            "currency": currency or "", "currency_fixed": currency is not None}


def _room_choices(document: Document, values: FormValues, _: Any, lang: str) -> dict[str, Any]:
    labels = {"private_room": _("Private room"), "hall": _("Hall"), "ktv_room": _("KTV room"), "table": _("Table")}
    approvals = {"instant": _("Confirmed at once"), "manual": _("I approve each request")}
    return {"kinds": [(k.value, labels.get(k.value, k.value)) for k in ROOM_KINDS],
            "approvals": [(a.value, approvals.get(a.value, a.value)) for a in APPROVALS],
            "locations": _locations(document, lang), "currency": listing_currency(document) or ""}


def _job_choices(document: Document, values: FormValues, _: Any, lang: str) -> dict[str, Any]:
    labels = {"full_time": _("Full time"), "part_time": _("Part time"), "contract": _("Contract"),
              "temporary": _("Temporary"), "intern": _("Intern")}
    return {"employment": [(e.value, labels.get(e.value, e.value)) for e in EMPLOYMENT],
            "locations": _locations(document, lang, any_label=_("Any of our locations"))}


ITEMS = Part(
    "items", "listing/item.html", "menu", "$.catalog.items", lambda doc: doc["catalog"]["items"], item_values,
    lambda doc: {"section_id": doc["catalog"]["sections"][0]["id"] if doc["catalog"]["sections"] else ""},
    _read_item, _item_choices,
)
ROOMS = Part(
    "rooms", "listing/room.html", "rooms", "$.resources", lambda doc: doc["resources"], room_values,
    lambda doc: {"kind": "private_room", "min_party": "1", "slot_minutes": "120", "lead_time_minutes": "0",
                 "free_cancel_hours": "0", "buffer_minutes": "0", "approval": "instant"},
    lambda d, existing, doc: read_room(d, room_id=existing["id"] if existing else None,
                                       currency=listing_currency(doc) or "USD",
                                       taken={r["id"] for r in doc["resources"]}),
    _room_choices,
)
JOBS = Part(
    "jobs", "listing/job.html", "jobs", "$.jobs", lambda doc: doc["jobs"], job_values,
    lambda doc: {"employment_type": "full_time", "openings": "1"},
    lambda d, existing, doc: read_job(d, stored=existing, taken={j["id"] for j in doc["jobs"]}),
    _job_choices,
)
_TITLE_FIELD = {"items": "name", "rooms": "name", "jobs": "title"}


def _member(part: Part, document: Document, member_id: str) -> dict[str, Any] | None:
    return next((m for m in part.members(document) if m["id"] == member_id), None)


def _page(part: Part, request: Request, provider_id: str, member_id: str | None, version: int,
          document: Document, values: FormValues, errors: dict[str, str], others: list[str],
          status: int = 200, heading: str = "") -> Response:
    _ = gettext_for(request)
    lang = request_lang(request)
    return render(request, part.template, {
        "provider_id": provider_id, f"{part.path[:-1]}_id": member_id, "version": version, "values": values,
        "errors": errors, "others": others, "heading": heading,
        **part.choices(document, values, _, lang),
    }, status=status)


def _show(part: Part) -> Callable[[Request], Any]:
    async def show(request: Request) -> Response:
        user = await require_merchant(request)
        if isinstance(user, Response):
            return user
        provider_id, member_id = request.path_params["provider_id"], request.path_params.get("member_id")
        try:
            found, document = await stored(request, provider_id)
        except NotFound:
            return not_found(request)
        member = _member(part, document, member_id) if member_id is not None else None
        if member_id is not None and member is None:
            return not_found(request)
        values = part.values_of(member) if member is not None else part.defaults(document)
        heading = _name(values, _TITLE_FIELD[part.path], request_lang(request))
        return _page(part, request, provider_id, member_id, found.version, document, values, {}, [], heading=heading)
    return show


def _submit(part: Part, *, delete: bool = False) -> Callable[[Request], Any]:
    async def submit(request: Request) -> Response:
        user = await require_merchant(request)
        if isinstance(user, Response):
            return user
        form = await csrf.checked_form(request)
        provider_id, member_id = request.path_params["provider_id"], request.path_params.get("member_id")
        try:
            found, document = await stored(request, provider_id)
        except NotFound:
            return not_found(request)
        existing = _member(part, document, member_id) if member_id is not None else None
        if member_id is not None and existing is None:
            return not_found(request)
        values = form_values(form)
        draft = Draft(gettext_for(request), values)
        new = None if delete else part.read(draft, existing, document)
        spot = Spot(part.prefix)

        def edit(doc: Document) -> None:
            members = part.members(doc)
            at = next((i for i, m in enumerate(members) if m["id"] == member_id), None)
            if member_id is not None and at is None:
                raise NotFound(f"no {part.path} {member_id!r}")  # deleted by another save meanwhile
            if new is None and at is not None:
                del members[at]
            elif new is not None and at is not None:
                members[at] = new
                spot.prefix = f"{part.prefix}[{at}]"
            elif new is not None:
                members.append(new)
                spot.prefix = f"{part.prefix}[{len(members) - 1}]"

        try:
            outcome: Outcome = await save(request, provider_id, draft, edit, spot)
        except NotFound:
            return not_found(request)
        if outcome.result is not None:
            return back_to_listing(provider_id, outcome.result, part.anchor)
        shown = values if not delete else (part.values_of(existing) if existing else values)
        heading = _name(part.values_of(existing), _TITLE_FIELD[part.path], request_lang(request)) if existing else ""
        return _page(part, request, provider_id, member_id, found.version, document, shown, draft.errors,
                     outcome.others, status=400, heading=heading)
    return submit


async def sections_page(request: Request) -> Response:
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    provider_id = request.path_params["provider_id"]
    try:
        found, document = await stored(request, provider_id)
    except NotFound:
        return not_found(request)
    values = section_values(document["catalog"]["sections"])
    return _sections(request, provider_id, found.version, document, values, {}, [])


def _sections(request: Request, provider_id: str, version: int, document: Document, values: FormValues,
              errors: dict[str, str], others: list[str], status: int = 200) -> Response:
    return render(request, "listing/sections.html", {
        "provider_id": provider_id, "version": version, "values": values, "errors": errors, "others": others,
        "rows": section_rows(values), "known_ids": {s["id"] for s in document["catalog"]["sections"]},
    }, status=status)


async def save_sections(request: Request) -> Response:
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    form = await csrf.checked_form(request)
    provider_id = request.path_params["provider_id"]
    try:
        found, document = await stored(request, provider_id)
    except NotFound:
        return not_found(request)
    values = form_values(form)
    draft = Draft(gettext_for(request), values)
    used: dict[str, int] = {}
    for item in document["catalog"]["items"]:
        used[item["section_id"]] = used.get(item["section_id"], 0) + 1
    sections = read_sections(draft, stored=document["catalog"]["sections"], used=used)

    def edit(doc: Document) -> None:
        doc["catalog"]["sections"] = sections

    outcome = await save(request, provider_id, draft, edit, Spot("$.catalog.sections"))
    if outcome.result is not None:
        return back_to_listing(provider_id, outcome.result, "menu")
    return _sections(request, provider_id, found.version, document, values, draft.errors, outcome.others, 400)


_BASE = "/merchant/listing/{provider_id}"


def _part_routes(part: Part) -> list[BaseRoute]:
    here = f"{_BASE}/{part.path}"
    return [
        Route(f"{here}/new", _show(part), methods=["GET"]),
        Route(f"{here}/new", _submit(part), methods=["POST"]),
        Route(here + "/{member_id}", _show(part), methods=["GET"]),
        Route(here + "/{member_id}", _submit(part), methods=["POST"]),
        Route(here + "/{member_id}/delete", _submit(part, delete=True), methods=["POST"]),
    ]


routes: list[BaseRoute] = [
    Route(f"{_BASE}/sections", sections_page, methods=["GET"]),
    Route(f"{_BASE}/sections", save_sections, methods=["POST"]),
    *_part_routes(ITEMS), *_part_routes(ROOMS), *_part_routes(JOBS),
]
