"""The command line's blocking HTTP facade over aiohttp, against a real local HTTP server."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from duijie.cli import http_client


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with what it received, as JSON; a few paths answer otherwise."""

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/moved"):
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/gbk"):
            payload = "川陕名吃".encode("gbk")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=gbk")
        else:
            seen = {"method": self.command, "path": self.path, "body": body.decode(),
                    "content_type": self.headers.get("content-type"), "auth": self.headers.get("authorization")}
            payload = json.dumps(seen, ensure_ascii=False).encode()
            self.send_response(404 if self.path.startswith("/missing") else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Mixed-Case", "yes")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_get_writes_query_values_as_the_api_reads_them(server: str) -> None:
    reply = http_client.get(f"{server}/api/search", params={"q": "麻婆豆腐", "live": True, "off": False,
                                                            "wait": 2.5, "near": None, "kind": ["item", "job"]})
    seen = reply.json()
    assert reply.status_code == 200
    assert seen["method"] == "GET"
    assert seen["path"] == ("/api/search?q=%E9%BA%BB%E5%A9%86%E8%B1%86%E8%85%90&live=true&off=false&wait=2.5"
                            "&near=&kind=item&kind=job")


def test_post_sends_compact_utf8_json_with_the_headers(server: str) -> None:
    reply = http_client.post(f"{server}/api/orders", json={"dish": "回锅肉", "qty": 2},
                             headers={"Authorization": "Bearer t0k"})
    seen = reply.json()
    assert seen["body"] == '{"dish":"回锅肉","qty":2}'
    assert seen["content_type"] == "application/json"
    assert seen["auth"] == "Bearer t0k"
    assert reply.headers["x-mixed-case"] == "yes"  # names are lower-case


def test_an_error_status_is_an_answer_not_an_exception(server: str) -> None:
    reply = http_client.request("GET", f"{server}/missing/thing")
    assert reply.status_code == 404
    assert reply.json()["path"] == "/missing/thing"


def test_redirects_are_not_followed(server: str) -> None:
    assert http_client.get(f"{server}/moved").status_code == 302


def test_text_uses_the_charset_the_server_named(server: str) -> None:
    assert http_client.get(f"{server}/gbk").text == "川陕名吃"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("url", [f"http://127.0.0.1:{_closed_port()}/healthz", "not a url", "ftp://example.org/x"])
def test_no_answer_is_one_http_error(url: str) -> None:
    with pytest.raises(http_client.HttpError) as caught:
        http_client.get(url, timeout=2)
    assert str(caught.value)  # something to tell the user


def test_json_of_a_non_json_body_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        http_client.Reply(200, b"<html>").json()
