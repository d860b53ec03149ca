"""Validate messages against the Beckn core 1.1.1 transaction API (test support only).

The spec files are CC BY-NC-SA and are NOT part of this repository; they are read from
``<repo>/../shared/specs/beckn``. Where that folder is absent (a user's clone), the tests that
need it skip with a printed reason. Override the location with ``DUIJIE_BECKN_SPEC_DIR``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TRANSACTION_YAML = Path("api/transaction/build/transaction.yaml")
_URN = "urn:beckn:transaction"
_ACK_POINTER = "#/paths/~1init/post/responses/default/content/application~1json/schema"


def spec_dir() -> Path:
    """Where the Beckn spec copy is expected."""
    override = os.environ.get("DUIJIE_BECKN_SPEC_DIR")
    return Path(override) if override else REPO_ROOT.parent / "shared" / "specs" / "beckn"


def spec_available() -> bool:
    """True when the bundled transaction.yaml can be read."""
    return (spec_dir() / TRANSACTION_YAML).is_file()


SKIP_REASON = (
    f"Beckn spec not found at {spec_dir() / TRANSACTION_YAML} "
    "(the CC BY-NC-SA spec files live outside the repo; set DUIJIE_BECKN_SPEC_DIR to run these tests)"
)

requires_spec = pytest.mark.skipif(not spec_available(), reason=SKIP_REASON)
"""Mark a test (or module, via ``pytestmark``) that needs the spec."""


@pytest.fixture
def beckn_spec() -> None:
    """Skip the requesting test, with the reason, when the spec is absent."""
    if not spec_available():
        pytest.skip(SKIP_REASON)


@functools.cache
def _registry() -> Any:
    import yaml
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    document = yaml.safe_load((spec_dir() / TRANSACTION_YAML).read_text(encoding="utf-8"))
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    return Registry().with_resource(_URN, resource)


@functools.cache
def _validator(pointer: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(
        {"$ref": f"{_URN}{pointer}"},
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _errors(pointer: str, doc: Any) -> list[str]:
    found = sorted(_validator(pointer).iter_errors(doc), key=lambda e: list(e.absolute_path))
    return [f"{e.json_path}: {e.message}" for e in found]


def validate_message(action: str, doc: Any) -> list[str]:
    """Problems with ``doc`` as the request body of ``POST /{action}`` (empty when valid)."""
    return _errors(f"#/paths/~1{action}/post/requestBody/content/application~1json/schema", doc)


def validate_ack(doc: Any) -> list[str]:
    """Problems with ``doc`` as a synchronous ACK/NACK response (empty when valid)."""
    return _errors(_ACK_POINTER, doc)
