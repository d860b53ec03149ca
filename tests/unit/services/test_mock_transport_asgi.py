"""The in-process transport delivers a POST to an ASGI app as a server would, and answers its bytes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from duijie.transport.http import TransportError
from duijie.transport.mock import MockTransport


async def _echo(request: Request) -> Response:
    body = await request.body()
    seen = f"{request.method} {request.url.path} {request.headers.get('x-sig')} {request.headers['host']} "
    return Response(seen.encode() + body, status_code=202)


async def _streamed(request: Request) -> StreamingResponse:
    await request.body()

    async def parts() -> Any:
        for part in (b"on_", b"confirm"):
            await asyncio.sleep(0)
            yield part

    return StreamingResponse(parts())


def _app() -> Starlette:
    return Starlette(routes=[Route("/beckn/{action}", _echo, methods=["POST"]),
                             Route("/stream", _streamed, methods=["POST"])])


def test_a_message_reaches_the_app_owning_the_longest_prefix() -> None:
    transport = MockTransport()
    transport.register("http://node1.test", _app())
    transport.register("http://node1.test/beckn/special", Starlette())  # longer prefix, no routes: 404
    reply = asyncio.run(transport.send("http://node1.test/beckn/on_select", "订单".encode(), {"X-Sig": "s1"}))
    assert reply.status == 202
    assert reply.body == "POST /beckn/on_select s1 node1.test 订单".encode()
    assert asyncio.run(transport.send("http://node1.test/beckn/special", b"{}", {})).status == 404
    assert [url for url, _ in transport.sent] == ["http://node1.test/beckn/on_select", "http://node1.test/beckn/special"]


def test_a_streamed_answer_is_collected_whole() -> None:
    transport = MockTransport()
    transport.register("http://node2.test", _app())
    assert asyncio.run(transport.send("http://node2.test/stream", b"", {})).body == b"on_confirm"


def test_a_peer_that_is_down_or_unknown_is_a_transport_error() -> None:
    transport = MockTransport()
    transport.register("http://node3.test", _app())
    transport.down.add("http://node3.test")
    with pytest.raises(TransportError, match="down"):
        asyncio.run(transport.send("http://node3.test/beckn/search", b"{}", {}))
    with pytest.raises(TransportError, match="no such peer"):
        asyncio.run(transport.send("http://nobody.test/beckn/search", b"{}", {}))
