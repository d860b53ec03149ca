"""The Beckn endpoint and key lookup of a real node process: refusals, lookup, key rotation."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

import httpx
from tests.support.processes import ServerProcess, duijie


def _search_doc(bap_id: str) -> dict[str, object]:
    return {
        "context": {
            "domain": "nic2004:55204", "action": "search", "version": "1.1.0", "bap_id": bap_id,
            "bap_uri": "http://127.0.0.1:9/beckn", "transaction_id": str(uuid.uuid4()),
            "message_id": str(uuid.uuid4()), "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "ttl": "PT30S",
        },
        "message": {"intent": {"descriptor": {"name": "凉皮"}}},
    }


def test_unsigned_request_is_refused_with_401_and_a_challenge(restaurant: ServerProcess) -> None:
    resp = httpx.post(f"{restaurant.base}/beckn/search", content=json.dumps(_search_doc("x.example")))
    assert resp.status_code == 401
    assert resp.json()["message"]["ack"]["status"] == "NACK"
    assert resp.headers["www-authenticate"].startswith("Signature realm=")


def test_unknown_signer_is_refused(restaurant: ServerProcess, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from duijie.protocol.outbound import build_signed_request
    from duijie.storage.keyfiles import current_keys

    stranger = tmp_path / "stranger"
    duijie("init", "--data-dir", str(stranger), "--subscriber-id", "stranger.example", check=True)
    keys = current_keys(stranger, datetime.now(UTC))
    body, headers = build_signed_request(_search_doc("stranger.example"), keys, datetime.now(UTC))
    resp = httpx.post(f"{restaurant.base}/beckn/search", content=body, headers=headers)
    assert resp.status_code == 401
    assert "unknown_key" in resp.json()["error"]["message"]


def test_oversized_body_is_refused_with_413(restaurant: ServerProcess) -> None:
    resp = httpx.post(f"{restaurant.base}/beckn/search", content=b"{" + b" " * 1_100_000 + b"}")
    assert resp.status_code == 413
    assert resp.json()["message"]["ack"]["status"] == "NACK"


def test_oversized_streamed_body_without_length_is_refused_with_413(restaurant: ServerProcess) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(12):
            yield b" " * 100_000

    resp = httpx.post(f"{restaurant.base}/beckn/confirm", content=chunks())
    assert resp.status_code == 413
    assert "exceeds" in resp.json()["error"]["message"]


def test_unknown_action_is_404(restaurant: ServerProcess) -> None:
    assert httpx.post(f"{restaurant.base}/beckn/teleport", content=b"{}").status_code == 404


def test_other_methods_and_deeper_paths_are_not_beckn_actions(restaurant: ServerProcess) -> None:
    assert httpx.get(f"{restaurant.base}/beckn/search").status_code == 405
    deeper = httpx.post(f"{restaurant.base}/beckn/search/extra", content=b"{}")
    assert deeper.status_code == 404
    assert deeper.json()["error"]["code"] == "http_error"


def test_lookup_answers_for_itself_and_rotation_keeps_the_old_key(restaurant: ServerProcess) -> None:
    info = json.loads(duijie("info", "--data-dir", str(restaurant.data_dir), "--json", check=True).stdout)
    records = httpx.post(f"{restaurant.base}/registry/lookup", json={"subscriber_id": info["subscriber_id"]}).json()
    assert [r["signing_public_key"] for r in records] == [info["signing_public_key"]]
    assert records[0]["subscriber_url"] == records[0]["url"] == info["url"]
    assert records[0]["ukId"] == records[0]["key_id"] == info["unique_key_id"]

    out = duijie("keys", "rotate", "--data-dir", str(restaurant.data_dir), check=True).stdout
    assert "new key" in out
    new = json.loads(duijie("info", "--data-dir", str(restaurant.data_dir), "--json", check=True).stdout)
    assert new["unique_key_id"] != info["unique_key_id"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the server re-reads the keyring within a few seconds
        records = httpx.post(f"{restaurant.base}/registry/lookup", json={"subscriber_id": info["subscriber_id"]}).json()
        if len(records) == 2:
            break
        time.sleep(0.3)
    assert {r["ukId"] for r in records} == {info["unique_key_id"], new["unique_key_id"]}
    old = httpx.post(f"{restaurant.base}/registry/lookup", json={"ukId": info["unique_key_id"]}).json()
    assert old and old[0]["signing_public_key"] == info["signing_public_key"]
