"""The employer's job applications, ``/merchant/applications``: each with its stage, and the next steps.

An application moves forward only (a stage may be skipped) or to rejected, never out of an offer,
a rejection or a withdrawal (the domain's rule); the form offers exactly the moves allowed, and
each is a POST with the CSRF token calling ``services.applications.move`` (the applicant's node is
told by ``on_status``), answered 303 back to the list or with the refusal in the page. The list
refreshes itself (``data-live``). These are, with the admin API, the only views of an applicant's
details: phones in the place's national format with an E.164 ``tel:`` link, languages by name in the
visitor's language (``fmt.phone``, ``fmt.language``).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from duijie.domain.applications import FORWARD, Stage
from duijie.domain.listing import Listing
from duijie.services.errors import Conflict, NotFound, ServiceError
from duijie.web import csrf
from duijie.web.access import require_merchant
from duijie.web.booking_pages import not_found
from duijie.web.job_pages import stage_labels
from duijie.web.templating import gettext_for, render, request_lang


def next_stages(stage: str) -> list[Stage]:
    """The stages an application in ``stage`` may move to (none from a final one)."""
    current = Stage(stage)
    if current.final:
        return []
    return [s for s in FORWARD if FORWARD.index(s) > FORWARD.index(current)] + [Stage.REJECTED]


def _titles(request: Request) -> dict[tuple[str, str], str]:
    """(provider, posting) → the posting's title in the visitor's language."""
    catalog = request.app.state.services.catalog
    lang = request_lang(request)
    listings: list[Listing] = [catalog.listing(p.provider_id).listing for p in catalog.providers()]
    return {(x.id, j.id): j.title.best(lang) for x in listings for j in x.jobs}


async def applications_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    """``/merchant/applications[?stage=]``: newest first; ``/merchant/applications/live`` is its list."""
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    _ = gettext_for(request)
    desk = request.app.state.services.applications
    if desk is None:
        return not_found(request, _("This node takes no job applications."))
    stage = request.query_params.get("stage") or None
    try:
        found = await desk.list_applications(stage)
    except ServiceError:
        stage, found = None, await desk.list_applications(None)
    titles = _titles(request)
    rows = [{**a, "title": titles.get((a["provider_id"], a["posting_id"]), a["posting_id"]),
             "received": datetime.fromisoformat(a["created_at"]), "next": next_stages(a["stage"])}
            for a in found]
    template = "jobs/merchant_live.html" if request.url.path.endswith("/live") else "jobs/merchant_list.html"
    zone, region = _place(request)
    return render(request, template, {
        "rows": rows, "stage": stage, "stages": stage_labels(_), "error": error, "user": user,
        "moves": {"SCREENING": _("To screening"), "INTERVIEW": _("Invite to interview"), "OFFER": _("Make an offer"),
                  "REJECTED": _("Reject")},
        "merchant_section": "applications", "query": urlencode({"stage": stage} if stage else {}),
        "zone": zone, "region": region,
    }, status=status)


def _place(request: Request) -> tuple[str | None, str | None]:
    """The time zone and country (ISO 3166-1) of the node's first location: where the employer is."""
    catalog = request.app.state.services.catalog
    for p in catalog.providers():
        locations = catalog.listing(p.provider_id).listing.provider.locations
        if locations:
            return str(locations[0].time_zone), locations[0].address.country
    return None, None


async def move(request: Request) -> Response:
    """``POST /merchant/applications/{application_id}/move``: to the chosen stage (the applicant is told)."""
    user = await require_merchant(request)
    if isinstance(user, Response):
        return user
    form = await csrf.checked_form(request)
    _ = gettext_for(request)
    desk = request.app.state.services.applications
    try:
        if desk is None:
            raise NotFound("no applications here")
        await desk.move(request.path_params["application_id"], str(form.get("stage") or ""))
    except NotFound:
        return not_found(request, _("No such application."))
    except Conflict:
        return await applications_page(request, status=409, error=_(
            "That application cannot move to that stage: an application only moves forward, and not after "
            "an offer, a rejection or a withdrawal."))
    except ServiceError:
        return await applications_page(request, status=400, error=_("Choose a stage."))
    back = str(form.get("back_stage") or "")
    return RedirectResponse("/merchant/applications" + (f"?{urlencode({'stage': back})}" if back else ""),
                            status_code=303)


routes: list[BaseRoute] = [
    Route("/merchant/applications", applications_page, methods=["GET"]),
    Route("/merchant/applications/live", applications_page, methods=["GET"]),
    Route("/merchant/applications/{application_id}/move", move, methods=["POST"]),
]
