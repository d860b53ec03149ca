"""The plain ASGI Beckn endpoint, driven with hand-made ASGI messages (no server)."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

from duijie.api.beckn_routes import beckn_endpoint, beckn_path_action


class _Inbox:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[tuple[bytes, dict[str, str], str]] = []

    async def receive(self, body: bytes, headers: dict[str, str], action: str) -> Any:
        self.calls.append((body, headers, action))
        if self.fail:
            raise RuntimeError("boom")
        return SimpleNamespace(status=401, body={"message": {"ack": {"status": "NACK"}}},
                               headers={"WWW-Authenticate": 'Signature realm="x"'})


def _call(inbox: _Inbox, chunks: list[bytes], path: str = "/beckn/confirm") -> tuple[int, dict[bytes, bytes], bytes]:
    app = SimpleNamespace(state=SimpleNamespace(services=SimpleNamespace(beckn=inbox)))
    scope = {"type": "http", "method": "POST", "path": path, "app": app,
             "headers": [(b"authorization", b"Signature x"), (b"content-type", b"application/json")]}
    incoming = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(beckn_endpoint(scope, receive, send))
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


def test_body_chunks_headers_and_action_reach_the_inbox_and_its_reply_goes_out() -> None:
    inbox = _Inbox()
    status, headers, body = _call(inbox, [b'{"a":', '"对接"}'.encode()])
    assert inbox.calls == [(b'{"a":"\xe5\xaf\xb9\xe6\x8e\xa5"}', {"authorization": "Signature x",
                                                              "content-type": "application/json"}, "confirm")]
    assert status == 401
    assert headers[b"www-authenticate"] == b'Signature realm="x"'
    assert headers[b"content-length"] == str(len(body)).encode()
    assert json.loads(body) == {"message": {"ack": {"status": "NACK"}}}


def test_an_unexpected_error_is_a_500_in_the_api_error_shape() -> None:
    status, headers, body = _call(_Inbox(fail=True), [b"{}"])
    assert status == 500
    assert headers[b"content-type"] == b"application/json"
    assert json.loads(body)["error"]["code"] == "internal_error"


def test_body_over_the_limit_is_413_and_never_reaches_the_inbox() -> None:
    inbox = _Inbox()
    status, _, body = _call(inbox, [b" " * 600_000, b" " * 600_000])
    assert status == 413
    assert inbox.calls == []
    assert json.loads(body)["message"]["ack"]["status"] == "NACK"


def test_only_posts_to_one_segment_below_beckn_are_beckn_actions() -> None:
    def scope(method: str, path: str) -> dict[str, Any]:
        return {"type": "http", "method": method, "path": path}

    assert beckn_path_action(scope("POST", "/beckn/on_confirm")) == "on_confirm"
    assert beckn_path_action(scope("GET", "/beckn/confirm")) is None
    assert beckn_path_action(scope("POST", "/beckn/")) is None
    assert beckn_path_action(scope("POST", "/beckn/confirm/x")) is None
    assert beckn_path_action(scope("POST", "/api/beckn/confirm")) is None
