"""Every package the node's code imports is a declared runtime dependency (pyproject.toml), and the
test-only ones (httpx) are not: a fresh install gets exactly what `duijie` needs."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(group: str | None = None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {_normal(re.split(r"[\[=<>!~;\s]", spec, maxsplit=1)[0]) for spec in specs}


def _imported_top_level() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted((ROOT / "src" / "duijie").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], path)
    return {m: p for m, p in found.items() if m != "duijie" and m not in sys.stdlib_module_names}


def test_every_imported_package_is_a_declared_runtime_dependency() -> None:
    declared = _declared()
    owners = packages_distributions()
    undeclared = {
        module: str(path.relative_to(ROOT))
        for module, path in _imported_top_level().items()
        if not any(_normal(dist) in declared for dist in owners.get(module, [module]))
    }
    assert undeclared == {}


def test_httpx_is_for_the_tests_only() -> None:
    assert "httpx" not in _declared()
    assert "httpx" in _declared("test")
    assert "httpx" not in _imported_top_level()
