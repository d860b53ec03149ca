"""The parts behind a first hour without surprises: plain refusals, the obvious node, the merchant's
order with the buyer and the local pickup time, and the seller's log line without the phone."""

from __future__ import annotations

import itertools
import json
import logging
import tempfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
from tests.unit.services.fakes import FakeListings, FakeUnitOfWork

from duijie.cli.common import Failure
from duijie.cli.node_client import refusal_text
from duijie.cli.obvious_node import DEMO_FILE, obvious_data_dir, running_demo_note, write_demo_notes
from duijie.cli.orders_cmds import pickup_time
from duijie.domain.cart import Cart, CartLine, Pickup
from duijie.domain.listing import Listing
from duijie.domain.orders import Billing
from duijie.interchange.listing_json import listing_from_document
from duijie.services.trade.food.orders import Buyer, DraftTerms, FoodOrders
from duijie.services.trade.merchant import order_view


def test_a_sellers_refusal_reads_plainly_with_its_field() -> None:
    body = {"error": {"code": "seller_refused:30004", "field": "message.order.items[0].id",
                      "message": "on_select: item 'nope' is not on the menu (code 30004)"}}
    said = refusal_text(409, body, json.dumps(body))
    assert said == "item 'nope' is not on the menu (field: message.order.items[0].id)"
    assert "on_select" not in said and "409" not in said and "POST" not in said


def test_every_problem_of_a_refused_input_is_one_line_each() -> None:
    body = {"error": {"code": "invalid", "message": "$.name: required", "field": "$.name",
                      "details": [{"path": "$.name", "reason": "required"}, {"path": "$.phone", "reason": "required"}]}}
    assert refusal_text(422, body, "").splitlines() == ["refused: 2 problem(s)", "  $.name: required",
                                                        "  $.phone: required"]


def test_a_message_naming_its_field_is_not_repeated_and_a_bare_401_is_explained() -> None:
    body = {"error": {"code": "bad_request", "message": "state: unknown 'x'", "field": "state"}}
    assert refusal_text(400, body, "") == "state: unknown 'x'"
    assert "admin token" in refusal_text(401, None, "")


def _node(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    return path


@pytest.fixture
def private_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The running-demo note lives in the temporary directory: give each test its own."""
    notes = tmp_path / "tmp"
    notes.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(notes))
    return notes


def test_the_obvious_node_is_here_or_the_only_one_below(private_tmp: Path, tmp_path: Path) -> None:
    here = _node(tmp_path / "shop")
    assert obvious_data_dir(here) == here
    assert obvious_data_dir(tmp_path) == here  # the only node subdirectory ("tmp" holds no config)
    _node(tmp_path / "diner")
    with pytest.raises(Failure, match="several node data dirs here"):
        obvious_data_dir(tmp_path)


def test_a_demo_root_and_a_running_demo_point_at_their_buyer(private_tmp: Path, tmp_path: Path) -> None:
    root = tmp_path / "demo"
    for name in ("chuanshan", "gateway"):
        _node(root / name)
    buyer = _node(root / "buyer")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert obvious_data_dir(elsewhere) is None  # no demo running yet
    write_demo_notes(root, buyer)
    assert (root / DEMO_FILE).is_file()
    assert obvious_data_dir(root) == buyer  # several nodes, but a demo root says which one buys
    assert obvious_data_dir(elsewhere) == buyer  # the demo running now
    note = json.loads(running_demo_note().read_text())
    running_demo_note().write_text(json.dumps(note | {"pid": 2**22 + 12345}))  # a demo long gone
    assert obvious_data_dir(elsewhere) is None


def test_pickup_time_is_the_locations_clock() -> None:
    pickup = {"location_id": "rockville", "at": "2026-11-28T03:30:00+00:00", "time_zone": "America/New_York"}
    assert pickup_time(pickup) == "2026-11-27 22:30 EST"
    assert pickup_time({"location_id": "rockville", "at": None}) == "as soon as possible"


@pytest.fixture(scope="module")
def chuanshan() -> Listing:
    text = resources.files("duijie.demo").joinpath("data", "chuanshan.json").read_text(encoding="utf-8")
    return listing_from_document(json.loads(text))


def test_a_new_order_is_logged_without_the_phone_and_shown_with_buyer_and_zone(
    chuanshan: Listing, caplog: pytest.LogCaptureFixture
) -> None:
    uow = FakeUnitOfWork(FakeListings(chuanshan))
    ids = itertools.count(1)
    orders = FoodOrders(lambda: f"O-{next(ids)}")
    buyer = Buyer("diner.test", "tx-1")
    now = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    orders.quote(uow, buyer, chuanshan, DraftTerms(cart=Cart("chuanshan", (CartLine("roujiamo", 2),))), now,
                 need_pickup=False)
    terms = DraftTerms(pickup=Pickup("rockville", datetime(2026, 11, 28, 3, 30, tzinfo=UTC)),
                       billing=Billing("王芳", "+1-202-555-0100"))
    with caplog.at_level(logging.INFO, logger="duijie.seller"):
        order = orders.confirm(uow, buyer, chuanshan, terms, now, bap_uri="http://diner.test/beckn",
                               context={"bap_id": "diner.test", "transaction_id": "tx-1"})
    lines = [r.getMessage() for r in caplog.records if r.name == "duijie.seller"]
    assert lines == [f"new order {order.id}: 2 item(s), total 13.90 USD, pickup at rockville 2026-11-27 22:30 EST"]
    assert "555-0100" not in caplog.text and "王芳" not in caplog.text
    view = order_view(order, chuanshan)
    assert view["billing"]["name"] == "王芳" and view["billing"]["phone"] == "+1-202-555-0100"
    assert view["pickup"]["time_zone"] == "America/New_York"
    assert pickup_time(view["pickup"]) == "2026-11-27 22:30 EST"


def test_provider_import_takes_a_bom_and_lists_every_problem_of_a_bad_listing(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from duijie.cli.main import cli

    runner = CliRunner()
    node = str(tmp_path / "node")
    assert runner.invoke(cli, ["init", "--data-dir", node]).exit_code == 0
    doc = json.loads(resources.files("duijie.demo").joinpath("data", "chuanshan.json").read_text(encoding="utf-8"))
    with_bom = tmp_path / "excel.json"
    with_bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    imported = runner.invoke(cli, ["provider", "import", str(with_bom), "--data-dir", node])
    assert imported.exit_code == 0 and "imported provider chuanshan" in imported.output
    del doc["provider"]["name"]
    doc["catalog"]["items"][0]["price"]["currency"] = "RMB"
    doc["catalog"]["items"][2]["section_id"] = "nope"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    refused = runner.invoke(cli, ["provider", "import", str(bad), "--data-dir", node])
    assert refused.exit_code == 2
    assert "rejected: 3 problem(s), nothing was changed" in refused.output
    for path in ("$.provider.name", "$.catalog.items[0].price", "$.catalog.items[2].section_id"):
        assert f"{bad}: {path}:" in refused.output
