"""Baseline for the benchmarks: a hello-world JSON endpoint on the node's own stack."""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"hello": "world"})


async def hello_post(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"message": {"ack": {"status": "ACK"}}})


app = Starlette(routes=[Route("/hello", hello), Route("/hello", hello_post, methods=["POST"])])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), loop="uvloop", http="httptools",
                log_level="warning", access_log=False)
