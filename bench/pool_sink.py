"""Stand-in for the 20 buyer nodes of bench/pool.py: vouches for their keys, ACKs and keeps callbacks.

    python bench/pool_sink.py PORT RECORDS.json

``POST /registry/lookup`` answers with the buyers' subscriptions (the organizer's --registry);
``POST /beckn/{action}`` ACKs every callback (on_confirm with the pledge receipt, the unsolicited
on_status with the allocation) and keeps it with its arrival time; ``GET /count/{action}`` and
``GET /dump/{action}`` let the bench poll and read them.
"""

from __future__ import annotations

import json
import sys
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ACK = {"message": {"ack": {"status": "ACK"}}}
RECORDS: list[dict[str, object]] = json.loads(open(sys.argv[2]).read()) if len(sys.argv) > 2 else []
RECEIVED: dict[str, list[tuple[float, bytes]]] = {}


async def callback(request: Request) -> Response:
    body = await request.body()
    RECEIVED.setdefault(request.path_params["action"], []).append((time.time(), body))
    return JSONResponse(ACK)


async def hello(request: Request) -> Response:
    await request.body()
    return JSONResponse(ACK)


async def lookup(request: Request) -> Response:
    query = json.loads(await request.body() or b"{}")
    wanted = query.get("subscriber_id")
    return JSONResponse([r for r in RECORDS if wanted in (None, r["subscriber_id"])])


async def count(request: Request) -> Response:
    return JSONResponse({"count": len(RECEIVED.get(request.path_params["action"], []))})


async def dump(request: Request) -> Response:
    got = RECEIVED.get(request.path_params["action"], [])
    return JSONResponse([{"t": t, "body": body.decode()} for t, body in got])


app = Starlette(routes=[
    Route("/hello", hello, methods=["POST"]),
    Route("/beckn/{action}", callback, methods=["POST"]),
    Route("/registry/lookup", lookup, methods=["POST"]),
    Route("/count/{action}", count),
    Route("/dump/{action}", dump),
])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), loop="uvloop", http="httptools",
                log_level="warning", access_log=False)
