"""HTTP transport over httpx: exact bytes out, status and bytes back."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from duijie.services.ports import TransportResponse


class TransportError(Exception):
    """The peer could not be reached or did not answer in time."""


class HttpTransport:
    """One pooled async client per node; a peer that hangs is cut off by the timeout."""

    def __init__(self, timeout: float = 5.0, max_connections: int = 100) -> None:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> TransportResponse:
        try:
            resp = await self._client.post(url, content=body, headers=dict(headers))
        except httpx.HTTPError as exc:
            raise TransportError(f"{url}: {type(exc).__name__}: {exc}") from exc
        return TransportResponse(resp.status_code, resp.content)

    async def aclose(self) -> None:
        await self._client.aclose()
