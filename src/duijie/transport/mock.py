"""In-process transport: routes URLs to ASGI apps, so nodes talk in tests without sockets."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from duijie.services.ports import TransportResponse
from duijie.transport.http import TransportError


class MockTransport:
    """Sends to whichever registered app owns the longest matching URL prefix.

    Uses httpx's ASGI transport, so the receiving node runs its real request handling
    (signature checks included) exactly as over HTTP.
    """

    def __init__(self) -> None:
        self._apps: dict[str, httpx.AsyncClient] = {}
        self.sent: list[tuple[str, bytes]] = []
        self.down: set[str] = set()

    def register(self, base_url: str, app: object) -> None:
        """Serve ``base_url`` (scheme://host:port) from ``app``."""
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self._apps[base_url.rstrip("/")] = httpx.AsyncClient(transport=transport, base_url=base_url)

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> TransportResponse:
        self.sent.append((url, body))
        for base in sorted(self._apps, key=len, reverse=True):
            if url.startswith(base):
                if base in self.down:
                    raise TransportError(f"{url}: peer is down")
                resp = await self._apps[base].post(url, content=body, headers=dict(headers))
                return TransportResponse(resp.status_code, resp.content)
        raise TransportError(f"{url}: no such peer")
