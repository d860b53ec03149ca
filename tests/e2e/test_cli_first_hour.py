"""A new user's first hour at the command line, with real commands and two real nodes (issue 15):
help and errors in Chinese under LANG=zh_CN.UTF-8, a refused order said plainly, the merchant
seeing who orders and when (on the location's clock), a log line without the phone, "no results"
when nothing matches, an export that says what it wrote, a rating that is confirmed, and
`duijie search` finding the one obvious node without --data-dir.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tests.e2e.conftest import DEMO_DATA
from tests.support.processes import ServerProcess, duijie, free_port

ZH = {"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LANGUAGE": ""}
EN = {"LANG": "C.UTF-8", "LC_ALL": "", "LANGUAGE": ""}
INTERNAL = ("POST /api", "GET /api", "HTTP 4", "on_select:", "on_init:", "on_confirm:", "(code ")


@dataclass
class Shop:
    restaurant: ServerProcess
    buyer: ServerProcess
    root: Path

    @property
    def bpp(self) -> str:
        return f"{self.restaurant.base}/beckn"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    root = tmp_path_factory.mktemp("first-hour")
    ports = {"restaurant": free_port(), "buyer": free_port()}
    for name, port in ports.items():
        duijie("init", "--data-dir", str(root / name), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(root / "restaurant"), check=True)
    # The seller logs at INFO (its new-order line); one process each keeps a loaded machine calm.
    restaurant = ServerProcess(root / "restaurant", ports["restaurant"],
                               ["--registry", f"http://127.0.0.1:{ports['buyer']}/registry", "--log-level", "info",
                                "--back-office", "inline"])
    buyer = ServerProcess(root / "buyer", ports["buyer"],
                          ["--registry", f"http://127.0.0.1:{ports['restaurant']}/registry", "--back-office", "inline"])
    try:
        restaurant.start(timeout=120)
        buyer.start(timeout=120)
        yield Shop(restaurant, buyer, root)
    finally:
        buyer.stop()
        restaurant.stop()


def test_help_and_a_failing_command_speak_chinese_under_a_chinese_locale(tmp_path: Path) -> None:
    private = {"TMPDIR": str(tmp_path)}  # no running demo of another test is "the obvious node"
    zh_help = duijie("--help", env=ZH)
    assert zh_help.returncode == 0
    assert "用法:" in zh_help.stdout and "命令" in zh_help.stdout
    assert "商家的订单收件箱" in zh_help.stdout and "显示此帮助并退出" in zh_help.stdout
    orders_help = duijie("orders", "list", "--help", env=ZH)
    assert "列出订单，最新的在前。" in orders_help.stdout and "只要此状态。" in orders_help.stdout
    missing = duijie("orders", "list", env=ZH | {"DUIJIE_DATA_DIR": ""})
    assert missing.returncode == 2 and "错误：缺少选项 '--data-dir'" in missing.stderr
    nowhere = duijie("search", "凉皮", env=ZH | private, cwd=tmp_path)
    assert nowhere.returncode == 2 and "这里找不到节点" in nowhere.stderr
    en_help = duijie("--help", env=EN)
    assert "Usage:" in en_help.stdout and "The merchant's inbox of orders" in en_help.stdout
    assert "用法" not in en_help.stdout and "商家的订单收件箱" not in en_help.stdout
    en_nowhere = duijie("search", "凉皮", env=EN | private, cwd=tmp_path)
    assert "no node found here" in en_nowhere.stderr


def _lunch() -> tuple[str, str]:
    """Tomorrow 12:30 in Rockville: as RFC 3339 UTC for the order, and as the location's clock shows it."""
    local = (datetime.now(ZoneInfo("America/New_York")) + timedelta(days=1)).replace(
        hour=12, minute=30, second=0, microsecond=0)
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), local.strftime("%Y-%m-%d 12:30 %Z")


def _order(shop: Shop, item: str, when: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    res = duijie("buy", "order", "--bpp", shop.bpp, "--provider", "chuanshan", "--location", "rockville",
                 "--item", item, "--name", "王芳", "--phone", "+1-202-555-0100", "--time", when,
                 "--data-dir", str(shop.buyer.data_dir), "--json", timeout=120, env=env or EN)
    return res.returncode, res.stdout, res.stderr


def test_an_order_from_refusal_to_rating_reads_plainly(shop: Shop, tmp_path: Path) -> None:
    when, local = _lunch()
    code, _out, err = _order(shop, "no-such-dish:1", when)
    assert code == 2 and "no-such-dish" in err, err
    assert not any(p in err for p in INTERNAL), err

    code, out, err = _order(shop, "roujiamo:2", when)
    assert code == 0, err
    order_id = json.loads(out)["order_id"]
    merchant = ["--data-dir", str(shop.restaurant.data_dir)]

    listed = duijie("orders", "list", *merchant, check=True).stdout
    line = next(ln for ln in listed.splitlines() if ln.startswith(order_id))
    assert "王芳" in line and "+1-202-555-0100" in line and f"rockville {local}" in line
    shown = duijie("orders", "show", order_id, *merchant, check=True).stdout
    assert "buyer: 王芳  phone: +1-202-555-0100" in shown and f"pickup: rockville  {local}" in shown
    shown_zh = duijie("orders", "show", order_id, *merchant, env=ZH, check=True).stdout
    assert "买家：王芳  电话：+1-202-555-0100" in shown_zh

    log = " ".join(shop.restaurant.log.read_text(encoding="utf-8", errors="replace").split())  # unwrapped
    assert f"new order {order_id}: 2 item(s), total 13.90 USD, pickup at rockville {local}" in log, log[-2000:]
    assert "555-0100" not in log and "王芳" not in log

    for step in ("accept", "ready", "complete"):
        duijie("orders", step, order_id, *merchant, check=True)
    rated = duijie("buy", "rate", order_id, "5", "--data-dir", str(shop.buyer.data_dir), timeout=120, check=True)
    assert f"rated order {order_id}: 5 of 5" in rated.stdout

    nothing = duijie("buy", "search", "zzqx-nothing-like-it", "--bpp", shop.bpp, "--wait", "1",
                     "--data-dir", str(shop.buyer.data_dir), timeout=120, check=True)
    assert "no results" in nothing.stdout and "try" in nothing.stderr

    menu = tmp_path / "menu.csv"
    exported = duijie("menu", "export", "chuanshan", "-o", str(menu), *merchant, check=True)
    assert "wrote the menu of chuanshan" in exported.stdout and str(menu) in exported.stdout
    assert menu.read_text(encoding="utf-8").startswith("section_id,")


def test_search_without_data_dir_uses_the_one_obvious_node(shop: Shop) -> None:
    inside = duijie("search", "肉夹馍", "--no-live", cwd=shop.buyer.data_dir, env=EN, timeout=60)
    assert inside.returncode == 0, inside.stderr
    several = duijie("search", "肉夹馍", "--no-live", cwd=shop.root, env=EN | {"DUIJIE_DATA_DIR": ""})
    assert several.returncode == 2 and "several node data dirs here (buyer, restaurant)" in several.stderr
