"""The command line's HTTP calls: a small blocking facade over aiohttp.

aiohttp is the project's one HTTP client library (the node's transport speaks it, see
:mod:`duijie.transport.http`). A command makes a handful of calls, so each call runs its own
short event loop and session: nothing stays open between calls and nothing needs closing.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Params = Mapping[str, Any]


class HttpError(Exception):
    """The server could not be reached, the URL is not usable, or no answer came in time."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A whole answer: its status, headers (lower-case names) and body."""

    status_code: int
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The body as text, in the charset the server named (UTF-8 when it named none)."""
        charset = "utf-8"
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not JSON."""
        return jsonlib.loads(self.content)


def query_value(value: Any) -> str:
    """A query parameter's value as text, written as the API reads it (``true``/``false``, None empty)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def _query(params: Params | None) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        for one in value if isinstance(value, list | tuple) else (value,):
            pairs.append((key, query_value(one)))
    return pairs


def request(
    method: str,
    url: str,
    *,
    json: Any = None,
    params: Params | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Reply:
    """Send one request and read the whole answer; :class:`HttpError` when there is none.

    ``json`` is sent as compact UTF-8 JSON. Redirects are not followed (an API never answers with one).
    """
    body: bytes | None = None
    sent = dict(headers or {})
    if json is not None:
        body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        sent.setdefault("Content-Type", "application/json")
    # Imported here, not at the top: aiohttp costs a quarter of a second to import (its connector
    # builds SSL contexts), which every command would pay, even --help and the offline ones.
    import aiohttp

    try:
        return asyncio.run(_send(method, url, body, _query(params), sent, timeout))
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:  # an unusable URL is a ValueError
        raise HttpError(str(exc) or type(exc).__name__) from exc


async def _send(method: str, url: str, body: bytes | None, query: list[tuple[str, str]],
                headers: dict[str, str], timeout: float) -> Reply:
    import aiohttp  # already loaded by request()

    # trust_env: a proxy named in the environment (HTTPS_PROXY, NO_PROXY) is used, as curl would.
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout), trust_env=True) as session:
        async with session.request(method, url, data=body, params=query or None, headers=headers,
                                   allow_redirects=False) as resp:
            content = await resp.read()
            return Reply(resp.status, content, {k.lower(): v for k, v in resp.headers.items()})


def get(url: str, *, params: Params | None = None, headers: Mapping[str, str] | None = None,
        timeout: float = 30.0) -> Reply:
    """``GET url``; see :func:`request`."""
    return request("GET", url, params=params, headers=headers, timeout=timeout)


def post(url: str, *, json: Any = None, headers: Mapping[str, str] | None = None, timeout: float = 30.0) -> Reply:
    """``POST url`` with a JSON body; see :func:`request`."""
    return request("POST", url, json=json, headers=headers, timeout=timeout)
