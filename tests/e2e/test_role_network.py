"""`duijie serve --role`: a node publishes and accepts only the actions of its roles (real processes)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.processes import ServerProcess, duijie, free_port

from duijie.protocol.outbound import build_signed_request
from duijie.storage.keyfiles import current_keys

DEMO_DATA = Path(__file__).resolve().parents[2] / "src" / "duijie" / "demo" / "data"


def _served(root: Path, name: str, *extra: str, listing: str | None = None) -> ServerProcess:
    port = free_port()
    data_dir = root / name
    duijie("init", "--data-dir", str(data_dir), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    if listing:
        duijie("provider", "import", str(DEMO_DATA / listing), "--data-dir", str(data_dir), check=True)
    return ServerProcess(data_dir, port, ["--back-office", "inline", *extra]).start()


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("roles")
    started: dict[str, Any] = {"root": root}
    try:
        started["buyer"] = _served(root, "buyer", "--role", "BAP")
        started["seller"] = _served(root, "seller", "--role", "bpp", listing="chuanshan.json")
        started["default"] = _served(root, "default", listing="farm.json")
        yield started
    finally:
        for key in ("buyer", "seller", "default"):
            if key in started:
                started[key].stop()


def _signed(root: Path, action: str, target: ServerProcess) -> httpx.Response:
    """A correctly signed Beckn message from a node of its own (the role check needs no more)."""
    sender = root / f"sender-{action}"
    if not sender.exists():
        duijie("init", "--data-dir", str(sender), "--url", f"http://127.0.0.1:{free_port()}/beckn", check=True)
    keys = current_keys(sender, datetime.now(UTC))
    context = {
        "domain": "nic2004:55204", "action": action, "version": "1.1.0", "bap_id": keys.subscriber_id,
        "bap_uri": "http://127.0.0.1:9/beckn", "bpp_id": "x", "bpp_uri": "http://127.0.0.1:9/beckn",
        "transaction_id": str(uuid.uuid4()), "message_id": str(uuid.uuid4()),
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"), "ttl": "PT30S",
    }
    body, headers = build_signed_request({"context": context, "message": {"order": {"id": "o-1"}}}, keys,
                                         datetime.now(UTC))
    return httpx.post(f"{target.base}/beckn/{action}", content=body, headers=headers, timeout=10)


def test_a_buyer_only_node_nacks_a_signed_confirm_naming_its_role(nodes: dict[str, Any]) -> None:
    resp = _signed(nodes["root"], "confirm", nodes["buyer"])
    assert resp.status_code == 400
    body = resp.json()
    assert body["message"]["ack"]["status"] == "NACK"
    assert body["error"]["code"] == "40001"
    assert "plays BAP" in body["error"]["message"] and "BPP" in body["error"]["message"]


def test_a_seller_only_node_nacks_a_signed_on_confirm(nodes: dict[str, Any]) -> None:
    resp = _signed(nodes["root"], "on_confirm", nodes["seller"])
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "40001"
    assert "plays BPP" in resp.json()["error"]["message"]


def test_roles_are_published_in_the_node_record_and_the_lookup(nodes: dict[str, Any]) -> None:
    def published(node: ServerProcess) -> tuple[list[str], set[str]]:
        record = httpx.get(f"{node.base}/peers/self", timeout=10).json()["record"]
        lookup = httpx.post(f"{node.base}/registry/lookup", json={"subscriber_id": record["subscriber_id"]},
                            timeout=10).json()
        return record["roles"], {r["type"] for r in lookup}

    assert published(nodes["buyer"]) == (["BAP"], {"BAP"})
    assert published(nodes["seller"]) == (["BPP"], {"BPP"})
    # Not told: the data dir hosts a provider, so it sells, and every node can buy.
    assert published(nodes["default"])[0] == ["BPP", "BAP"]


def test_a_buyer_only_node_still_takes_callbacks_past_the_role_check(nodes: dict[str, Any]) -> None:
    # on_confirm is a BAP's: the refusal now comes from the later checks (unknown sender), not the role.
    resp = _signed(nodes["root"], "on_confirm", nodes["buyer"])
    assert "plays" not in resp.json().get("error", {}).get("message", "")


def test_serve_help_documents_the_roles() -> None:
    out = duijie("serve", "--help", check=True).stdout
    assert "--role BAP|BPP|BG" in out and "--gateway" in out and "repeatable" in out
