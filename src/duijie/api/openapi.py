"""``GET /openapi.json``: OpenAPI 3.1 of the node's JSON API, written from its routes' specs.

Nothing here is kept by hand: every route that carries a :class:`~duijie.api.params.Spec` (see
``api/spec_routes.py``) is described from it, so the document cannot drift from what the routes
check. The Beckn endpoint (``POST /beckn/{action}``) is not part of it: Beckn's own OpenAPI
describes that protocol.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import duijie
from duijie.api.params import In, Kind, Param, Spec
from duijie.api.responses import json_bytes
from duijie.api.route_groups import flattened
from duijie.api.spec_routes import DescribedRoute

_CONVERTER = re.compile(r"\{([^}:]+):[^}]+\}")
_ERROR_REF = {"$ref": "#/components/schemas/Error"}

_ERRORS = {400: "Bad input (the field is named)", 401: "Admin token missing or wrong", 404: "Not found",
           413: "Body too large"}


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": "string", "description": "The offending input (parameter name or JSON path)"},
                    "details": {"description": "A 422's problems, every one: [{path, reason, code, params}], "
                                               "code a listing problem's stable code (or null) and params the "
                                               "values its reason names"},
                },
            }
        },
    }


def _parameter(param: Param) -> dict[str, Any]:
    out: dict[str, Any] = {"name": param.name, "in": param.where.value, "required": param.where is In.PATH
                           or param.required, "schema": param.schema()}
    if param.description:
        out["description"] = param.description
    if param.kind is Kind.LIST:
        out.update(style="form", explode=False)  # a=x,y
    return out


def _operation(spec: Spec, method: str, path: str) -> dict[str, Any]:
    slug = re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_")
    op: dict[str, Any] = {"operationId": f"{method.lower()}_{slug}", "summary": spec.summary, "tags": [spec.tag]}
    if spec.params:
        op["parameters"] = [_parameter(p) for p in spec.params]
    statuses = {400: _ERRORS[400]} if spec.params else {}
    if spec.body is not None and method == "POST":
        op["requestBody"] = {
            "required": spec.body.required,
            "description": spec.body.description,
            "content": {"application/json": {"schema": spec.body.schema}},
        }
        statuses.update({400: _ERRORS[400], 413: _ERRORS[413]})
    if spec.admin:
        op["security"] = [{"adminToken": []}]
        statuses[401] = _ERRORS[401]
    if any(p.where is In.PATH for p in spec.params):
        statuses[404] = _ERRORS[404]
    statuses.update(spec.responses)
    responses: dict[str, Any] = {
        str(spec.success): {"description": "OK", "content": {spec.media_type: {"schema": {}}}},
    }
    for status, text in sorted(statuses.items()):
        if 200 <= status < 300:  # a second success (e.g. 202 Accepted beside 200) carries the answer, not an error
            responses[str(status)] = {"description": text, "content": {spec.media_type: {"schema": {}}}}
            continue
        responses[str(status)] = {"description": text, "content": {"application/json": {"schema": _ERROR_REF}}}
    op["responses"] = responses
    return op


def openapi_document(routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every described route among ``routes``."""
    paths: dict[str, dict[str, Any]] = {}
    for whole_path, route in flattened(routes):
        spec = getattr(route, "spec", None)
        if not isinstance(route, Route) or not isinstance(spec, Spec):
            continue
        path = _CONVERTER.sub(r"{\1}", whole_path)
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            paths.setdefault(path, {})[method.lower()] = _operation(spec, method, path)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "duijie node JSON API",
            "version": getattr(duijie, "__version__", "0"),
            "description": "A duijie node's own JSON API. Node-to-node messages use Beckn 1.1.1 at "
                           "POST /beckn/{action}, described by Beckn's specification.",
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": _error_schema()},
            "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer",
                                               "description": "The node's DATA_DIR/admin-token"}},
        },
    }


async def openapi_json(request: Request) -> Response:
    """The document, built once per app from its routes."""
    state = request.app.state
    if not hasattr(state, "openapi_body"):
        state.openapi_body = json_bytes(openapi_document(request.app.routes))
    body: bytes = state.openapi_body
    return Response(body, media_type="application/json")


OPENAPI = Spec("This document: OpenAPI 3.1 of the node's JSON API", tag="node")

routes: list[BaseRoute] = [DescribedRoute("/openapi.json", openapi_json, OPENAPI)]
