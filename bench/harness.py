"""Shared bench plumbing: processes on loopback, wrk runs, and the one-JSON-line report."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.processes import ServerProcess, duijie, free_port  # noqa: E402


def start_hello() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "hello_app.py"), str(port)])
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/hello", timeout=0.5)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("hello-world baseline did not start")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    assert m, text
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(url: str, seconds: int = 10, connections: int = 32, script: Path | None = None,
        args: list[str] | None = None) -> dict[str, float]:
    """Run wrk (Debian package `wrk`) and return requests/s and latency percentiles in ms."""
    if shutil.which("wrk") is None:
        raise SystemExit("bench needs wrk: apt-get install wrk")
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    extra = ["--", *args] if args else []
    out = subprocess.run([*cmd, url, *extra], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "rps": rps,
        "requests": float(total.group(1)) if total else 0.0,
        "p50_ms": _ms(lat["50"]),
        "p99_ms": _ms(lat["99"]),
        "non_2xx": float(non2xx.group(1)) if non2xx else 0.0,
    }


def report(name: str, results: dict[str, object]) -> None:
    print(json.dumps({"bench": name, **results}, ensure_ascii=False), flush=True)


__all__ = ["ServerProcess", "duijie", "free_port", "report", "start_hello", "wrk", "ROOT"]
