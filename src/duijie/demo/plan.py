"""The demo network: which nodes run, what each hosts, and which roles each plays."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class DemoNode:
    """One node of the demo: a name, the listings it hosts and its roles."""

    name: str
    listings: tuple[str, ...]
    roles: tuple[str, ...]
    gateway: bool = False


DEMO_NODES: tuple[DemoNode, ...] = (
    DemoNode("chuanshan", ("chuanshan.json",), ("BPP",)),
    DemoNode("farm", ("farm.json",), ("BPP",)),
    DemoNode("factory", ("factory.json",), ("BPP",)),
    DemoNode("gateway", (), ("BG",), gateway=True),
    DemoNode("buyer", (), ("BAP",)),
)


def load_demo_document(name: str) -> dict[str, Any]:
    """Read one bundled demo listing document."""
    text = resources.files("duijie.demo").joinpath("data", name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
