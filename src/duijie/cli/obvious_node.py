"""Which node a client command talks to when no ``--data-dir`` or ``--node`` says so.

In order: the current directory when it is a node data dir; in a demo root (``duijie demo
--root``), its buyer node; the only node data dir among the current directory's subdirectories;
else the buyer node of the `duijie demo` running now for this user (the demo leaves a note in
the temporary directory while it runs). Several candidates and no demo are a :class:`Failure`
that names them: guessing one could send an order from the wrong node.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from duijie.cli.common import Failure
from duijie.l10n.cli_text import _
from duijie.storage.node_config import CONFIG_FILE

DEMO_FILE = "demo.json"
"""Written by `duijie demo` into its root: the nodes and which one is the buyer."""


def running_demo_note() -> Path:
    """Where a running `duijie demo` notes its root, one per user of the machine."""
    return Path(tempfile.gettempdir()) / f"duijie-demo-{os.getuid()}.json"


def write_demo_notes(root: Path, buyer_dir: Path) -> None:
    """Note the demo's buyer node in its root and as the running demo of this user."""
    note = json.dumps({"root": str(root), "buyer": str(buyer_dir), "pid": os.getpid()})
    (root / DEMO_FILE).write_text(note, encoding="utf-8")
    running_demo_note().write_text(note, encoding="utf-8")


def clear_running_demo_note() -> None:
    """The demo stopped: its buyer is no longer the obvious node (only if the note is ours)."""
    note = running_demo_note()
    if _read(note).get("pid") == os.getpid():
        note.unlink(missing_ok=True)


def _read(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _alive(pid: object) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _buyer(note: dict[str, object]) -> Path | None:
    buyer = note.get("buyer")
    return Path(buyer) if isinstance(buyer, str) and (Path(buyer) / CONFIG_FILE).is_file() else None


def obvious_data_dir(here: Path | None = None) -> Path | None:
    """The one node data dir in sight (see the module doc), or None when there is none."""
    here = here or Path.cwd()
    if (here / CONFIG_FILE).is_file():
        return here
    in_demo_root = _buyer(_read(here / DEMO_FILE))
    if in_demo_root is not None:
        return in_demo_root
    try:
        found = [d for d in sorted(here.iterdir()) if d.is_dir() and (d / CONFIG_FILE).is_file()]
    except OSError:
        found = []
    if len(found) > 1:
        raise Failure(_("several node data dirs here ({names}): give --data-dir")
                      .format(names=", ".join(d.name for d in found)))
    if found:
        return found[0]
    running = _read(running_demo_note())
    return _buyer(running) if _alive(running.get("pid")) else None
