"""Benchmark of a 云拼 pool: 2,000 pledges from 20 buyer nodes, then the close. One command; one JSON line.

    python bench/pool.py [--pledges 2000] [--buyers 20] [--concurrency 32] [--window 90]

Real processes on loopback: the organizer's node (``duijie serve``, listing the pool), the farm's
node (the producer of the apples, which receives the batch order) and a stand-in for the 20
buyer nodes (``bench/pool_sink.py``: it vouches for their 20 keys as the organizer's
``--registry`` and ACKs and keeps their callbacks). Each pledge is a signed Beckn ``confirm`` on
the pool's item from one of the 20 buyers (100 each), sent ``--concurrency`` at a time.

The pool's maximum is exactly the sum of the 2,000 pledges, so it falls due the moment the last
one is in (the rule "closes at the deadline or when the maximum is reached"): that moment is its
deadline here, whatever time pledging takes on a loaded machine.

Reported: ACKed pledges per second and complete pledges per second (until the last ``on_confirm``
with its signed pledge receipt reached the buyer), against a hello-world POST endpoint on the same
stack driven by the same client in the same run (ratios); then, from the last pledge's
confirmation, the seconds until every member's allocation (``on_status`` with the signed
allocation receipt) was delivered (target < 10 s); that the allocations sum to the batch (quantity
and money) at one unit price; that every receipt verifies with the organizer's key; and that the
farm confirmed the batch.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from harness import ROOT, ServerProcess, duijie, free_port, report, start_hello

from duijie.cli.node_setup import new_node_keys
from duijie.protocol.outbound import build_signed_request
from duijie.protocol.receipts import StaticKeySource, receipt_from_tags, verify_receipt
from duijie.storage.keyfiles import current_keys
from duijie.storage.node_config import load_config

FARM = ROOT / "src/duijie/demo/data/farm.json"
ORGANIZER_LISTING = ROOT / "src/duijie/demo/data/chuanshan.json"


def _start_sink(port: int, records: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench/pool_sink.py"), str(port), str(records)])
    for _ in range(400):
        try:
            httpx.post(f"http://127.0.0.1:{port}/hello", timeout=0.5)
            return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the buyers' sink did not start")


def _pledge_doc(bap_id: str, sink: str, org_id: str, org_uri: str, provider: str, pool_id: str,
                quantity: Decimal) -> dict[str, Any]:
    return {
        "context": {"domain": "nic2004:55204", "action": "confirm", "version": "1.1.0", "bap_id": bap_id,
                    "bap_uri": f"{sink}/beckn", "bpp_id": org_id, "bpp_uri": org_uri,
                    "transaction_id": str(uuid.uuid4()), "message_id": str(uuid.uuid4()),
                    "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"), "ttl": "PT30M"},
        "message": {"order": {"provider": {"id": provider}, "billing": {"name": "pool member"},
                              "items": [{"id": pool_id, "quantity": {"selected": {"measure": {
                                  "unit": "kg", "value": format(quantity, "f")}}}}]}},
    }


Request = tuple[bytes, dict[str, str]]


async def _send_all(url: str, requests: list[Callable[[], Request]], concurrency: int) -> tuple[float, int]:
    """POST every request (each made, and signed, just before it is sent: on a loaded machine a
    burst signed up front grows stale), ``concurrency`` in flight; (seconds, how many were ACKed)."""
    gate = asyncio.Semaphore(concurrency)
    acked = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        async def one(make: Callable[[], Request]) -> None:
            nonlocal acked
            async with gate:
                body, headers = make()
                for attempt in range(5):  # a dropped connection is sent again; a 409 then means it arrived
                    try:
                        resp = await client.post(url, content=body,
                                                 headers={**headers, "content-type": "application/json"})
                    except httpx.TransportError:
                        await asyncio.sleep(0.2 * (attempt + 1))
                        continue
                    acked += resp.status_code == 200 or (attempt > 0 and resp.status_code == 409)
                    return

        start = time.perf_counter()
        await asyncio.gather(*(one(make) for make in requests))
        return time.perf_counter() - start, acked


def _unsigned(make: Callable[[], Request]) -> Callable[[], Request]:
    return lambda: (make()[0], {})


def _receipt_problem(receipt: dict[str, Any] | None, source: StaticKeySource) -> str | None:
    if receipt is None:
        return "no receipt"
    check = verify_receipt(receipt, [source])
    return None if check.ok else "; ".join([*check.problems, *(s.reason or "" for s in check.signatures if not s.ok)])


def _count(sink: str, action: str) -> int:
    return int(httpx.get(f"{sink}/count/{action}", timeout=10).json()["count"])


def _wait_count(sink: str, action: str, want: int, limit_s: float) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if _count(sink, action) >= want:
            return True
        time.sleep(0.05)
    return False


def _dump(sink: str, action: str) -> list[tuple[float, dict[str, Any]]]:
    return [(r["t"], json.loads(r["body"])) for r in httpx.get(f"{sink}/dump/{action}", timeout=60).json()]


def _orders(received: list[tuple[float, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [doc["message"]["order"] for _, doc in received if "order" in (doc.get("message") or {})]


def _tags(order: dict[str, Any], code: str) -> dict[str, str]:
    for group in order.get("tags") or []:
        if (group.get("descriptor") or {}).get("code") == code:
            return {t["descriptor"]["code"]: t["value"] for t in group.get("list") or []}
    return {}


def _pool(org_dir: Path, pool_id: str) -> dict[str, Any]:
    out = duijie("pool", "show", pool_id, "--json", "--data-dir", str(org_dir), check=True)
    return dict(json.loads(out.stdout))


def run(root: Path, pledges: int, buyers: int, concurrency: int, window: int) -> dict[str, object]:
    org_port, farm_port, sink_port = free_port(), free_port(), free_port()
    sink = f"http://127.0.0.1:{sink_port}"
    now = datetime.now(UTC)
    keys = [new_node_keys(f"bench-buyer-{i:02d}", now) for i in range(buyers)]
    records = root / "buyers.json"
    records.write_text(json.dumps([{
        "subscriber_id": k.subscriber_id, "url": f"{sink}/beckn", "type": "BAP", "key_id": k.unique_key_id,
        "signing_public_key": k.signing.public_key_base64(), "valid_from": k.valid_from.isoformat(),
        "valid_until": k.valid_until.isoformat(), "status": "SUBSCRIBED"} for k in keys]))
    farm_dir, org_dir = root / "farm", root / "organizer"
    duijie("init", "--data-dir", str(farm_dir), "--url", f"http://127.0.0.1:{farm_port}/beckn", check=True)
    duijie("provider", "import", str(FARM), "--data-dir", str(farm_dir), check=True)
    duijie("init", "--data-dir", str(org_dir), "--url", f"http://127.0.0.1:{org_port}/beckn", check=True)
    duijie("provider", "import", str(ORGANIZER_LISTING), "--data-dir", str(org_dir), check=True)
    provider = json.loads(ORGANIZER_LISTING.read_text(encoding="utf-8"))["provider"]["id"]
    farm_provider = json.loads(FARM.read_text(encoding="utf-8"))["provider"]["id"]
    sink_proc = _start_sink(sink_port, records)
    farm = ServerProcess(farm_dir, farm_port).start(timeout=120)
    org = ServerProcess(org_dir, org_port, ["--registry", f"{sink}/registry"]).start(timeout=120)
    try:
        rng = random.Random(14)
        quantities = [Decimal(rng.randint(2, 40)) / 2 for _ in range(pledges)]  # 1 to 20 kg in halves
        # The maximum is exactly what will be pledged: the pool falls due the moment the last pledge
        # is in (its deadline then), however long pledging takes on a loaded machine.
        opened = duijie("pool", "open", "--data-dir", str(org_dir), "--producer", farm.base, "--provider",
                        farm_provider, "--offer", "apples", "--deadline", f"+{window}s", "--pickup",
                        "Rockville Town Square", "--maximum", format(sum(quantities, Decimal(0)), "f"), "--json",
                        check=True)
        pool_id = json.loads(opened.stdout)["id"]
        org_id = load_config(org_dir).subscriber_id
        def pledge(i: int, quantity: Decimal) -> Callable[[], Request]:
            key = keys[i % buyers]
            return lambda: build_signed_request(
                _pledge_doc(key.subscriber_id, sink, org_id, f"{org.base}/beckn", provider, pool_id, quantity),
                key, datetime.now(UTC), ttl_seconds=1800)

        requests = [pledge(i, q) for i, q in enumerate(quantities)]
        start = time.time()
        ack_seconds, acked = asyncio.run(_send_all(f"{org.base}/beckn/confirm", requests, concurrency))
        all_confirmed = _wait_count(sink, "on_confirm", pledges, 900)
        confirms = _dump(sink, "on_confirm")
        last_confirm = max((t for t, _ in confirms), default=time.time())
        errors = [doc["error"].get("message") for _, doc in confirms if doc.get("error")]
        all_allocated = _wait_count(sink, "on_status", pledges, 120)
        statuses = _dump(sink, "on_status")
        close_seconds = max((t for t, _ in statuses), default=time.time()) - last_confirm
        batch_deadline = time.monotonic() + 60
        shown = _pool(org_dir, pool_id)
        while shown.get("batch_state") not in ("confirmed", "refused") and time.monotonic() < batch_deadline:
            time.sleep(0.25)
            shown = _pool(org_dir, pool_id)
    finally:
        org.stop()
        farm.stop()
        sink_proc.terminate()
        sink_proc.wait()
    org_key = current_keys(org_dir, datetime.now(UTC))
    source = StaticKeySource("organizer", {(org_id, org_key.unique_key_id): org_key.signing.public_key_base64()})
    # A callback whose ACK was lost is sent again by the outbox: one per order id counts.
    orders = list({o["id"]: o for o in _orders(statuses)}.values())
    allocations = [_tags(o, "duijie.pool.allocation") for o in orders]
    receipts = [receipt_from_tags(o.get("tags")) for o in orders]
    pledge_receipts = [receipt_from_tags(o.get("tags")) for o in {o["id"]: o for o in _orders(confirms)}.values()]
    pledge_failures = [_receipt_problem(r, source) for r in pledge_receipts]
    pledge_failures = [p for p in pledge_failures if p]
    outcome = shown.get("outcome") or {}
    allocated_qty = sum((Decimal(a.get("quantity", "0")) for a in allocations), Decimal(0))
    allocated_money = sum((Decimal(a.get("total", "0")) for a in allocations), Decimal(0))
    hello_proc, hello_base = start_hello()
    try:
        # The same client work per request (each made and signed just before it is sent), to hello-world.
        hello_bodies = [_unsigned(make) for make in requests]
        hello_seconds, _ = asyncio.run(_send_all(f"{hello_base}/hello", hello_bodies, concurrency))
    finally:
        hello_proc.terminate()
        hello_proc.wait()
    pledge_seconds = last_confirm - start
    hello_rps = pledges / hello_seconds
    return {
        "pledges": pledges, "buyers": buyers, "concurrency": concurrency, "pledges_acked": acked,
        "pledge_errors": len(errors), "first_errors": errors[:3],
        "every_pledge_confirmed": all_confirmed and not errors,
        "pledge_ack_per_s": round(pledges / ack_seconds, 1), "pledges_per_s": round(pledges / pledge_seconds, 1),
        "hello_post_per_s": round(hello_rps, 1), "pledge_ack_ratio": round(pledges / ack_seconds / hello_rps, 3),
        "pledge_complete_ratio": round(pledges / pledge_seconds / hello_rps, 3),
        "close_seconds": round(close_seconds, 2), "target_close_seconds": 10,
        "every_allocation_delivered": all_allocated and len(orders) == pledges,
        "pool_state": shown.get("state"), "batch_state": shown.get("batch_state"),
        "pool_total": outcome.get("total"), "unit_price": outcome.get("unit_price"),
        "batch_total": outcome.get("batch_total"),
        "one_unit_price": len({a.get("unit_price") for a in allocations}) == 1,
        "allocations_sum_to_batch": (allocated_qty == Decimal(str(outcome.get("total", "-1")))
                                     and allocated_qty == sum(quantities, Decimal(0))
                                     and allocated_money == Decimal(str(outcome.get("batch_total", "-1")))),
        "every_allocation_receipt_verifies": len(receipts) == pledges
        and all(r is not None and verify_receipt(r, [source]).ok for r in receipts),
        "every_pledge_receipt_verifies": len(pledge_receipts) == pledges and not pledge_failures,
        "pledge_receipt_failures": pledge_failures[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pledges", type=int, default=2000)
    parser.add_argument("--buyers", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--window", type=int, default=3600,
                        help="Seconds to the deadline (the pool closes earlier: when its maximum is pledged).")
    args = parser.parse_args()
    import os

    os.environ.setdefault("DUIJIE_POOL_INTERVAL", "0.2")  # the closer's round: the close starts within 0.2 s
    with tempfile.TemporaryDirectory(prefix="duijie-pool-bench-") as tmp:
        report("pool", run(Path(tmp), args.pledges, args.buyers, args.concurrency, args.window))


if __name__ == "__main__":
    main()
