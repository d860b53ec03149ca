"""A job posting as a search result shows how to apply with the ad's phone numbers: from the posting
(the local index's row) and from the Beckn item another node answered with (a live row, kind job)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from duijie.interchange.listing_json import listing_from_document
from duijie.protocol.mapping import jobs as jm
from duijie.protocol.mapping.catalog import provider_to_beckn
from duijie.search import SearchDocument
from duijie.services.buyer_ports import StoredCallback
from duijie.services.discovery_ports import StoredCatalog
from duijie.services.index import LocalIndex, index_key
from duijie.services.live_answers import answer_documents, answers_of, describe_live
from duijie.services.trade.jobs.views import item_view, posting_view

DEMO = Path(__file__).resolve().parents[3] / "src" / "duijie" / "demo" / "data" / "chuanshan.json"
LISTING = listing_from_document(json.loads(DEMO.read_text()))
CASHIER = next(p for p in LISTING.jobs if p.id == "cashier")
PHONES = ["+1-202-636-3588", "+1-202-534-1620", "+1-301-875-5144"]
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_the_indexed_row_of_a_posting_says_how_to_apply() -> None:
    job = posting_view(CASHIER)["job"]
    assert job["phones"] == PHONES and job["employment_type"] == "full_time" and job["languages"] == ["en", "zh"]
    assert "please call: +1-202-636-3588 (DC)" in job["how_to_apply"]


def test_a_live_job_item_is_a_job_row_with_its_phone_numbers() -> None:
    provider = provider_to_beckn(LISTING, ())
    jm.add_postings(provider, LISTING, [(CASHIER, 1)])
    item = provider["items"][0]
    assert item_view(item)["job"] == {**posting_view(CASHIER)["job"], "openings": 1}
    doc = {"context": {"bpp_uri": "http://shop.example/beckn"}, "message": {"catalog": {"providers": [provider]}}}
    [answer] = answers_of([StoredCallback(1, "t", "m", "on_search", "shop.example", doc, NOW)])
    jobs = [d for d in answer_documents(answer, SearchDocument, NOW) if d.kind == "job"]
    assert {d.doc_id for d in jobs} == {f"shop.example|chuanshan/item/job-cashier@{x}" for x in ("dc", "rockville")}
    hit = SimpleNamespace(doc_id=jobs[0].doc_id, kind="job", title="收银员 / Cashier", score=1.0, why=(), price=None,
                          currency=None, distance_km=None)
    assert describe_live(hit, answer, NOW)["job"]["phones"] == PHONES


def test_the_local_index_row_of_a_job_carries_its_phone_numbers() -> None:
    catalog = StoredCatalog("shop.example", "chuanshan", 1, "d", json.dumps({"listing": json.loads(DEMO.read_text())}),
                            NOW)
    key = index_key("shop.example", "chuanshan")
    hit = SimpleNamespace(provider_id=key, doc_id=f"{key}/job/cashier@dc", kind="job", node_url="http://shop.example",
                          title="收银员 / Cashier", score=1.0, why=(), price=None, currency=None, distance_km=None)
    row = LocalIndex._row(hit, {key: catalog}, {}, [], NOW)
    assert row is not None and row["job"]["phones"] == PHONES
