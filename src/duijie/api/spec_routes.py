"""Routes checked against their :class:`~duijie.api.params.Spec` before the endpoint runs."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from duijie.api.auth import require_admin
from duijie.api.params import Spec


@dataclass(frozen=True, slots=True)
class Args:
    """A request's parameters and body as its spec parsed them."""

    params: dict[str, Any]
    body: dict[str, Any] | None

    def __getitem__(self, name: str) -> Any:
        return self.params[name]


Endpoint = Callable[[Request, Args], Awaitable[Response]] | Callable[[Request, Args], Response]


class ApiRoute(Route):
    """A route whose requests are checked against its :class:`Spec` before the endpoint runs.

    A plain (synchronous) endpoint runs in a worker thread, as Starlette would run it.
    """

    def __init__(self, path: str, endpoint: Endpoint, spec: Spec, *, methods: list[str] | None = None) -> None:
        self.spec = spec
        is_async = inspect.iscoroutinefunction(endpoint)

        async def checked(request: Request) -> Response:
            if spec.admin:  # before anything of the request is read
                require_admin(request)
            args = Args(spec.read_params(request), await spec.read_body(request))
            if is_async:
                response: Response = await endpoint(request, args)  # type: ignore[misc]
                return response
            return await run_in_threadpool(endpoint, request, args)  # type: ignore[arg-type]

        super().__init__(path, checked, methods=methods or ["GET"], name=getattr(endpoint, "__name__", None))


class DescribedRoute(Route):
    """A route with nothing to check (no parameters or body), described by its :class:`Spec`."""

    def __init__(
        self, path: str, endpoint: Callable[..., Any], spec: Spec, *, methods: list[str] | None = None
    ) -> None:
        self.spec = spec
        super().__init__(path, endpoint, methods=methods or ["GET"])
