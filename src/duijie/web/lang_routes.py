"""``GET /lang/{code}``: choose the pages' language; the choice is remembered in a cookie."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from duijie.l10n.catalogs import supported
from duijie.web.templating import LANG_COOKIE


def safe_next(target: str | None, default: str = "/") -> str:
    """A path on this node to go back to; anything else (another site, ``//host``) goes home."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


async def choose_language(request: Request) -> Response:
    lang = supported(request.path_params["code"])
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    if lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


routes: list[BaseRoute] = [Route("/lang/{code}", choose_language, methods=["GET"])]
