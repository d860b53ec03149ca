"""Routes that share a first path segment, tried as one group (a Starlette ``Mount``).

Starlette tries a request against each route in turn, one regular expression each. With the
node's 143 routes, a page paid about 80 us before its own work began (the search page's route
came 66th; a merchant page's about 140 us), measured for ``bench/pages.py``. Gathering the
``/api/...`` and ``/merchant/...`` routes under one ``Mount`` each lets one prefix test pass over
a whole group. The order within a group is kept, and no route path begins with a parameter
(checked), so every request still reaches the route it reached before.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence

from starlette.routing import BaseRoute, Mount, Route, compile_path


def grouped(routes: Sequence[BaseRoute], prefixes: Sequence[str]) -> list[BaseRoute]:
    """``routes`` with each route under one of ``prefixes`` (``"/api"``) moved into that prefix's
    ``Mount``, placed where the first of them stood. A route whose path is the prefix itself
    (``/merchant``) stays where it is: a ``Mount`` matches only below its prefix."""
    for route in routes:
        if isinstance(route, Route | Mount) and route.path.startswith("/{"):
            raise ValueError(f"route {route.path!r} starts with a parameter: it could match any group")
    order: list[BaseRoute | str] = []  # a prefix stands where its group's first route stood
    groups: dict[str, list[BaseRoute]] = {}
    for route in routes:
        prefix = _group_of(route, prefixes)
        if prefix is None:
            order.append(route)
            continue
        if prefix not in groups:
            groups[prefix] = []
            order.append(prefix)
        groups[prefix].append(_moved(route, prefix))
    # A Mount copies its list of routes: build each once its group is whole.
    return [Mount(item, routes=groups[item]) if isinstance(item, str) else item for item in order]


def flattened(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """Every route with its whole path (the mounts' prefixes put back), in the order tried."""
    for route in routes:
        if isinstance(route, Mount) and route.routes:
            yield from flattened(route.routes, prefix + route.path)
        elif isinstance(route, Route | Mount):
            yield prefix + route.path, route


def _group_of(route: BaseRoute, prefixes: Sequence[str]) -> str | None:
    if not isinstance(route, Route):
        return None
    return next((p for p in prefixes if route.path.startswith(p + "/")), None)


def _moved(route: BaseRoute, prefix: str) -> BaseRoute:
    """A copy of ``route`` answering below ``prefix`` (its path and matcher without the prefix)."""
    assert isinstance(route, Route)
    moved = copy.copy(route)
    moved.path = route.path.removeprefix(prefix)
    moved.path_regex, moved.path_format, moved.param_convertors = compile_path(moved.path)
    return moved
