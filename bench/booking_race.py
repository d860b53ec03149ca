"""Benchmark: guests racing for the same rooms. One command; prints one JSON line.

    python bench/booking_race.py [--buyers 4] [--slots 50] [--per-slot 10] [--concurrency 16]
                                 [--baseline N] [--db postgresql+psycopg://user:pw@host/db]

A restaurant node (the 川陕名吃 listing) and ``--buyers`` guest nodes, each its own ``duijie serve``
on loopback. Each booking attempt is one ``POST /api/buy/bookings`` to a guest node (Beckn select,
init and confirm to the restaurant, each awaiting its callback), all fired at once with at most
``--concurrency`` in flight.

(a) Baseline, in the same run: ``--baseline`` (default ``slots x per-slot``) attempts, each for a
    KTV slot of its own (no contention), weeks further out than the race's.
(b) The race: ``per-slot`` attempts for each of ``slots`` KTV slots (10 days x 5 two-hour slots),
    spread over the guest nodes. Exactly one per slot must be confirmed and every other refused
    with a clear answer (HTTP 409 naming the taken slot), no 5xx; afterwards the restaurant's
    database must hold exactly one occupying booking per raced slot and no two occupying
    bookings overlapping on one resource.

Reported: attempts per second of each phase and their ratio, confirmed bookings per second in the
race, the outcome counts, and the database checks. ``--db`` puts the restaurant on PostgreSQL (in
a fresh schema, dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from harness import ROOT, ServerProcess, duijie, free_port, report
from sqlalchemy import bindparam, create_engine, func, select, text

from duijie.storage.engine import make_engine
from duijie.storage.tables import reservations

NY = ZoneInfo("America/New_York")
DEMO = ROOT / "src/duijie/demo/data/chuanshan.json"
STARTS = (11, 13, 15, 17, 19)
"""KTV slots of a day (two hours each, all ending before the 22:00 closing on any day)."""
OCCUPYING = ["HELD", "PENDING_APPROVAL", "CONFIRMED"]


def slots(first_day: date, count: int) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    day = first_day
    while len(out) < count:
        out += [(datetime(day.year, day.month, day.day, h, tzinfo=NY),
                 datetime(day.year, day.month, day.day, h + 2, tzinfo=NY)) for h in STARTS]
        day += timedelta(days=1)
    return out[:count]


async def attempt(client: httpx.AsyncClient, guest: tuple[str, str], body: dict[str, Any],
                  gate: asyncio.Semaphore) -> tuple[int, dict[str, Any]]:
    base, token = guest
    async with gate:
        try:
            resp = await client.post(f"{base}/api/buy/bookings", json=body,
                                     headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:  # counted (status 0), not fatal: the database check still runs
            return 0, {"transport_error": f"{type(exc).__name__}: {exc}"}
    try:
        return resp.status_code, resp.json()
    except ValueError:
        return resp.status_code, {"raw": resp.text[:200]}


async def phase(guests: list[tuple[str, str]], seller: str, seller_id: str,
                wanted: list[tuple[datetime, datetime]], concurrency: int) -> dict[str, Any]:
    gate = asyncio.Semaphore(concurrency)
    bodies = [{"bpp_uri": f"{seller}/beckn", "bpp_id": seller_id, "provider_id": "chuanshan", "resource_id": "ktv",
               "party": 6, "start": start.isoformat(), "end": end.isoformat(),
               "guest": {"name": f"Guest {i}", "phone": "+1-202-555-0100"}} for i, (start, end) in enumerate(wanted)]
    async with httpx.AsyncClient(timeout=120) as client:
        began = time.perf_counter()
        results = await asyncio.gather(*(attempt(client, guests[i % len(guests)], b, gate)
                                         for i, b in enumerate(bodies)))
        seconds = time.perf_counter() - began
    statuses = Counter(status for status, _ in results)
    confirmed = [r for s, r in results if s == 201 and r.get("fulfillment_state") == "CONFIRMED"]
    clear = [r for s, r in results if s == 409 and "already booked" in str((r.get("error") or {}).get("message"))]
    other = [(s, r) for s, r in results if not (s == 201 or (s == 409 and r in clear))]
    return {"attempts": len(bodies), "seconds": round(seconds, 2), "attempts_per_s": round(len(bodies) / seconds, 1),
            "confirmed": len(confirmed), "clear_refusals": len(clear),
            "server_errors": sum(n for s, n in statuses.items() if s >= 500),
            "transport_errors": statuses.get(0, 0),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "other_examples": [{"status": s, "body": json.dumps(r, ensure_ascii=False)[:300]} for s, r in other[:3]],
            "confirmed_per_s": round(len(confirmed) / seconds, 1)}


def overlaps(db_url: str) -> int:
    """Pairs of occupying bookings of one resource whose slots overlap, counted by the database."""
    engine = make_engine(db_url)
    query = text("""
        SELECT count(*) FROM reservations a JOIN reservations b
          ON a.provider_id = b.provider_id AND a.resource_id = b.resource_id AND a.id < b.id
         AND a.slot_start < b.slot_end AND b.slot_start < a.slot_end
         WHERE a.state IN ('HELD', 'PENDING_APPROVAL', 'CONFIRMED')
           AND b.state IN ('HELD', 'PENDING_APPROVAL', 'CONFIRMED')""")
    with engine.connect() as conn:
        found = int(conn.execute(query).scalar_one())
    engine.dispose()
    return found


def per_slot(db_url: str, wanted: list[tuple[datetime, datetime]]) -> Counter[int]:
    """How many slots of ``wanted`` hold 0, 1, 2... occupying bookings in the restaurant's database
    (the authority: a guest node that gave up waiting does not know how its confirm ended)."""
    engine = make_engine(db_url)
    r = reservations.c
    query = select(func.count()).select_from(reservations).where(
        r.resource_id == "ktv", r.slot_start == bindparam("start"), r.state.in_(OCCUPYING))
    found: Counter[int] = Counter()
    with engine.connect() as conn:
        for start, _ in wanted:
            found[int(conn.execute(query, {"start": start.astimezone(UTC)}).scalar_one())] += 1
    engine.dispose()
    return found


def _schema(db: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(db)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in db else "?"
    return schema, f"{db}{sep}options=-csearch_path%3D{schema}"


def _drop(db: str, schema: str) -> None:
    admin = create_engine(db)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--buyers", type=int, default=4)
    ap.add_argument("--slots", type=int, default=50)
    ap.add_argument("--per-slot", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--baseline", type=int, default=None,
                    help="uncontended attempts of the baseline (default: as many as the race's)")
    ap.add_argument("--db", default=None, help="PostgreSQL URL for the restaurant (default: SQLite)")
    args = ap.parse_args()
    schema, db_url = _schema(args.db) if args.db else (None, None)
    try:
        with tempfile.TemporaryDirectory(prefix="booking-race-") as tmp:
            race, baseline, doubled, held = run(Path(tmp), args, db_url)
    finally:
        if args.db and schema:
            _drop(args.db, schema)
    report("booking_race", {
        "database": "postgresql" if args.db else "sqlite", "buyer_nodes": args.buyers,
        "slots": args.slots, "attempts_per_slot": args.per_slot, "concurrency": args.concurrency,
        "race": race, "baseline_uncontended": baseline,
        "ratio_race_to_baseline": round(race["attempts_per_s"] / max(baseline["attempts_per_s"], 1e-9), 2),
        "exactly_one_per_slot": race["confirmed"] == args.slots,
        "every_other_refused_clearly": race["clear_refusals"] == args.slots * (args.per_slot - 1),
        "no_5xx": race["server_errors"] == 0 and baseline["server_errors"] == 0,
        "no_transport_errors": race["transport_errors"] == 0 and baseline["transport_errors"] == 0,
        "overlapping_bookings_in_db": doubled,
        "db_slots_by_bookings_held": {str(k): v for k, v in sorted(held.items())},
        "db_exactly_one_per_slot": held == Counter({1: args.slots}),
        "bookings_per_s": race["confirmed_per_s"], "attempts_per_s": race["attempts_per_s"],
    })


def run(root: Path, args: argparse.Namespace, db_url: str | None) -> tuple[dict[str, Any], dict[str, Any], int,
                                                                          Counter[int]]:
    """Start the nodes, run the baseline and the race, stop the nodes, check the database."""
    rport, gports = free_port(), [free_port() for _ in range(args.buyers)]
    rest = root / "restaurant"
    db_args = ["--db", db_url] if db_url else []
    duijie("init", "--data-dir", str(rest), "--url", f"http://127.0.0.1:{rport}/beckn", *db_args, check=True)
    duijie("provider", "import", str(DEMO), "--data-dir", str(rest), *db_args, check=True)
    registries = [a for p in gports for a in ("--registry", f"http://127.0.0.1:{p}/registry")]
    seller = ServerProcess(rest, rport, [*registries, *db_args])
    guests: list[ServerProcess] = []
    for i, port in enumerate(gports):
        duijie("init", "--data-dir", str(root / f"guest{i}"), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
        guests.append(ServerProcess(root / f"guest{i}", port, ["--registry", f"http://127.0.0.1:{rport}/registry"]))
    today = datetime.now(NY).date()
    race_slots = slots(today + timedelta(days=2), args.slots)
    try:
        seller.start(timeout=300)
        for g in guests:
            g.start(timeout=300)
        info = duijie("info", "--data-dir", str(rest), "--json", check=True).stdout
        seller_id = json.loads(info)["subscriber_id"]
        keys = [(g.base, (g.data_dir / "admin-token").read_text().strip()) for g in guests]
        # Warm-up: keys looked up, connections open.
        asyncio.run(phase(keys, seller.base, seller_id, slots(today + timedelta(days=200), len(keys) * 2), 4))
        total = args.baseline or args.slots * args.per_slot
        baseline = asyncio.run(phase(keys, seller.base, seller_id, slots(today + timedelta(days=40), total),
                                     args.concurrency))
        wanted = [s for s in race_slots for _ in range(args.per_slot)]
        race = asyncio.run(phase(keys, seller.base, seller_id, wanted, args.concurrency))
        time.sleep(2.0)  # confirms a guest node stopped waiting for still land at the restaurant
    finally:
        for g in guests:
            g.stop()
        seller.stop()
    database = db_url or f"sqlite:///{rest / 'node.db'}"
    return race, baseline, overlaps(database), per_slot(database, race_slots)


if __name__ == "__main__":
    main()
