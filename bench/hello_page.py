"""Baseline for the page benchmarks: a hello-world PAGE served the way the node serves pages.

A Starlette app with the node's page error handlers, one route that checks the owner as every
diner page does (``require_owner``: loopback) and answers with ``duijie.web.templating.render``
of ``bench/templates/hello.html`` (the node's ``base.html`` layout, translated strings, a form
with its CSRF field, the CSRF cookie when new, the page headers), on the same uvicorn, uvloop
and httptools, after the same GC tuning as ``duijie serve``. What a page costs beyond this is
the page's own work.

    python bench/hello_page.py PORT
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from jinja2 import ChoiceLoader, FileSystemLoader
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from duijie.cli.gc_tuning import tune_for_serving
from duijie.l10n.catalogs import SUPPORTED
from duijie.web import errors as web_errors
from duijie.web.access import require_owner
from duijie.web.templating import environment, render

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _add_bench_templates() -> None:
    """Let each language's environment find ``hello.html`` beside the node's own templates."""
    for lang in SUPPORTED:
        env = environment(lang)
        assert env.loader is not None
        env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), env.loader])


async def hello_page(request: Request) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    return render(request, "hello.html")


def build_app() -> Starlette:
    _add_bench_templates()
    return Starlette(routes=[Route("/hello", hello_page, methods=["GET"])], exception_handlers=web_errors.HANDLERS)


if __name__ == "__main__":
    app = build_app()
    tune_for_serving()
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), loop="uvloop", http="httptools",
                log_level="warning", access_log=False)
