"""Benchmark: how long the command line takes to start. One command; prints one JSON line.

    python bench/cli_start.py [--runs 5]

Each command runs ``--runs`` times as a fresh process; the medians of wall time and of CPU time
(user + system of the child, from ``getrusage``) are reported, and their ratio to the baseline
``python -c pass`` measured in the same run (same interpreter, same machine load):

- ``duijie --help``: the command tree alone;
- ``duijie orders list --data-dir NODE`` (NODE made with ``duijie init`` in a temporary folder):
  the merchant's inbox, asked of the running node; none runs, so it ends at once with its
  one-line failure (exit 2) -- what is timed is the start-up and the refused connection;
- ``duijie provider list --data-dir NODE``: a command that opens the node's database, checking
  its schema revision on the way.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DUIJIE = [sys.executable, "-m", "duijie"]


def _once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``argv`` (exit 0, or 2: a user error such as no node running)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode not in (0, 2):
        raise SystemExit(f"{argv} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(argv: list[str], runs: int, env: dict[str, str]) -> dict[str, float]:
    """Median wall and CPU seconds of ``runs`` runs of ``argv``."""
    samples = [_once(argv, env) for _ in range(runs)]
    return {"wall_s": round(statistics.median(w for w, _ in samples), 4),
            "cpu_s": round(statistics.median(c for _, c in samples), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "LANG": "C.UTF-8"}
    env.pop("DUIJIE_DATA_DIR", None)
    with tempfile.TemporaryDirectory() as tmp:
        node = Path(tmp) / "node"
        subprocess.run([*DUIJIE, "init", "--data-dir", str(node)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([*DUIJIE, "provider", "list", "--data-dir", str(node)], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # the schema is made once, before timing
        commands = {
            "python_pass": [sys.executable, "-c", "pass"],
            "duijie_help": [*DUIJIE, "--help"],
            "duijie_orders_list": [*DUIJIE, "orders", "list", "--data-dir", str(node)],
            "duijie_provider_list": [*DUIJIE, "provider", "list", "--data-dir", str(node)],
        }
        results = {name: measure(argv, args.runs, env) for name, argv in commands.items()}
    base = results["python_pass"]
    for name in ("duijie_help", "duijie_orders_list", "duijie_provider_list"):
        results[name]["wall_ratio"] = round(results[name]["wall_s"] / base["wall_s"], 1)
        results[name]["cpu_ratio"] = round(results[name]["cpu_s"] / max(base["cpu_s"], 1e-3), 1)
    print(json.dumps({"bench": "cli_start", "runs": args.runs, **results}))


if __name__ == "__main__":
    main()
