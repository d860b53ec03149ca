"""``/openapi.json`` is written from the routes: valid OpenAPI 3.1, and no route left undescribed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from openapi_spec_validator import validate
from starlette.routing import Route

from duijie.api.app import create_app
from duijie.api.openapi import openapi_document
from duijie.api.route_groups import flattened
from duijie.api.spec_routes import ApiRoute, DescribedRoute
from duijie.web import routes as web_routes


def _app() -> Any:
    return create_app(SimpleNamespace())  # type: ignore[arg-type]  # the routes need no services to list


def test_the_document_is_valid_openapi_3_1() -> None:
    doc = openapi_document(_app().routes)
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # raises on any violation of the OpenAPI 3.1 schema


def test_every_route_but_the_beckn_endpoint_and_the_pages_is_described() -> None:
    pages = {r.path for r in web_routes.routes if isinstance(r, Route)}  # HTML for people, not the JSON API
    assert len(pages) > 20  # the pages are mounted on the same app
    app_routes = _app().routes
    routes = [(path, r) for path, r in flattened(app_routes) if isinstance(r, Route) and path not in pages]
    undescribed = [path for path, r in routes if not isinstance(r, ApiRoute | DescribedRoute)]
    assert undescribed == ["/beckn/{action}"]  # Beckn's own specification describes it
    paths = openapi_document(app_routes)["paths"]
    described = [(path, r) for path, r in routes if isinstance(r, ApiRoute | DescribedRoute)]
    assert len(described) > 50 and set(paths) == {path for path, _r in described}
    for path, route in described:
        assert set(paths[path]) == {m.lower() for m in route.methods or ()} - {"head"}, path


def test_parameters_bounds_bodies_and_the_admin_token_come_from_the_specs() -> None:
    paths = openapi_document(_app().routes)["paths"]
    search = {p["name"]: p for p in paths["/api/search"]["get"]["parameters"]}
    assert search["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 20}
    assert search["diet"]["schema"]["maxItems"] == 7 and search["diet"]["explode"] is False
    decline = paths["/api/orders/{order_id}/decline"]["post"]
    assert decline["security"] == [{"adminToken": []}]
    assert decline["requestBody"]["content"]["application/json"]["schema"]["properties"]["reason"]["maxLength"] == 500
    assert {"400", "401", "404", "413"} <= set(decline["responses"])
    assert "security" not in paths["/api/providers/{provider_id}/open"]["get"]
    assert "201" in paths["/api/buy/order"]["post"]["responses"]
    assert "requestBody" not in paths["/api/peers"]["get"] and "requestBody" in paths["/api/peers"]["post"]


def test_a_second_success_answer_is_declared_as_an_answer_not_an_error() -> None:
    amend = openapi_document(_app().routes)["paths"]["/api/pools/{pool_id}/terms"]["post"]["responses"]
    assert {"200", "202", "400", "401", "404", "413"} <= set(amend)
    assert "proposed to every pledger" in amend["202"]["description"]
    assert amend["202"]["content"]["application/json"]["schema"] == {}  # the pool, as the 200 answer
    assert amend["404"]["content"]["application/json"]["schema"] != {}  # errors keep the error schema
