"""Grouping the node's routes under mounts changes no request's route: every route's path (its
parameters filled in), with each of its methods, reaches the same endpoint as in the plain list."""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.routing import BaseRoute, Match, Mount, Route

from duijie.api import app as app_module
from duijie.api.route_groups import flattened, grouped


def _routes(monkeypatch: pytest.MonkeyPatch, groups: tuple[str, ...]) -> list[BaseRoute]:
    monkeypatch.setattr(app_module, "ROUTE_GROUPS", groups)
    return list(app_module.create_app(SimpleNamespace()).routes)  # type: ignore[arg-type]


def _resolve(routes: Sequence[BaseRoute], scope: dict[str, Any]) -> tuple[str, Any]:
    """What Starlette's router would do: the first full match, else the first partial (405)."""
    partial = None
    for route in routes:
        match, child = route.matches(scope)
        if match == Match.FULL:
            if isinstance(route, Mount) and route.routes:
                return _resolve(route.routes, {**scope, **child})
            return "full", getattr(route, "endpoint", route)
        if match == Match.PARTIAL and partial is None:
            partial = getattr(route, "endpoint", route)
    return ("partial", partial) if partial is not None else ("none", None)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def test_every_route_resolves_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = _routes(monkeypatch, ())
    mounted = _routes(monkeypatch, ("/api", "/merchant"))
    assert len(mounted) < len(plain) - 80  # the two groups really are mounts
    asked = 0
    for path, route in flattened(plain):
        if not isinstance(route, Route):
            continue
        for method in sorted(route.methods or {"GET"}) + ["DELETE"]:
            scope = {"type": "http", "path": _concrete(path), "root_path": "", "method": method}
            assert _resolve(mounted, dict(scope)) == _resolve(plain, dict(scope)), (method, path)
            asked += 1
    assert asked > 300
    for path in ("/merchant", "/api/nothing-here", "/merchant/nothing/here", "/nothing", "/"):
        scope = {"type": "http", "path": path, "root_path": "", "method": "GET"}
        assert _resolve(mounted, dict(scope)) == _resolve(plain, dict(scope)), path


def test_a_route_starting_with_a_parameter_is_refused() -> None:
    async def endpoint(request: Any) -> None: ...

    with pytest.raises(ValueError, match="starts with a parameter"):
        grouped([Route("/{anything}", endpoint), Route("/api/x", endpoint)], ("/api",))
