"""Shared fixtures: the demo listings, read through the interchange format."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from duijie.domain.listing import Listing
from duijie.interchange.listing_json import listing_from_document


def load_demo(name: str) -> Listing:
    text = resources.files("duijie.demo").joinpath("data", name).read_text(encoding="utf-8")
    return listing_from_document(json.loads(text))


@pytest.fixture(scope="session")
def chuanshan() -> Listing:
    return load_demo("chuanshan.json")


@pytest.fixture(scope="session")
def farm() -> Listing:
    return load_demo("farm.json")
