"""The merchant's admin credential: ``Authorization: Bearer <token from duijie init>``."""

from __future__ import annotations

from starlette.requests import Request

from duijie.services.container import Services
from duijie.services.errors import Unauthorized


def require_admin(request: Request) -> None:
    """Raise :class:`Unauthorized` (→ 401) unless the request carries the node's admin token."""
    services: Services = request.app.state.services
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token or not services.admin_token_check(token.strip()):
        raise Unauthorized("admin token required: send 'Authorization: Bearer <DATA_DIR/admin-token>'")
