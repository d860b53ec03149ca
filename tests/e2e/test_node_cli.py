"""The node's command line, run as a user would: init, info, import, export, bad input."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from tests.e2e.conftest import DEMO_DATA
from tests.support.processes import duijie


def test_init_creates_owner_only_keys_and_info_shows_them(tmp_path: Path) -> None:
    data_dir = tmp_path / "n"
    out = duijie("init", "--data-dir", str(data_dir), "--subscriber-id", "shop.example", "--url",
                 "http://127.0.0.1:9999/beckn", "--json", check=True)
    created = json.loads(out.stdout)
    assert created["subscriber_id"] == "shop.example"
    key_files = [p for p in (data_dir / "keys").rglob("*") if p.is_file()]
    assert key_files, "init wrote no key files"
    for path in key_files + [data_dir / "admin-token", data_dir / "config.json"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    info = json.loads(duijie("info", "--data-dir", str(data_dir), "--json", check=True).stdout)
    assert info["subscriber_id"] == "shop.example"
    assert info["url"] == "http://127.0.0.1:9999/beckn"
    assert len(info["signing_public_key"]) == 44 and len(info["encr_public_key"]) == 44
    assert info["unique_key_id"] == created["unique_key_id"]


def test_init_refuses_to_overwrite_existing_keys(tmp_path: Path) -> None:
    data_dir = tmp_path / "n"
    duijie("init", "--data-dir", str(data_dir), check=True)
    before = {p: p.read_bytes() for p in (data_dir / "keys").rglob("*") if p.is_file()}
    again = duijie("init", "--data-dir", str(data_dir))
    assert again.returncode == 2
    assert "refusing to overwrite" in again.stderr
    assert "Traceback" not in again.stderr
    assert {p: p.read_bytes() for p in before} == before


def test_init_rejects_a_bad_url_with_a_one_line_reason(tmp_path: Path) -> None:
    res = duijie("init", "--data-dir", str(tmp_path / "n"), "--url", "not a url")
    assert res.returncode == 2
    assert "--url" in res.stderr and "Traceback" not in res.stderr


def test_commands_without_init_say_what_to_do(tmp_path: Path) -> None:
    res = duijie("info", "--data-dir", str(tmp_path / "missing"))
    assert res.returncode == 2
    assert "duijie init" in res.stderr


def test_export_import_export_is_byte_identical(node_dir: Path, tmp_path: Path) -> None:
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(node_dir), check=True)
    first = duijie("provider", "export", "chuanshan", "--data-dir", str(node_dir), check=True).stdout
    exported = tmp_path / "export.json"
    exported.write_text(first, encoding="utf-8")
    again = duijie("provider", "import", str(exported), "--data-dir", str(node_dir), check=True)
    assert "unchanged" in again.stdout
    second = duijie("provider", "export", "chuanshan", "--data-dir", str(node_dir), check=True).stdout
    assert first == second
    assert "肉夹馍" in first


def test_menu_csv_round_trip_is_byte_identical(node_dir: Path, tmp_path: Path) -> None:
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(node_dir), check=True)
    first = duijie("menu", "export", "chuanshan", "--data-dir", str(node_dir), check=True).stdout
    path = tmp_path / "menu.csv"
    path.write_text(first, encoding="utf-8", newline="")
    duijie("menu", "import", "chuanshan", str(path), "--data-dir", str(node_dir), check=True)
    assert duijie("menu", "export", "chuanshan", "--data-dir", str(node_dir), check=True).stdout == first
    assert "凉皮" in first


def test_a_bad_listing_is_rejected_whole_with_every_error(node_dir: Path, tmp_path: Path) -> None:
    doc = json.loads((DEMO_DATA / "chuanshan.json").read_text(encoding="utf-8"))
    doc["provider"]["locations"][0]["time_zone"] = "Mars/Olympus"
    doc["catalog"]["items"][0]["price"]["amount"] = "-3.00"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    res = duijie("provider", "import", str(bad), "--data-dir", str(node_dir))
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert "time_zone" in res.stderr and "price" in res.stderr
    assert str(bad) in res.stderr
    listed = duijie("provider", "list", "--data-dir", str(node_dir), check=True).stdout
    assert "chuanshan" not in listed


def test_invalid_json_names_line_and_column(node_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "duijie.listing/1",\n  "provider": }', encoding="utf-8")
    res = duijie("provider", "import", str(bad), "--data-dir", str(node_dir))
    assert res.returncode == 2
    assert f"{bad}:2:" in res.stderr


def test_every_command_has_help() -> None:
    for args in (["--help"], ["init", "--help"], ["info", "--help"], ["serve", "--help"], ["provider", "--help"],
                 ["provider", "import", "--help"], ["menu", "export", "--help"], ["demo", "--help"]):
        res = duijie(*args, check=True)
        assert "Usage:" in res.stdout


def test_a_bad_menu_csv_is_rejected_whole_with_line_numbers(node_dir: Path, tmp_path: Path) -> None:
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(node_dir), check=True)
    before = duijie("menu", "export", "chuanshan", "--data-dir", str(node_dir), check=True).stdout
    lines = before.splitlines()
    header = lines[0].split(",")
    broken = [lines[0]]
    for i, line in enumerate(lines[1:3]):
        cells = next(__import__("csv").reader([line]))
        cells[header.index("price")] = "-1" if i == 0 else "cheap"
        broken.append(",".join(f'"{c}"' for c in cells))
    bad = tmp_path / "menu.csv"
    bad.write_text("\n".join(broken) + "\n", encoding="utf-8")
    res = duijie("menu", "import", "chuanshan", str(bad), "--data-dir", str(node_dir))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert f"{bad}:2" in res.stderr and f"{bad}:3" in res.stderr and "price" in res.stderr
    after = duijie("menu", "export", "chuanshan", "--data-dir", str(node_dir), check=True).stdout
    assert after == before
