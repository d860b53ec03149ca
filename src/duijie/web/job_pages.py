"""The applicant's pages: a job posting of another node and its application form, then the application.

``/jobs/{provider_id}/{job_id}`` shows the posting from the catalog this node holds (title, type,
duties, requirements, languages, openings, how to apply with the ad's phones as ``tel:`` links)
and the form; applying runs the buyer's select → init → confirm (``JOB_APPLICATION``, as
``POST /api/apply`` does) after the domain's applicant rules, each error beside its field.
``/applications/{order_id}`` shows the stage as the employer last said it (live), its history,
and withdraw. The pages act for the node's owner (``require_owner``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from duijie.domain.applications import Applicant
from duijie.domain.jobs import JobPosting
from duijie.domain.provider import Location
from duijie.l10n.catalogs import babel_locale
from duijie.protocol.mapping import jobs as jm
from duijie.services.buyer import PeerError, SellerRefused
from duijie.services.errors import NotFound
from duijie.services.held_listings import HeldListing
from duijie.services.trade.jobs.buying import JOB_APPLICATION, ApplicationRequest
from duijie.web import csrf
from duijie.web.access import require_owner
from duijie.web.booking_pages import held_listing, not_found, seller_rule, seller_said
from duijie.web.templating import gettext_for, render, request_lang

FIELDS = ("name", "phone", "email", "languages", "experience", "availability", "resume_url")


def stage_labels(_: Any) -> dict[str, str]:
    """Each stage of an application in the visitor's language."""
    return {"RECEIVED": _("Received"), "SCREENING": _("Screening"), "INTERVIEW": _("Interview"),
            "OFFER": _("Offer"), "REJECTED": _("Not selected"), "WITHDRAWN": _("Withdrawn")}


def employment_labels(_: Any) -> dict[str, str]:
    return {"full_time": _("Full time"), "part_time": _("Part time"), "contract": _("Contract"),
            "temporary": _("Temporary"), "intern": _("Internship")}


def _posting(request: Request) -> tuple[HeldListing, JobPosting] | Response:
    _ = gettext_for(request)
    provider_id, job_id = request.path_params["provider_id"], request.path_params["job_id"]
    held = held_listing(request, provider_id)
    posting = next((j for j in held.listing.jobs if j.id == job_id), None) if held else None
    if held is None or posting is None:
        return not_found(request, _("This node knows no job %(job)s at %(provider)s.")
                         % {"job": job_id, "provider": provider_id})
    return held, posting


def _posting_page(request: Request, held: HeldListing, posting: JobPosting, values: dict[str, str],
                  errors: dict[str, str], *, status: int = 200, refusal: str | None = None) -> Response:
    _ = gettext_for(request)
    names = babel_locale(request_lang(request)).languages
    location = held.listing.provider.location(posting.location_id) if posting.location_id else None
    return render(request, "jobs/posting.html", {
        "held": held, "job": posting, "location": location, "values": values, "errors": errors,
        "refusal": refusal, "employment": employment_labels(_).get(posting.employment_type.value, ""),
        "job_languages": [names.get(code, code) for code in posting.languages],
        "phones": [(c.value, c.label.best(request_lang(request)) if c.label else "")
                   for c in posting.apply_via if c.kind.value == "phone"],
        "region": _country(held, location),  # the ad's phones in the employer's national format
    }, status=status)


def _country(held: HeldListing, location: Location | None) -> str | None:
    """The country (ISO 3166-1) of the posting's location, else of the employer's first location."""
    place = location or next(iter(held.listing.provider.locations), None)
    return place.address.country if place is not None else None


async def posting_page(request: Request) -> Response:
    """``/jobs/{provider_id}/{job_id}``: the posting and the application form."""
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    found = _posting(request)
    if isinstance(found, Response):
        return found
    return _posting_page(request, *found, {}, {})


def applicant_of(request: Request, form: FormData) -> tuple[Applicant, dict[str, str], dict[str, str]]:
    """The applicant as typed, the values to show again, and an error beside each wrong field."""
    _ = gettext_for(request)
    values = {k: str(form.get(k) or "").strip() for k in FIELDS}
    languages = tuple(x.strip() for x in values["languages"].replace("，", ",").split(",") if x.strip())
    applicant = Applicant(values["name"], values["phone"] or None, values["email"] or None, languages,
                          values["experience"] or None, values["availability"] or None, values["resume_url"] or None)
    messages = {
        "name": _("Your name is required (at most 200 characters)."),
        "contact": _("Give a phone number or an email address."),
        "phone": _("A phone number has digits, spaces and + - ( ) . only."),
        "email": _("That is not an email address."),
        "languages": _("Up to 10 language codes such as en, zh."),
        "experience": _("At most %(count)s characters.") % {"count": 1000},
        "availability": _("At most %(count)s characters.") % {"count": 1000},
        "resume": _("A résumé link starts with http:// or https://."),
    }
    where = {"contact": "phone", "resume": "resume_url"}  # the field each rule's error stands beside
    errors: dict[str, str] = {}
    for rule, _reason in applicant.problems():
        errors.setdefault(where.get(rule, rule), messages.get(rule, _("Check this field.")))
    return applicant, values, errors


async def apply(request: Request) -> Response:
    """``POST /jobs/{provider_id}/{job_id}``: send the application, then its page."""
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    form = await csrf.checked_form(request)
    found = _posting(request)
    if isinstance(found, Response):
        return found
    held, posting = found
    _ = gettext_for(request)
    applicant, values, errors = applicant_of(request, form)
    if errors:
        return _posting_page(request, held, posting, values, errors, status=400)
    if held.bpp_uri is None:
        return _posting_page(request, held, posting, values, {}, status=502,
                             refusal=_("This node does not know where the employer's node is."))
    req = ApplicationRequest(held.bpp_uri, held.listing.id, posting.id, applicant, held.bpp_id)
    try:
        placed = await request.app.state.services.buyer.place(JOB_APPLICATION, req)
    except SellerRefused as exc:
        rule = seller_rule(exc)
        message = {"no_openings": _("This posting has no openings left."),
                   "no_such_posting": _("The employer no longer lists this posting.")}.get(rule or "") or (
            seller_said(request, exc) or _("The employer's node did not accept the application. Check your details."))
        return _posting_page(request, held, posting, values, {}, status=409, refusal=message)
    except PeerError:
        return _posting_page(request, held, posting, values, {}, status=502,
                             refusal=_("The employer's node did not answer. Nothing was sent; try again shortly."))
    return RedirectResponse(f"/applications/{placed['order_id']}", status_code=303)


def _instant(raw: str) -> datetime | None:
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


def application_view(request: Request, purchase: dict[str, Any]) -> dict[str, Any]:
    """What the application's page shows: the posting, the stage and each step of its history."""
    _ = gettext_for(request)
    labels = stage_labels(_)
    order = purchase.get("order") or {}
    item = (order.get("items") or [{}])[0] or {}
    posting_id = jm.posting_of_item(str(item.get("id") or "")) or str(item.get("id") or "")
    held = held_listing(request, str(purchase.get("provider_id") or ""))
    posting = next((j for j in held.listing.jobs if j.id == posting_id), None) if held else None
    history = []
    for group in order.get("tags") or []:
        if isinstance(group, dict) and (group.get("descriptor") or {}).get("code") == "stage-history":
            for step in group.get("list") or []:
                code = str((step.get("descriptor") or {}).get("code"))
                when, _sep, by = str(step.get("value") or "").partition(" by ")
                history.append({"label": labels.get(code, code), "at": _instant(when),
                                "by": _("the employer") if by == "employer" else _("you")})
    stage = str(purchase.get("fulfillment_state") or "")
    return {
        "id": purchase["order_id"], "stage": stage, "stage_label": labels.get(stage, stage),
        "title": posting.title.best(request_lang(request)) if posting else (item.get("descriptor") or {}).get("name"),
        "provider": held.listing.provider if held else None, "provider_id": purchase.get("provider_id"),
        "posting_id": posting_id, "history": history, "open": stage not in ("REJECTED", "WITHDRAWN"),
        "has_receipt": purchase.get("receipt") is not None,
        "tz": held.listing.provider.locations[0].time_zone if held and held.listing.provider.locations else None,
    }


def _application(request: Request) -> dict[str, Any] | None:
    buyer = request.app.state.services.buyer
    try:
        found: dict[str, Any] | None = buyer.purchase(request.path_params["order_id"]) if buyer else None
    except NotFound:
        return None
    return found


async def application_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    """``/applications/{order_id}``: the application's stage (live) and history; withdraw."""
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    purchase = _application(request)
    if purchase is None:
        _ = gettext_for(request)
        return not_found(request, _("No application %(id)s was sent from this node.")
                         % {"id": request.path_params["order_id"]})
    template = "jobs/_stage.html" if request.url.path.endswith("/live") else "jobs/application.html"
    return render(request, template, {"a": application_view(request, purchase), "error": error}, status=status)


async def _act(request: Request, withdraw: bool) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    await csrf.checked_form(request)
    purchase = _application(request)
    if purchase is None:
        return await application_page(request)
    _ = gettext_for(request)
    buyer = request.app.state.services.buyer
    try:
        await (buyer.cancel(purchase["order_id"]) if withdraw else buyer.status(purchase["order_id"]))
    except SellerRefused as exc:
        return await application_page(request, status=409, error=seller_said(request, exc) or _(
            "The employer refused: the application is closed."))
    except PeerError:
        return await application_page(request, error=_("The employer's node did not answer. Try again shortly."),
                                      status=502)
    return RedirectResponse(f"/applications/{purchase['order_id']}", status_code=303)


async def withdraw(request: Request) -> Response:
    return await _act(request, True)


async def refresh(request: Request) -> Response:
    return await _act(request, False)


routes: list[BaseRoute] = [
    Route("/jobs/{provider_id}/{job_id}", posting_page, methods=["GET"]),
    Route("/jobs/{provider_id}/{job_id}", apply, methods=["POST"]),
    Route("/applications/{order_id}", application_page, methods=["GET"]),
    Route("/applications/{order_id}/live", application_page, methods=["GET"]),
    Route("/applications/{order_id}/withdraw", withdraw, methods=["POST"]),
    Route("/applications/{order_id}/refresh", refresh, methods=["POST"]),
]
