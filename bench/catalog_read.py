"""Benchmark: GET /api/providers/{id} for 川陕名吃 against a hello-world endpoint, same stack.

Also times the import of a 10,000-item menu CSV. One command; prints one JSON line.
    python bench/catalog_read.py [--seconds 10]
Target: rps ratio (listing / hello) >= 0.5; 10k-item CSV import <= 5 s (wall, whole command; its CPU
seconds are reported beside it).
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import tempfile
import time
from pathlib import Path

from harness import ROOT, ServerProcess, duijie, free_port, report, start_hello, wrk


def synthetic_menu(n: int, header_source: str) -> str:
    """n items in the CSV format of the demo menu, reusing its header."""
    header = next(csv.reader(io.StringIO(header_source)))
    rows = list(csv.DictReader(io.StringIO(header_source)))
    template = rows[0]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for i in range(n):
        row = dict(template)
        row["item_id"] = f"bench-{i:05d}"
        row["name_zh"] = f"测试菜{i}"
        row["name_en"] = f"Bench dish {i}"
        writer.writerow(row)
    return out.getvalue()


def _children_cpu() -> float:
    """User and system CPU seconds of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        port = free_port()
        data = root / "node"
        duijie("init", "--data-dir", str(data), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
        duijie("provider", "import", str(ROOT / "src/duijie/demo/data/chuanshan.json"), "--data-dir", str(data),
               check=True)

        menu = duijie("menu", "export", "chuanshan", "--data-dir", str(data), check=True).stdout
        big = root / "menu-10k.csv"
        big.write_text(synthetic_menu(10_000, menu), encoding="utf-8")
        # A second node so the big menu does not slow the read benchmark's listing.
        data2 = root / "node2"
        duijie("init", "--data-dir", str(data2), check=True)
        duijie("provider", "import", str(ROOT / "src/duijie/demo/data/chuanshan.json"), "--data-dir", str(data2),
               check=True)
        # CPU seconds of the import process beside its wall time: on a machine busy with other
        # benchmarks the wall time says more about the neighbours than about the import.
        cpu0 = _children_cpu()
        t0 = time.perf_counter()
        duijie("menu", "import", "chuanshan", str(big), "--data-dir", str(data2), check=True, timeout=120)
        import_s = time.perf_counter() - t0
        import_cpu_s = _children_cpu() - cpu0

        hello_proc, hello_base = start_hello()
        server = ServerProcess(data, port).start()
        try:
            wrk(f"{server.base}/api/providers/chuanshan", seconds=2, connections=args.connections)  # warm-up
            listing = wrk(f"{server.base}/api/providers/chuanshan", args.seconds, args.connections)
            hello = wrk(f"{hello_base}/hello", args.seconds, args.connections)
        finally:
            server.stop()
            hello_proc.terminate()
            hello_proc.wait()

    report(
        "catalog_read",
        {
            "listing_rps": listing["rps"],
            "listing_p99_ms": listing["p99_ms"],
            "listing_non_2xx": listing["non_2xx"],
            "hello_rps": hello["rps"],
            "hello_p99_ms": hello["p99_ms"],
            "rps_ratio": round(listing["rps"] / hello["rps"], 3),
            "target_rps_ratio": 0.5,
            "menu_csv_10k_import_s": round(import_s, 2),
            "menu_csv_10k_import_cpu_s": round(import_cpu_s, 2),
            "target_import_s": 5.0,
        },
    )


if __name__ == "__main__":
    main()
