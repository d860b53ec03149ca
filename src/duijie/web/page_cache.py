"""Pages rendered once and served many times: the same HTML for every visitor, but their own CSRF token.

A provider page is a function of the held catalog (its node, provider and fetch time), the
visitor's language, the address asked for and the minute (open-now badges change with the
clock, at most once a minute matters to a diner). Rendering it is most of a view's cost, so its
HTML is kept under that key with a placeholder where each form's CSRF token goes; each view puts
the visitor's token in and answers with the headers :func:`duijie.web.templating.render` sets.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from duijie.web import csrf
from duijie.web.templating import CSP, render, request_lang

SLOT = "csrf0slot0" + "0" * 33
"""Stands where the token goes: 43 characters of the token's alphabet, so escaping leaves it alone."""
MAX_PAGES = 128


class PageCache:
    """The most recently used pages, at most ``size`` (least recently used go first)."""

    def __init__(self, size: int = MAX_PAGES) -> None:
        self._pages: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: bytes) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)


def minute(moment: datetime) -> datetime:
    """``moment`` to the minute: the finest change a page keyed by it shows."""
    return moment.replace(second=0, microsecond=0)


async def render_cached(request: Request, cache: PageCache, template: str, key: Hashable,
                        context: Callable[[], Awaitable[dict[str, Any]]]) -> HTMLResponse:
    """The page ``template`` for ``key`` (plus language and address), rendered only when not kept."""
    token, fresh = csrf.token_for(request)
    full_key = (template, request_lang(request), request.url.path, request.url.query, key)
    page = cache.get(full_key)
    if page is None:
        page = bytes(render(request, template, {**await context(), "csrf_token": SLOT}).body)
        cache.put(full_key, page)
    response = HTMLResponse(page.replace(SLOT.encode(), token.encode()))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = CSP
    if fresh:
        csrf.set_cookie(response, token, secure=request.url.scheme == "https")
    return response
