"""In-process transport: routes URLs to ASGI apps, so nodes talk in tests without sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import unquote, urlsplit

from duijie.services.ports import TransportResponse
from duijie.transport.http import TransportError

Message = MutableMapping[str, Any]
AsgiApp = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]


class MockTransport:
    """Sends to whichever registered app owns the longest matching URL prefix.

    Each message is one ASGI request to the receiving app (as a server would make it), so the
    receiving node runs its real request handling (signature checks included) exactly as over HTTP.
    """

    def __init__(self) -> None:
        self._apps: dict[str, AsgiApp] = {}
        self.sent: list[tuple[str, bytes]] = []
        self.down: set[str] = set()

    def register(self, base_url: str, app: object) -> None:
        """Serve ``base_url`` (scheme://host:port) from ``app``, an ASGI application."""
        if not callable(app):
            raise TypeError(f"{base_url}: not an ASGI application: {app!r}")
        self._apps[base_url.rstrip("/")] = app

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> TransportResponse:
        self.sent.append((url, body))
        return await asgi_post(self.app_for(url), url, body, headers)

    def app_for(self, url: str) -> AsgiApp:
        """The app serving ``url`` (the longest registered prefix); :class:`TransportError` when
        none does or its peer is down."""
        for base in sorted(self._apps, key=len, reverse=True):
            if url.startswith(base):
                if base in self.down:
                    raise TransportError(f"{url}: peer is down")
                return self._apps[base]
        raise TransportError(f"{url}: no such peer")


async def asgi_post(app: AsgiApp, url: str, body: bytes, headers: Mapping[str, str]) -> TransportResponse:
    """POST ``body`` to ``app`` as one HTTP/1.1 request and collect its whole answer.

    An exception the app raises reaches the caller, as a test wants to see it.
    """
    return await asgi_request(app, url, body, headers, "POST")


async def asgi_request(app: AsgiApp, url: str, body: bytes, headers: Mapping[str, str],
                       method: str) -> TransportResponse:
    """One ``method`` request of ``url`` to ``app`` (see :func:`asgi_post`)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    sent_headers = [(b"host", parts.netloc.encode("latin-1")), (b"content-length", str(len(body)).encode())]
    sent_headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
                     if k.lower() not in ("host", "content-length")]
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": parts.scheme, "path": unquote(parts.path) or "/", "raw_path": (parts.path or "/").encode(),
        "query_string": parts.query.encode(), "root_path": "", "headers": sent_headers,
        "client": ("127.0.0.1", 123), "server": (parts.hostname or "", port), "extensions": {},
    }
    request_sent = False
    complete = asyncio.Event()
    status = 0
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await complete.wait()  # a server reports the disconnect only once the answer is out
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                complete.set()

    try:
        await app(scope, receive, send)
    finally:
        complete.set()
    if status == 0:
        raise TransportError(f"{url}: the app answered nothing")
    return TransportResponse(status, b"".join(chunks))
