"""A stand-in BAP for bench/order_flow.py part (a): vouches for the bench key, ACKs callbacks.

``POST /hello`` answers the start-up check. The baseline is a fresh ``bench/hello_app.py``: this
process has handled thousands of callbacks by then, which makes it slower at hello-world.
"""

from __future__ import annotations

import json
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ACK = {"message": {"ack": {"status": "ACK"}}}
RECORD: list[dict[str, object]] = json.loads(open(sys.argv[2]).read()) if len(sys.argv) > 2 else []


async def hello(request: Request) -> Response:
    await request.body()
    return JSONResponse(ACK)


async def lookup(request: Request) -> Response:
    return JSONResponse(RECORD)


app = Starlette(routes=[
    Route("/hello", hello, methods=["POST"]),
    Route("/beckn/{action}", hello, methods=["POST"]),
    Route("/registry/lookup", lookup, methods=["POST"]),
])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), loop="uvloop", http="httptools",
                log_level="warning", access_log=False)
