"""Job applications as JSON (admin token required).

Applicant side, ``/api/apply``: apply to another node's posting (select, init, confirm), ask its
stage, withdraw. Employer side, ``/api/applications``: list, read, move through the stages (the
applicant's node is told of each move). Only these employer routes show an applicant's details.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from duijie.api.auth import require_admin
from duijie.api.buyer_routes import _buyer, _peer_failure
from duijie.api.params import Body, In, Param, Spec
from duijie.api.responses import json_response
from duijie.api.spec_routes import ApiRoute, Args
from duijie.domain.applications import Applicant, Stage, check_applicant
from duijie.domain.applications import ApplicationError as RuleBroken
from duijie.domain.errors import Issue, ValidationFailed
from duijie.services.buyer import PeerError, SellerRefused
from duijie.services.container import Services
from duijie.services.errors import NotFound
from duijie.services.trade.jobs.buying import JOB_APPLICATION, ApplicationRequest
from duijie.services.trade.jobs.desk import ApplicationDesk


def _desk(request: Request) -> ApplicationDesk:
    require_admin(request)
    services: Services = request.app.state.services
    if services.applications is None:
        raise NotFound("this node does not run the seller role")
    desk: ApplicationDesk = services.applications
    return desk


def _opt(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value.strip() or None if isinstance(value, str) else None


def applicant_from_body(data: dict[str, Any]) -> Applicant:
    """The applicant of an ``/api/apply`` body, checked by the domain's rules before anything is sent."""
    applicant = Applicant(
        name=_opt(data, "name") or "", phone=_opt(data, "phone"), email=_opt(data, "email"),
        languages=tuple(x.strip() for x in data.get("languages") or () if isinstance(x, str) and x.strip()),
        experience=_opt(data, "experience"), availability=_opt(data, "availability"),
        resume_url=_opt(data, "resume_url"),
    )
    try:
        check_applicant(applicant)
    except RuleBroken:
        raise ValidationFailed([Issue(f"$.applicant.{f}", r) for f, r in applicant.problems()]) from None
    return applicant


async def apply(request: Request, args: Args) -> Response:
    buyer = _buyer(request)
    data = args.body or {}
    req = ApplicationRequest(str(data["bpp_uri"]).strip(), data["provider_id"], data["posting_id"],
                             applicant_from_body(data["applicant"]),
                             data.get("bpp_id") if isinstance(data.get("bpp_id"), str) else None)
    try:
        return json_response(await buyer.place(JOB_APPLICATION, req), status=201)
    except (PeerError, SellerRefused) as exc:
        return _peer_failure(exc)


async def status(request: Request, args: Args) -> Response:
    buyer = _buyer(request)
    buyer.purchase(args["order_id"])  # 404 before anything is sent
    try:
        return json_response(await buyer.status(args["order_id"]))
    except (PeerError, SellerRefused) as exc:
        return _peer_failure(exc)


async def withdraw(request: Request, args: Args) -> Response:
    buyer = _buyer(request)
    buyer.purchase(args["order_id"])
    reason = (args.body or {}).get("reason")
    try:
        return json_response(await buyer.cancel(args["order_id"], reason))
    except (PeerError, SellerRefused) as exc:
        return _peer_failure(exc)


async def list_applications(request: Request, args: Args) -> Response:
    desk = _desk(request)
    return json_response({"applications": await desk.list_applications(args["stage"], args["provider_id"])})


async def get_application(request: Request, args: Args) -> Response:
    return json_response({"application": await _desk(request).get(args["application_id"])})


async def move(request: Request, args: Args) -> Response:
    desk = _desk(request)
    return json_response({"application": await desk.move(args["application_id"], (args.body or {})["stage"])})


_TEXT = {"type": "string", "maxLength": 1000}
_ID = {"type": "string", "minLength": 1, "maxLength": 100}
APPLY = Spec(
    "Apply to a job posting of another node: select, init and confirm with its seller", tag="applicant",
    admin=True, success=201,
    body=Body({
        "type": "object", "required": ["bpp_uri", "provider_id", "posting_id", "applicant"],
        "properties": {
            "bpp_uri": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "^\\s*https?://"},
            "bpp_id": {"type": "string", "maxLength": 256}, "provider_id": _ID,
            "posting_id": {**_ID, "description": "The posting's id (cashier) or its item id (job-cashier)"},
            "applicant": {
                "type": "object", "required": ["name"],
                # A phone or an email is required: checked by the domain's rule, which names the field
                # ($.applicant.contact), where a JSON Schema anyOf could only say "no definition fits".
                "description": "The applicant; a phone or an email is required",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
                    "phone": {"type": "string", "maxLength": 40, "pattern": "^[-+() .0-9]*[0-9][-+() .0-9]*$"},
                    "email": {"type": "string", "maxLength": 200, "pattern": "^[^@\\s]+@[^@\\s]+$"},
                    "languages": {"type": "array", "maxItems": 10,
                                  "items": {"type": "string", "minLength": 2, "maxLength": 35, "pattern": "^\\S+$"}},
                    "experience": _TEXT, "availability": _TEXT,
                    "resume_url": {"type": "string", "maxLength": 1000, "pattern": "^https?://"}}},
        },
    }, "The posting and the applicant (a phone or an email is required)", required=True, max_bytes=16_000),
)
ORDER_ID = Param("order_id", where=In.PATH, required=True, max_length=100, description="The application's id")
STATUS = Spec("Ask the employer for the application's stage", tag="applicant", admin=True, params=(ORDER_ID,),
              body=Body({"type": "object"}, "No fields", max_bytes=1_000))
WITHDRAW = Spec(
    "Withdraw the application (the employer is told)", tag="applicant", admin=True, params=(ORDER_ID,),
    body=Body({"type": "object", "properties": {"reason": {"type": ["string", "null"], "maxLength": 500}}},
              "Optional reason", max_bytes=4_000),
)
APPLICATION_ID = Param("application_id", where=In.PATH, required=True, max_length=100,
                       description="The application's id")
LIST = Spec(
    "The job applications this node's providers received, newest first", tag="employer", admin=True,
    params=(Param("stage", max_length=20, description="Only this stage (any case): " + ", ".join(Stage)),
            Param("provider_id", max_length=100, description="Only this provider's")),
)
GET = Spec("One application with its applicant and history", tag="employer", admin=True, params=(APPLICATION_ID,))
MOVE = Spec(
    "Move an application to a later stage or reject it (the applicant is told)", tag="employer", admin=True,
    params=(APPLICATION_ID,),
    body=Body({"type": "object", "required": ["stage"],
               "properties": {"stage": {"type": "string", "minLength": 1, "maxLength": 20,
                                        "description": "SCREENING, INTERVIEW, OFFER or REJECTED (any case)"}}},
              "The new stage", required=True, max_bytes=1_000),
)

routes: list[BaseRoute] = [
    ApiRoute("/api/apply", apply, APPLY, methods=["POST"]),
    ApiRoute("/api/apply/{order_id}/status", status, STATUS, methods=["POST"]),
    ApiRoute("/api/apply/{order_id}/withdraw", withdraw, WITHDRAW, methods=["POST"]),
    ApiRoute("/api/applications", list_applications, LIST),
    ApiRoute("/api/applications/{application_id}", get_application, GET),
    ApiRoute("/api/applications/{application_id}/move", move, MOVE, methods=["POST"]),
]
