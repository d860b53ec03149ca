"""Real node processes for end-to-end tests: start `duijie ...`, wait until ready, always stop."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


# Below Linux's ephemeral range (32768-60999): a port the kernel hands out for an outgoing
# connection could otherwise be taken between our check and the server's bind.
_PORT_RANGE = (20000, 32000)
_handed_out: set[int] = set()


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive loopback ports that are all free now (none reused per run)."""
    for _ in range(500):
        base = random.randrange(_PORT_RANGE[0], _PORT_RANGE[1] - count)
        block = range(base, base + count)
        if not _handed_out.intersection(block) and all(_bindable(p) for p in block):
            _handed_out.update(block)
            return base
    raise RuntimeError(f"no {count} consecutive free ports in {_PORT_RANGE}")


def free_port() -> int:
    """A loopback port that is free now."""
    return free_ports(1)


# The command line speaks the locale's language; tests read its English unless they ask for another.
_ENGLISH = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}


def duijie(
    *args: str, check: bool = False, timeout: float = 60, input: str | None = None,
    env: dict[str, str] | None = None, cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess, as a user would (``env`` adds to the environment,
    e.g. ``LANG``; ``cwd`` is where it runs)."""
    proc = subprocess.run(
        [sys.executable, "-m", "duijie", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **_ENGLISH, **(env or {})},
        cwd=cwd,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"duijie {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


class ServerProcess:
    """A `duijie serve` process on loopback, stopped by the test however it ends."""

    def __init__(self, data_dir: Path, port: int, extra: Sequence[str] = ()) -> None:
        self.data_dir = data_dir
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.extra = list(extra)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir.parent / f"serve-{port}.log"

    def start(self, timeout: float = 30) -> ServerProcess:
        cmd = [sys.executable, "-m", "duijie", "serve", "--data-dir", str(self.data_dir), "--port", str(self.port),
               "--log-level", "warning", *self.extra]
        logf = open(self.log, "ab")  # noqa: SIM115 - the process owns it until it stops
        self.proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"server not ready in {timeout}s:\n{self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def kill(self) -> None:
        """Die without any chance to clean up, as a crash would."""
        self.stop(signal.SIGKILL)
