"""Routes of this feature (filled in by the feature's owner)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
