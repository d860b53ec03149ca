"""Property-based fuzzing of the JSON API from its own ``/openapi.json`` (schemathesis): no 5xx, node up.

Every operation is fuzzed with data that fits its schema and data that does not, against a real
``duijie serve`` process (with the admin token, so the merchant and buyer routes are reached).
The two operations that send a Beckn request to a URL taken from the body (``/api/buy/search``,
``/api/buy/order``) would have a live node contact arbitrary hosts; they are fuzzed against an
in-process node whose transport knows no seller, where a body that fits is answered 502 (the
seller could not be reached: a ``peer_error``, not a crash) and one that does not is a 4xx.
Generation is derandomized and bounded, so a run is repeatable and takes well under a minute.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from tests.support.processes import ServerProcess, duijie, free_port

from duijie.bootstrap import ServeOptions, build_node
from duijie.cli.node_setup import create_node_dir
from duijie.transport.mock import MockTransport

DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "duijie" / "demo" / "data"
MAX_EXAMPLES = 20
OUTBOUND = {("POST", "/api/buy/search"), ("POST", "/api/buy/order"), ("POST", "/api/apply"),
            ("POST", "/api/buy/bookings")}
SETTINGS = settings(
    max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None, print_blob=False,
    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A served node with the demo listing; peer calls are not rate-limited, so fuzzing reaches them."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("fuzzed") / "node"
    duijie("init", "--data-dir", str(data_dir), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(data_dir), check=True)
    os.environ["DUIJIE_PEER_RATE"] = "100000"
    try:
        server = ServerProcess(data_dir, port).start()
    finally:
        del os.environ["DUIJIE_PEER_RATE"]
    try:
        yield server
    finally:
        server.stop()


def _admin(data_dir: Path) -> dict[str, str]:
    return {"Authorization": f"Bearer {(data_dir / 'admin-token').read_text().strip()}"}


def _check(response: Any, outcome: dict[str, int], *, peer_errors: bool = False) -> None:
    """No 5xx (except, where a seller is contacted, its 502/504); every 4xx in the one error shape."""
    status = response.status_code
    outcome[str(status)] = outcome.get(str(status), 0) + 1
    if peer_errors and status in (502, 504):
        assert response.json()["error"]["code"].startswith("peer_error"), response.text
        return
    assert status < 500, f"{status}: {response.text[:300]}"
    if status >= 400:
        error = response.json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str), response.text


def _fuzz(schema: Any, call: Any, *, only: set[tuple[str, str]] | None = None, skip: set[tuple[str, str]] = frozenset(),
          peer_errors: bool = False) -> dict[str, dict[str, int]]:
    """Run every (selected) operation in both generation modes; the statuses seen per operation."""
    seen: dict[str, dict[str, int]] = {}
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if key in skip or (only is not None and key not in only):
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            outcome = seen.setdefault(f"{key[0]} {key[1]} {mode.value}", {})

            @SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                _check(call(case), outcome, peer_errors=peer_errors)  # noqa: B023 - run at once, in this iteration

            try:
                run()
            except Unsatisfiable:  # nothing to get wrong: an operation without parameters or body
                assert mode is GenerationMode.NEGATIVE, key
                del seen[f"{key[0]} {key[1]} {mode.value}"]
            if os.environ.get("FUZZ_TRACE"):
                print(key, mode.value, round(time.monotonic() - started, 1), outcome)
    return seen


def test_every_json_api_operation_survives_fuzzing_without_a_5xx(node: ServerProcess) -> None:
    schema = schemathesis.openapi.from_url(f"{node.base}/openapi.json")
    headers = _admin(node.data_dir)
    seen = _fuzz(schema, lambda case: case.call(base_url=node.base, headers=headers, timeout=15), skip=OUTBOUND)
    assert len(seen) >= 2 * 25, sorted(seen)  # every operation but the two outbound ones, both modes
    # The fuzzing reached the routes (not only the token check or the router) and the node is still up.
    assert any(s.startswith("2") for o in seen.values() for s in o)
    assert any(s == "400" for o in seen.values() for s in o)
    assert httpx.get(f"{node.base}/healthz").status_code == 200


def test_the_buyer_operations_that_contact_a_seller_survive_fuzzing(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUIJIE_SEMANTIC", "0")
    create_node_dir(tmp_path / "buyer", "http://buyer.test/beckn", subscriber_id="buyer.test")
    app = build_node(tmp_path / "buyer", transport=MockTransport(), options=ServeOptions()).app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = _admin(tmp_path / "buyer")
    seen = _fuzz(schema, lambda case: case.call(headers=headers), only=OUTBOUND, peer_errors=True)
    assert len(seen) == 2 * len(OUTBOUND)
    negative = [o for name, o in seen.items() if name.endswith("negative")]
    assert all("400" in o for o in negative), negative  # refused by the spec before anything is sent
    positive = [o for name, o in seen.items() if name.endswith("positive")]
    assert all("502" in o for o in positive), positive  # a fitting body gets as far as the (absent) seller
