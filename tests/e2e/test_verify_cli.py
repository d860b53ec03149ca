"""`duijie verify FILE`: offline proof, confirmation by a lookup source, tamper and garbage detection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.support.processes import ServerProcess, duijie, free_port

from duijie.protocol.keys import SigningKey
from duijie.protocol.receipts import build_agreement, countersign, sign_agreement
from duijie.storage import keyfiles
from duijie.storage.node_config import load_config


@pytest.fixture(scope="module")
def seller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One served node whose real key signs the receipts (its lookup endpoint is the registry)."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("verify") / "seller"
    duijie("init", "--data-dir", str(data_dir), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    server = ServerProcess(data_dir, port).start()
    try:
        yield server
    finally:
        server.stop()


def _receipt(seller_dir: Path) -> tuple[dict[str, Any], str, str]:
    """A receipt signed with the seller node's real key and countersigned by an ad-hoc buyer key."""
    subscriber_id = load_config(seller_dir).subscriber_id
    now = datetime.now(UTC)
    keys = keyfiles.current_keys(seller_dir, now)
    order = {
        "id": "ord-7",
        "provider": {"id": "chuanshan"},
        "items": [{"id": "roujiamo"}],
        "quote": {"price": {"currency": "USD", "value": "13.90"}},
        "billing": {"name": "韩梅梅"},
    }
    context = {"bap_id": "buyer.example", "bpp_id": subscriber_id, "transaction_id": "t-7"}
    receipt = sign_agreement(
        build_agreement(order, context),
        keys.signing,
        subscriber_id=subscriber_id,
        unique_key_id=keys.unique_key_id,
        signed_at=now,
    )
    receipt = countersign(
        receipt, SigningKey.generate(), subscriber_id="buyer.example", unique_key_id="b1", signed_at=now
    )
    return receipt, subscriber_id, keys.unique_key_id


def _write(path: Path, doc: Any) -> str:
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return str(path)


def test_offline_verify_proves_the_carried_keys_signed(seller: ServerProcess, tmp_path: Path) -> None:
    receipt, seller_id, ukid = _receipt(seller.data_dir)
    res = duijie("verify", _write(tmp_path / "r.json", receipt))
    assert res.returncode == 0, res.stderr
    assert (
        f"agreement signed by seller {seller_id} with key {ukid} (carried in the receipt; not confirmed by a lookup)"
    ) in res.stdout
    assert "agreement signed by buyer buyer.example" in res.stdout


def test_registry_lookup_confirms_the_seller_key(seller: ServerProcess, tmp_path: Path) -> None:
    receipt, seller_id, _ = _receipt(seller.data_dir)
    path = _write(tmp_path / "r.json", receipt)
    res = duijie("verify", path, "--registry", f"{seller.base}/registry", "--json")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    by_role = {s["role"]: s for s in report["signatures"]}
    assert by_role["seller"]["confirmed_by"] == [f"{seller.base}/registry"]
    assert by_role["buyer"]["confirmed_by"] == []
    text = duijie("verify", path, "--registry", f"{seller.base}/registry").stdout
    assert f"key confirmed for {seller_id} by {seller.base}/registry" in text


def test_one_changed_byte_fails_and_names_the_broken_signature(seller: ServerProcess, tmp_path: Path) -> None:
    receipt, seller_id, _ = _receipt(seller.data_dir)
    receipt["agreement"]["quote"]["price"]["value"] = "13.80"
    res = duijie("verify", _write(tmp_path / "bad.json", receipt))
    assert res.returncode == 1
    assert f"FAIL signature #1 by seller {seller_id}" in res.stdout
    assert "changed after signing" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_key_the_registry_does_not_attribute_fails(seller: ServerProcess, tmp_path: Path) -> None:
    receipt, _, _ = _receipt(seller.data_dir)
    impostor = SigningKey.generate()
    forged = sign_agreement(
        receipt["agreement"],
        impostor,
        subscriber_id=receipt["agreement"]["bpp_id"],
        unique_key_id=receipt["signatures"][0]["unique_key_id"],
        signed_at=datetime.now(UTC),
    )
    path = _write(tmp_path / "forged.json", forged)
    assert duijie("verify", path).returncode == 0, "offline, only the carried key can be checked"
    res = duijie("verify", path, "--registry", f"{seller.base}/registry")
    assert res.returncode == 1
    assert "wrong key" in res.stdout and "differs from the one" in res.stderr


def test_files_that_are_not_receipts_exit_2(tmp_path: Path) -> None:
    not_json = tmp_path / "x.json"
    not_json.write_text("{nope", encoding="utf-8")
    for path in (str(not_json), _write(tmp_path / "listing.json", {"format": "duijie.listing/1"})):
        res = duijie("verify", path)
        assert res.returncode == 2, res
        assert "not a receipt" in res.stderr and "Traceback" not in res.stderr
