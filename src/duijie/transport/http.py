"""HTTP transport over httpx: exact bytes out, status and bytes back.

One HTTP client library serves the whole project (the CLI, the tests and the mock speak httpx
too); every Beckn message and callback a node sends goes through :class:`HttpTransport`.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from duijie.services.ports import TransportResponse


class TransportError(Exception):
    """The peer could not be reached or did not answer in time."""


class HttpTransport:
    """One pooled ``httpx.AsyncClient`` per node, opened on first use inside the running loop."""

    def __init__(self, timeout: float = 5.0, max_connections: int = 100) -> None:
        self._timeout = httpx.Timeout(timeout)
        self._limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._client: httpx.AsyncClient | None = None

    def _session(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            # No environment proxies or .netrc: a node talks to the peers it was told about.
            self._client = httpx.AsyncClient(timeout=self._timeout, limits=self._limits, trust_env=False)
        return self._client

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> TransportResponse:
        try:
            resp = await self._session().post(url, content=body, headers=dict(headers))
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            raise TransportError(f"{url}: {type(exc).__name__}: {exc}") from exc
        return TransportResponse(resp.status_code, resp.content)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
