"""Search benchmark: build N synthetic listings, time queries through SearchIndex.query.

    /work/venv/bin/python bench/search.py [--n 1000000] [--pg URL] [--pg-n 100000]

Prints ONE JSON line: build time (bulk add, then ``optimize``), p50/p95 latency (ms) of
two-character, three-character, English and filtered queries through ``SearchIndex.query``
and, as the baseline measured in the same run on the same data, the same terms as a raw
FTS5 MATCH ranked by bm25 (SQLite) or a raw tsquery ranked by ts_rank (PostgreSQL), with the
same filters as SQL conditions for the filtered class; ratios are query-path / baseline.
``target_met`` says whether every class is at or under ``--target-p95`` ms. The semantic part
is off unless ``--semantic-n`` is given (measured on a separate, smaller index).

PostgreSQL (``--pg URL`` or ``DUIJIE_BENCH_PG_URL``; never the test database) drops and
rebuilds the search tables there: give it a database of its own
(``PG_DB=duijie_bench bash scripts/pg-test-setup.sh`` prints one).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from duijie.search import SearchDocument, SearchQuery, open_index  # noqa: E402
from duijie.search.base import BaseSearchIndex  # noqa: E402
from duijie.search.filters import bounding_box  # noqa: E402
from duijie.search.postgres_index import tsquery  # noqa: E402
from duijie.search.sqlite_index import fts_match  # noqa: E402
from duijie.search.tokenize import query_terms  # noqa: E402

CITIES = {
    "xian": (34.2655, 108.9542),
    "chengdu": (30.5728, 104.0668),
    "nyc": (40.7580, -73.8303),
    "beijing": (39.9042, 116.4074),
    "lanzhou": (36.0611, 103.8343),
}
MODIFIERS = [
    ("麻辣", "spicy"),
    ("酸辣", "hot and sour"),
    ("红烧", "braised"),
    ("清蒸", "steamed"),
    ("秘制", "secret recipe"),
    ("手工", "handmade"),
    ("特色", "special"),
    ("家常", "home style"),
    ("香辣", "fragrant spicy"),
    ("老式", "old style"),
    ("", ""),
    ("", ""),
]
INGREDIENTS = [
    ("羊肉", "lamb"),
    ("牛肉", "beef"),
    ("猪肉", "pork"),
    ("鸡肉", "chicken"),
    ("鱼", "fish"),
    ("豆腐", "tofu"),
    ("土豆", "potato"),
    ("茄子", "eggplant"),
    ("白菜", "cabbage"),
    ("虾", "shrimp"),
    ("鸭", "duck"),
    ("蘑菇", "mushroom"),
    ("鸡蛋", "egg"),
    ("韭菜", "chive"),
    ("排骨", "spare rib"),
    ("肥肠", "intestine"),
    ("腊肉", "cured pork"),
    ("番茄", "tomato"),
    ("酸菜", "pickled cabbage"),
    ("黄瓜", "cucumber"),
]
DISHES = [
    ("面", "noodles", "noodles"),
    ("凉皮", "cold skin noodles", "noodles"),
    ("泡馍", "bread soup", "soup"),
    ("夹馍", "bun", "street food"),
    ("饺子", "dumplings", "dumplings"),
    ("包子", "steamed buns", "dumplings"),
    ("米线", "rice noodles", "noodles"),
    ("火锅", "hotpot", "hotpot"),
    ("汤", "soup", "soup"),
    ("粥", "congee", "soup"),
    ("饼", "pancake", "street food"),
    ("炒饭", "fried rice", "rice"),
    ("盖饭", "rice bowl", "rice"),
    ("串", "skewers", "bbq"),
    ("烧烤", "barbecue", "bbq"),
    ("馄饨", "wontons", "dumplings"),
    ("拌面", "mixed noodles", "noodles"),
    ("锅贴", "potstickers", "dumplings"),
    ("砂锅", "clay pot", "hotpot"),
    ("凉菜", "cold dish", "cold dish"),
]
SHOP_SYLLABLES = list("福禄寿喜春秋东西南北金玉满堂老王李张刘陈杨赵黄周吴记轩阁楼坊")
DIETS = [(), (), (), ("vegetarian",), ("halal",), ("spicy",), ("halal", "spicy")]

TWO_CHAR = ["凉皮", "米线", "火锅", "饺子", "牛肉", "泡馍", "锅贴", "馄饨", "砂锅", "腊肉"]
THREE_CHAR = [
    "牛肉面",
    "羊肉汤",
    "肉夹馍",
    "酸辣粉",
    "鸡肉饼",
    "排骨汤",
    "豆腐汤",
    "虾饺子",
    "麻辣烫",
    "土豆饼",
]
ENGLISH = [
    "beef noodles",
    "lamb",
    "cold skin",
    "dumplings",
    "spicy tofu",
    "rice bowl",
    "hotpot",
    "duck",
    "congee",
    "braised pork",
]


def synthetic_docs(n: int, seed: int = 7) -> Iterator[SearchDocument]:
    """N listings spread over a few cities; zh and en names from word lists."""
    rnd = random.Random(seed)
    cities = list(CITIES.items())
    for i in range(n):
        mod, ing, dish = rnd.choice(MODIFIERS), rnd.choice(INGREDIENTS), rnd.choice(DISHES)
        city, (lat, lon) = cities[i % len(cities)]
        shop = "".join(rnd.choice(SHOP_SYLLABLES) for _ in range(2))
        provider = f"prov{i // 20}"
        yield SearchDocument(
            doc_id=f"{provider}/item/{i}",
            provider_id=provider,
            kind="item",
            title_zh=f"{mod[0]}{ing[0]}{dish[0]}",
            title_en=f"{mod[1]} {ing[1]} {dish[1]}".strip(),
            body=f"{shop}小吃 {city}",
            category=dish[2],
            diet=rnd.choice(DIETS),
            price=Decimal(rnd.randint(300, 9000)) / 100,
            currency="CNY",
            lat=lat + rnd.gauss(0, 0.08),
            lon=lon + rnd.gauss(0, 0.08),
            hours="Mo-Su 10:00-22:00",
            timezone="Asia/Shanghai",
        )


def percentiles(samples: list[float]) -> dict[str, float]:
    qs = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": round(qs[49], 3), "p95": round(qs[94], 3)}


def timed(fn: Callable[[str], object], texts: list[str], rounds: int) -> list[float]:
    out: list[float] = []
    for _ in range(rounds):
        for t in texts:
            t0 = time.perf_counter()
            fn(t)
            out.append((time.perf_counter() - t0) * 1000)
    return out


NEAR, WITHIN_KM, MAX_PRICE, CATEGORY = CITIES["xian"], 5.0, Decimal("50"), "noodles"
Baseline = Callable[[str, bool], object]


def measure(index: BaseSearchIndex, baseline: Baseline, rounds: int, target: float) -> dict[str, object]:
    """p50/p95 of each query class through the index and through the raw baseline."""
    near = NEAR

    def q(text: str) -> object:
        return index.query(SearchQuery(text=text, limit=20, semantic=False))

    def filtered(text: str) -> object:
        return index.query(
            SearchQuery(
                text=text,
                near=near,
                within_km=WITHIN_KM,
                max_price=MAX_PRICE,
                category=CATEGORY,
                limit=20,
                semantic=False,
            )
        )

    for t in TWO_CHAR + ENGLISH:  # warm caches
        q(t), filtered(t), baseline(t, False), baseline(t, True)
    res: dict[str, object] = {}
    classes = (
        ("two_char", TWO_CHAR, q, False),
        ("three_char", THREE_CHAR, q, False),
        ("english", ENGLISH, q, False),
        ("filtered", TWO_CHAR, filtered, True),
    )
    worst = 0.0
    for name, texts, fn, with_filters in classes:
        idx = percentiles(timed(fn, texts, rounds))
        raw = percentiles(timed(lambda t, w=with_filters: baseline(t, w), texts, max(1, rounds // 4)))
        worst = max(worst, idx["p95"])
        res[name] = {"index_ms": idx, "raw_ms": raw, "p95_ratio": round(idx["p95"] / max(raw["p95"], 1e-3), 3)}
    res["filtered"]["filters"] = "two-char words, near xian 5 km, price <= 50, category noodles"  # type: ignore[index]
    res["hits"] = {
        "凉皮": len(q("凉皮")),  # type: ignore[arg-type]
        "beef noodles": len(q("beef noodles")),  # type: ignore[arg-type]
        "filtered 凉皮": len(filtered("凉皮")),  # type: ignore[arg-type]
        "filtered 火锅": len(filtered("火锅")),  # type: ignore[arg-type]
    }
    res["worst_p95_ms"] = worst
    res["target_p95_ms"] = target
    res["target_met"] = worst <= target
    return res


def filter_sql(p: Callable[[str], str]) -> tuple[str, dict[str, object]]:
    """The bench's filters as raw SQL over alias d; ``p`` spells a named parameter."""
    lat0, lat1, lon0, lon1 = bounding_box(NEAR[0], NEAR[1], WITHIN_KM)
    sql = (
        f" AND d.category_key = {p('cat')} AND d.price_value <= {p('maxp')}"
        f" AND d.lat BETWEEN {p('lat0')} AND {p('lat1')} AND d.lon BETWEEN {p('lon0')} AND {p('lon1')}"
    )
    return sql, {"cat": CATEGORY, "maxp": float(MAX_PRICE), "lat0": lat0, "lat1": lat1, "lon0": lon0, "lon1": lon1}


def sqlite_run(n: int, rounds: int, path: str, target: float) -> dict[str, object]:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        for p in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "cache_size=-262144",
            "mmap_size=1073741824",
            "temp_store=MEMORY",
        ):
            cur.execute(f"PRAGMA {p}")
        cur.close()

    fsql, fparams = filter_sql(lambda k: f":{k}")
    sql = (
        "SELECT d.id FROM search_fts JOIN search_doc AS d ON d.id = search_fts.rowid"
        " WHERE search_fts MATCH :m{filters} ORDER BY rank LIMIT 20"
    )
    res = build_and_measure(engine, n, rounds, target, sql, fsql, fparams,
                            lambda text: {"m": fts_match(query_terms(text))})
    res["db_mb"] = round(os.path.getsize(path) / 2**20, 1)
    return res


def pg_run(url: str, n: int, rounds: int, target: float) -> dict[str, object]:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS search_vec, search_doc")
    fsql, fparams = filter_sql(lambda k: f"%({k})s")
    sql = (
        "SELECT d.id FROM search_doc AS d, to_tsquery('simple', %(q)s) q WHERE d.tsv @@ q"
        "{filters} ORDER BY ts_rank(d.tsv, q) DESC LIMIT 20"
    )
    return build_and_measure(engine, n, rounds, target, sql, fsql, fparams,
                             lambda text: {"q": tsquery(query_terms(text))})


def build_and_measure(
    engine: Engine, n: int, rounds: int, target: float, baseline_sql: str, fsql: str,
    fparams: dict[str, object], text_params: Callable[[str], dict[str, object]],
) -> dict[str, object]:
    """Build the index of ``n`` listings, then time its queries against the raw baseline SQL.

    ``baseline_sql`` has a ``{filters}`` slot that the filtered queries fill with ``fsql``.
    """
    index = open_index(engine, semantic=False)
    t0 = time.perf_counter()
    index.add(synthetic_docs(n))
    add_s = time.perf_counter() - t0
    index.optimize()
    build_s = time.perf_counter() - t0
    raw_conn = engine.raw_connection()

    def baseline(text: str, with_filters: bool) -> object:
        cur = raw_conn.cursor()
        cur.execute(baseline_sql.format(filters=fsql if with_filters else ""),
                    {**text_params(text), **(fparams if with_filters else {})})
        return cur.fetchall()

    try:
        return {
            "n": n,
            "build_s": round(build_s, 1),
            "add_s": round(add_s, 1),
            "docs_per_s": round(n / build_s),
            **measure(index, baseline, rounds, target),
        }
    finally:
        raw_conn.close()


def semantic_run(n: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        index = open_index(create_engine(f"sqlite:///{tmp}/sem.db"), semantic=True)
        t0 = time.perf_counter()
        index.encoder.encode(["warm up"])
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        index.add(synthetic_docs(n))
        build_s = time.perf_counter() - t0
        index.query(SearchQuery(text="lamb soup"))
        lat = timed(lambda t: index.query(SearchQuery(text=t)), ENGLISH, 5)
        return {
            "n": n,
            "model_load_s": round(load_s, 2),
            "build_s": round(build_s, 1),
            "english_with_semantic_ms": percentiles(lat),
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=20, help="repetitions of each 10-query set")
    ap.add_argument("--pg", default=os.environ.get("DUIJIE_BENCH_PG_URL"), help="PostgreSQL URL (dropped and rebuilt)")
    ap.add_argument("--pg-n", type=int, default=None, help="documents for PostgreSQL (default: --n)")
    ap.add_argument("--semantic-n", type=int, default=0, help="also time semantic search at this N")
    ap.add_argument("--db", default=None, help="SQLite file (default: a temporary file)")
    ap.add_argument("--target-p95", type=float, default=20.0, help="p95 target (ms) for every class")
    ap.add_argument("--skip-sqlite", action="store_true", help="only run PostgreSQL")
    args = ap.parse_args()
    out: dict[str, object] = {"bench": "search"}
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            out["sqlite"] = sqlite_run(args.n, args.rounds, args.db or f"{tmp}/bench.db", args.target_p95)
        print(json.dumps(out["sqlite"], ensure_ascii=False), file=sys.stderr, flush=True)  # early, in case PG is slow
    if args.pg:
        out["postgres"] = pg_run(args.pg, args.pg_n or args.n, args.rounds, args.target_p95)
    if args.semantic_n:
        out["semantic"] = semantic_run(args.semantic_n)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
